import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response, Router } from 'express';
import type { Principal, PrincipalKind } from './auth';
import type { ApiContext } from '../context';
import type { Idempotency } from './idempotency';
import type { Checker } from './validate';
import { jsonChecker } from './validate';

// What a route declares (its schemas, access, answers and handler) and what
// the rest of the API sees of it (a RouteDoc for the OpenAPI document, and a
// mount closure). route.ts turns one into the other.

/** HTTP methods of the API. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented answer of a route: the schema its body matches, and headers it may carry. */
export interface ResponseSpec<S extends TSchema = TSchema> {
  description: string;
  schema: S;
  headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
  /** Media type of the body (default application/json; the event stream is text/event-stream). */
  contentType?: string;
}

/** A route's documented successful answers, by status. */
export type Responses = Readonly<Record<number, ResponseSpec>>;

/** What a handler may answer: one of its documented statuses with a body of that status's schema. */
export type ReplyOf<R extends Responses> = {
  [K in keyof R & number]: {
    status: K;
    body: Static<R[K]['schema']>;
    headers?: Record<string, string>;
    /** Takes the response over instead of a JSON body (the server-sent event stream), after every check has passed. */
    stream?: (req: Request, res: Response) => Promise<void>;
  };
}[keyof R & number];

/**
 * A handler's answer. A function rather than an object literal so the status
 * keeps its literal type: the route then checks the body against that status's schema.
 */
export function reply<const S extends number, const B>(
  status: S,
  body: B,
  headers?: Record<string, string>,
): { status: S; body: B; headers?: Record<string, string> } {
  return headers ? { status, body, headers } : { status, body };
}

/** Whether a route takes a JSON body, and its schema. */
export type BodyInput<B> = { kind: 'none'; value: B } | { kind: 'json'; schema: TSchema; checker: Checker<B> };

/** A route without a request body (reads, DELETE). */
export const none: BodyInput<undefined> = { kind: 'none', value: undefined };

/** A JSON request body validated by `schema`; a body sent as anything but JSON is 415. */
export function json<S extends TSchema>(schema: S): BodyInput<Static<S>> {
  return { kind: 'json', schema, checker: jsonChecker(schema, 'body') };
}

/** A validated request as a handler sees it. */
export interface RouteRequest<P, Q, B, U, H = Record<string, never>> {
  /** The caller, typed by the route's access list; null on public routes. */
  principal: U;
  params: P;
  query: Q;
  body: B;
  /** The request headers the route declares (lower-case names), validated. */
  headers: H;
  /** The Idempotency-Key of this request, scoped to its route, target and caller; null without one. */
  idempotency: Idempotency | null;
  /** The client's address (after CONVOFLOW_TRUST_PROXY), for rate limiting. */
  ip: string;
}

/** Fields of an answer that are credentials: never stored with an idempotency record, recomputed on a replay. */
export interface ReplayedCredentials {
  fields: readonly string[];
  /** The credential fields for a replayed answer, or null when they cannot be recomputed (then the replay is refused). */
  restore(stored: unknown, ctx: ApiContext, idempotency: Idempotency): Record<string, string> | null;
}

/** What every route declares; U is the caller's type, from its access list (null on public routes). */
export interface SpecBase<
  P extends TSchema,
  Q extends TSchema,
  B,
  U,
  R extends Responses,
  M extends Method = Method,
  Path extends string = string,
> {
  method: M;
  /** Express path (`/api/conversations/:id`). */
  path: Path;
  summary: string;
  tag: string;
  params: P;
  query: Q;
  body: BodyInput<B>;
  /** Request headers the route reads besides the token and Idempotency-Key (lower-case names), e.g. Last-Event-ID. */
  headers?: TObject;
  /** Limited per client address (starting conversations). */
  rateLimited?: boolean;
  responses: R;
  credentials?: ReplayedCredentials;
  handle(ctx: ApiContext, req: RouteRequest<Static<P>, Static<Q>, B, U, HeadersOf<this>>): Promise<NoInfer<ReplyOf<R>>>;
}

/** The validated headers a route declares. */
export type HeadersOf<S> = S extends { headers: infer H extends TObject } ? Static<H> : Record<string, never>;

/** A route open to the principal kinds listed (others 403, no token 401). */
export interface RouteSpec<
  P extends TSchema,
  Q extends TSchema,
  B,
  K extends PrincipalKind,
  R extends Responses,
  M extends Method = Method,
  Path extends string = string,
> extends SpecBase<P, Q, B, Extract<Principal, { kind: K }>, R, M, Path> {
  access: readonly K[];
  /** Agents only for themselves: the path's `:id` must be the calling agent (the admin may act for anyone). */
  selfOnly?: boolean;
}

/** What the OpenAPI document needs to know of a route. */
export interface RouteDoc {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: 'public' | readonly PrincipalKind[];
  selfOnly: boolean;
  params: TSchema;
  query: TSchema;
  /** Request headers the route reads (lower-case names), for the document's header parameters. */
  headers: TObject | null;
  body: TSchema | null;
  /** Whether a body must be sent (an empty one is refused, or the route is public). */
  bodyRequired: boolean;
  /** Accepts an Idempotency-Key (every route that changes something). */
  idempotent: boolean;
  rateLimited: boolean;
  responses: Responses;
}

/** A route ready to mount; its handler's types live in the closure, so a table of routes needs no casts. */
export interface Route {
  readonly doc: RouteDoc;
  mount(router: Router, ctx: ApiContext): void;
}

/** What a client knows of a route, as types only: its method, path, query, body and answers. */
export interface Endpoint<
  M extends Method = Method,
  Path extends string = string,
  Q = unknown,
  B = unknown,
  R extends Responses = Responses,
> {
  method: M;
  path: Path;
  query: Q;
  body: B;
  responses: R;
}

/** A route that keeps its endpoint's types, so a client (the pages) can be typed from the route table. */
export interface TypedRoute<E extends Endpoint> extends Route {
  /** Never set at run time: it carries the endpoint's types. */
  readonly endpoint?: E;
}

/** The endpoint of a typed route. */
export type EndpointOf<T> = T extends TypedRoute<infer E> ? E : never;
