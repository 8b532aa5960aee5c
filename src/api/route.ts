import type { Static, TSchema } from '@sinclair/typebox';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Principal, PrincipalKind } from './auth';
import type { ApiContext } from './context';
import { ApiError, ApiErrorCode, forbidden } from './errors';
import type { Idempotency, StoredReply } from './idempotency';
import { fingerprintOf, IDEMPOTENCY_HEADER, idempotencyFor, lookUp, record } from './idempotency';
import { IdempotencyKey } from './schemas';
import type { Checker, Problem } from './validate';
import { accepts, jsonChecker, MAX_DEPTH, nestedDeeperThan, responseChecker, textChecker } from './validate';

/** HTTP methods of the API. */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One documented answer of a route: the schema its body matches, and headers it may carry. */
export interface ResponseSpec<S extends TSchema = TSchema> {
  description: string;
  schema: S;
  headers?: Readonly<Record<string, { description: string; required?: boolean }>>;
}

/** A route's documented successful answers, by status. */
export type Responses = Readonly<Record<number, ResponseSpec>>;

/** What a handler may answer: one of its documented statuses with a body of that status's schema. */
export type ReplyOf<R extends Responses> = {
  [K in keyof R & number]: { status: K; body: Static<R[K]['schema']>; headers?: Record<string, string> };
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
export interface RouteRequest<P, Q, B, U> {
  /** The caller, typed by the route's access list; null on public routes. */
  principal: U;
  params: P;
  query: Q;
  body: B;
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

interface SpecBase<P extends TSchema, Q extends TSchema, B, U, R extends Responses> {
  method: Method;
  /** Express path (`/api/conversations/:id`). */
  path: string;
  summary: string;
  tag: string;
  params: P;
  query: Q;
  body: BodyInput<B>;
  /** Limited per client address (starting conversations). */
  rateLimited?: boolean;
  responses: R;
  credentials?: ReplayedCredentials;
  handle(ctx: ApiContext, req: RouteRequest<Static<P>, Static<Q>, B, U>): Promise<NoInfer<ReplyOf<R>>>;
}

/** A route open to the principal kinds listed (others 403, no token 401). */
export interface RouteSpec<P extends TSchema, Q extends TSchema, B, K extends PrincipalKind, R extends Responses> extends SpecBase<
  P,
  Q,
  B,
  Extract<Principal, { kind: K }>,
  R
> {
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

function invalid(problems: Problem[]): ApiError {
  const first = problems[0];
  return new ApiError(ApiErrorCode.InvalidInput, first ? `${first.field}: ${first.message}` : 'The request is not valid.', { problems });
}

function admits<K extends PrincipalKind>(kinds: readonly K[], principal: Principal): principal is Extract<Principal, { kind: K }> {
  const allowed: readonly PrincipalKind[] = kinds;
  return allowed.includes(principal.kind);
}

/** Who calls, for idempotency scopes: a key is never shared between callers. */
function callerOf(principal: Principal | null): string {
  if (principal === null) return 'public';
  if (principal.kind === 'agent') return `agent:${principal.agent.id}`;
  if (principal.kind === 'customer') return `customer:${principal.conversationId}`;
  return 'admin';
}

/**
 * Reads a JSON body; 415 for anything else, so a cross-site "simple request"
 * (text/plain, a form, or no Content-Type) cannot call the API. A request with
 * no body and no Content-Type counts as {} (an operation without arguments needs
 * none), except on public routes: a bodiless cross-site POST needs no
 * credentials there, so a public route takes JSON only.
 */
function readBody(ctx: ApiContext, req: Request, res: Response, isPublic: boolean): Promise<unknown> {
  const bodyless = req.get('transfer-encoding') === undefined && (req.get('content-length') ?? '0') === '0';
  const type = req.get('content-type');
  if (type === undefined && bodyless && !isPublic) return Promise.resolve({});
  const media = type?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (media !== 'application/json' && !/^application\/[\w.-]+\+json$/.test(media)) {
    return Promise.reject(new ApiError(ApiErrorCode.UnsupportedMediaType, 'Send the body as JSON with Content-Type: application/json.'));
  }
  if (bodyless) return Promise.resolve({});
  return new Promise((resolve, reject) => {
    ctx.jsonParser(req, res, (error?: unknown) => (error ? reject(error) : resolve(req.body ?? {})));
  });
}

function defineRoute<P extends TSchema, Q extends TSchema, B, U extends Principal | null, R extends Responses>(
  spec: SpecBase<P, Q, B, U, R>,
  doc: Pick<RouteDoc, 'access' | 'selfOnly'>,
  authenticate: (ctx: ApiContext, req: Request) => Promise<U>,
): Route {
  const params = textChecker(spec.params, 'path');
  const query = textChecker(spec.query, 'query');
  const key = textChecker(IdempotencyKey, `header Idempotency-Key`);
  const idempotent = spec.method !== 'get';
  const responseCheckers = new Map<number, Checker<unknown>>();
  const checkResponse = (status: number, body: unknown): Problem[] => {
    const response = spec.responses[status];
    if (!response) return [{ field: 'status', message: `${status} is not a documented answer` }];
    let checker = responseCheckers.get(status);
    if (!checker) responseCheckers.set(status, (checker = responseChecker(response.schema, `response ${status}`)));
    const checked = checker.check(body);
    return checked.ok ? [] : checked.problems;
  };

  async function handle(ctx: ApiContext, req: Request, res: Response): Promise<void> {
    const principal = await authenticate(ctx, req);
    const problems: Problem[] = [];
    const rawKey = idempotent ? req.get(IDEMPOTENCY_HEADER) : undefined;
    const checkedKey = rawKey === undefined ? undefined : key.check(rawKey);
    if (checkedKey && !checkedKey.ok) problems.push(...checkedKey.problems);
    const p = params.check({ ...req.params });
    const q = query.check({ ...req.query });
    if (!p.ok) problems.push(...p.problems);
    if (!q.ok) problems.push(...q.problems);
    if (!p.ok || !q.ok || problems.length) throw invalid(problems);

    const raw = spec.body.kind === 'json' ? await readBody(ctx, req, res, doc.access === 'public') : undefined;
    // Before anything walks the body (the fingerprint below, the schema): a 10,000-deep array must be a 400, not a stack overflow.
    if (nestedDeeperThan(raw, MAX_DEPTH)) throw invalid([{ field: 'body', message: `must not nest deeper than ${MAX_DEPTH} levels` }]);
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const idem =
      checkedKey?.ok === true
        ? idempotencyFor(ctx.credentials.secret, {
            key: checkedKey.value,
            scope: `${spec.method.toUpperCase()} ${spec.path} ${JSON.stringify(p.value)} ${callerOf(principal)}`,
            client: principal === null ? { ip, userAgent: req.get('user-agent') ?? '' } : null,
          })
        : null;
    const fingerprint = fingerprintOf({ body: raw ?? null, query: q.value });
    // A retry is answered before its body is validated again: it was valid the first time.
    const earlier = idem ? await lookUp(ctx.store, idem, fingerprint) : null;
    if (earlier && idem) return replay(ctx, res, earlier, idem);

    let body: B;
    if (spec.body.kind === 'json') {
      const checked = spec.body.checker.check(raw);
      if (!checked.ok) throw invalid(checked.problems);
      body = checked.value;
    } else body = spec.body.value;

    const reply = await spec.handle(ctx, { principal, params: p.value, query: q.value, body, idempotency: idem, ip });
    const headers: Record<string, string> = { ...reply.headers };
    if (idem && reply.status < 300) {
      const saved = await record(ctx.store, idem, fingerprint, { status: reply.status, body: withoutCredentials(reply.body), headers });
      // A concurrent retry recorded first: its answer stands.
      if (!saved.ours) return replay(ctx, res, saved.stored, idem);
    }
    send(ctx, res, reply.status, reply.body, headers);
  }

  function withoutCredentials(body: unknown): unknown {
    if (!spec.credentials || typeof body !== 'object' || body === null) return body;
    return Object.fromEntries(Object.entries(body).filter(([name]) => !spec.credentials?.fields.includes(name)));
  }

  function replay(ctx: ApiContext, res: Response, stored: StoredReply, idem: Idempotency): void {
    let body = stored.body;
    if (spec.credentials && typeof body === 'object' && body !== null) {
      const restored = spec.credentials.restore(body, ctx, idem);
      if (!restored) throw new ApiError(ApiErrorCode.IdempotencyKeyReused, 'This Idempotency-Key cannot be replayed; use a fresh key.');
      body = { ...body, ...restored };
    }
    send(ctx, res, stored.status, body, { ...stored.headers, 'Idempotent-Replayed': 'true' });
  }

  function send(ctx: ApiContext, res: Response, status: number, body: unknown, headers: Record<string, string>): void {
    if (ctx.checkResponses) {
      const problems = checkResponse(status, body);
      // A test app answers 500 so the mismatch fails the test that caused it.
      if (problems.length)
        throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered off its schema: ${JSON.stringify(problems)}`);
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).json(body);
  }

  return {
    doc: {
      ...doc,
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tag: spec.tag,
      params: spec.params,
      query: spec.query,
      body: spec.body.kind === 'json' ? spec.body.schema : null,
      // The public start takes JSON only (see readBody), so its body, even {}, is required.
      bodyRequired: spec.body.kind === 'json' && (doc.access === 'public' || !accepts(spec.body.schema, {})),
      idempotent,
      rateLimited: spec.rateLimited === true,
      responses: spec.responses,
    },
    mount(router, ctx) {
      const handler: RequestHandler = (req, res) => handle(ctx, req, res);
      if (spec.rateLimited) router[spec.method](spec.path, ctx.startLimiter, handler);
      else router[spec.method](spec.path, handler);
    },
  };
}

/**
 * Declares a route open to the principal kinds in `access`. Per request: rate
 * limit (429), token (401), kind and self (403), key, path and query (400),
 * body media type (415), size (413) and JSON (400), then a retry's replay, the
 * body's schema (400), and only then the handler: it never sees unchecked input,
 * and a refused request changes nothing.
 */
export function route<P extends TSchema, Q extends TSchema, B, K extends PrincipalKind, R extends Responses>(
  spec: RouteSpec<P, Q, B, K, R>,
): Route {
  return defineRoute(spec, { access: spec.access, selfOnly: spec.selfOnly === true }, async (ctx, req) => {
    const principal = await ctx.auth.authenticate(req);
    if (!admits(spec.access, principal)) {
      throw forbidden(`This endpoint is not open to ${principal.kind === 'admin' ? 'the admin' : `${principal.kind}s`}.`);
    }
    const caller: Principal = principal;
    if (spec.selfOnly && caller.kind === 'agent' && caller.agent.id !== req.params.id) {
      throw forbidden('Only the agent themselves or the admin may do this.');
    }
    return principal;
  });
}

/** Declares a route that needs no token. */
export function publicRoute<P extends TSchema, Q extends TSchema, B, R extends Responses>(spec: SpecBase<P, Q, B, null, R>): Route {
  return defineRoute(spec, { access: 'public', selfOnly: false }, () => Promise.resolve(null));
}

/** Registers routes on `router`. */
export function mount(router: Router, ctx: ApiContext, routes: readonly Route[]): void {
  for (const r of routes) r.mount(router, ctx);
}
