// The pages' API client, typed from the API's own route table: the method and
// path pick the route, and its request and answer types come from the schemas
// that validate them on the server (the idea of hono's `hc` and tRPC). Only
// types cross over: nothing of the server is bundled into a page.
import type { Static, TSchema } from '@sinclair/typebox';
import type { ApiEndpoint } from '../../api/routes';

/** A refused or failed API call, with the API's own message. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The message to show for anything thrown by an action. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Method = ApiEndpoint['method'];
/** The paths of the routes answering `M`. */
export type PathOf<M extends Method> = Extract<ApiEndpoint, { method: M }>['path'];
type EndpointAt<M extends Method, P> = Extract<ApiEndpoint, { method: M; path: P }>;

/** The names of a path's `:parameters`. */
type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The body of a route's successful answer (200, 201 or 202). */
export type AnswerOf<E> = E extends { responses: infer R }
  ? { [K in keyof R]: K extends 200 | 201 | 202 ? (R[K] extends { schema: infer S extends TSchema } ? Static<S> : never) : never }[keyof R]
  : never;

/** What a call sends besides the token: path parameters, query and body, each only where the route takes one. */
export type CallOptions<M extends Method, P extends string> = ([ParamNames<P>] extends [never]
  ? { params?: undefined }
  : { params: Record<ParamNames<P>, string> }) &
  (EndpointAt<M, P>['body'] extends undefined ? { body?: undefined } : { body: EndpointAt<M, P>['body'] }) & {
    query?: Partial<EndpointAt<M, P>['query']>;
  };

/** The answer of `method path`. */
export type Answer<M extends Method, P> = AnswerOf<EndpointAt<M, P>>;

/** Fills `:name` segments with their (encoded) values. */
function fill(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined) throw new Error(`${path} needs the path parameter ${name}.`);
    return encodeURIComponent(value);
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Calls the API with the token `token()` answers; the JSON answer, or an ApiFailure carrying the API's message. */
export function createClient(token: () => string | null) {
  return async function call<M extends Method, P extends PathOf<M>>(
    method: M,
    path: P,
    ...[options]: OptionalIfEmpty<CallOptions<M, P>>
  ): Promise<Answer<M, P>> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const body = (options as { body?: unknown } | undefined)?.body;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const url =
      fill(path, (options as { params?: Record<string, string> } | undefined)?.params) +
      queryString((options as { query?: Record<string, unknown> } | undefined)?.query);
    // Answers change with every write: never from the browser's cache. (`cache` is the browser's; Node's RequestInit lacks it.)
    const init: RequestInit & { cache?: 'no-store' } = {
      method: method.toUpperCase(),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    };
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch {
      throw new ApiFailure(0, 'NETWORK', 'The server cannot be reached; check your connection and try again.');
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiFailure(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? `The server answered ${res.status}.`);
    }
    return json as Answer<M, P>;
  };
}

/** The options argument may be left out when nothing in it is required. */
type OptionalIfEmpty<O> = Partial<O> extends O ? [options?: O] : [options: O];

/** A client made by createClient. */
export type ApiCall = ReturnType<typeof createClient>;
