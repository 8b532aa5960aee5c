import type { Request, Response, Router } from 'express';
import type { Principal, PrincipalKind } from './auth';
import type { ApiContext } from './context';
import { ApiError, ApiErrorCode } from './errors';
import type { Problem, Schema } from './schema';
import { validate } from './schema';

/** What a handler answers; the route layer sends it as JSON. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Takes the response over instead of a JSON body (the server-sent event stream), after every check passed. */
  stream?: (req: Request, res: Response) => Promise<void>;
}

/** A validated request as a handler sees it. */
export interface RouteRequest<B, P, Q> {
  /** The caller; null only on public routes. */
  principal: Principal | null;
  body: B;
  params: P;
  query: Q;
  /** Validated request headers named in the route's `headers` schema (lower-case names). */
  headers: Record<string, string | undefined>;
  /** The client's address, for rate limiting. */
  ip: string;
}

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  schema?: Schema;
  /** Media type of the body (default application/json). */
  contentType?: string;
}

/** One endpoint: its schemas, who may call it, and its handler. The OpenAPI document is built from these. */
export interface RouteSpec<B = unknown, P = unknown, Q = unknown> {
  method: 'get' | 'post' | 'put' | 'patch';
  /** Express path (`/api/conversations/:id`). */
  path: string;
  summary: string;
  tag: string;
  /** 'public' needs no token; otherwise the kinds admitted (others get 403, no token 401). */
  access: 'public' | readonly PrincipalKind[];
  params?: Schema;
  query?: Schema;
  /** Request headers (lower-case names) and their schemas, e.g. Idempotency-Key. */
  headers?: Readonly<Record<string, Schema>>;
  body?: Schema;
  /** Limited by the per-client token bucket (starting conversations). */
  rateLimited?: boolean;
  responses: Readonly<Record<number, ResponseSpec>>;
  handle(ctx: ApiContext, req: RouteRequest<B, P, Q>): Promise<Reply>;
}

/** Declares a route with typed validated input (the schemas are the runtime check behind these types). */
export function route<B = Record<string, never>, P = Record<string, never>, Q = Record<string, never>>(
  spec: RouteSpec<B, P, Q>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

function invalid(problems: Problem[]): ApiError {
  const first = problems[0] as Problem;
  return new ApiError(ApiErrorCode.InvalidInput, `${first.field}: ${first.message}`, { problems });
}

function validated(schema: Schema | undefined, value: unknown, field: string, fromText: boolean, problems: Problem[]): unknown {
  if (!schema) return value;
  const result = validate(schema, value, field, fromText);
  problems.push(...result.problems);
  return result.value;
}

async function principalFor(ctx: ApiContext, spec: RouteSpec, req: Request): Promise<Principal | null> {
  if (spec.access === 'public') return null;
  const principal = await ctx.auth.authenticate(req);
  if (!spec.access.includes(principal.kind)) {
    throw new ApiError(
      ApiErrorCode.Forbidden,
      `This endpoint is not open to ${principal.kind === 'admin' ? 'the admin' : `${principal.kind}s`}.`,
    );
  }
  return principal;
}

/**
 * Registers routes on `router`. Order per request: rate limit (429), token
 * (401), role (403), then every schema (400) before the handler runs, so a
 * handler never sees unchecked input and a refused request changes nothing.
 */
export function mount(router: Router, ctx: ApiContext, specs: readonly RouteSpec[]): void {
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      if (spec.rateLimited) {
        const take = ctx.limiter.take(ip);
        if (!take.ok)
          throw new ApiError(ApiErrorCode.RateLimited, 'Too many conversations started; slow down.', undefined, take.retryAfterSeconds);
      }
      const principal = await principalFor(ctx, spec, req);
      const problems: Problem[] = [];
      const headers: Record<string, string | undefined> = {};
      for (const [name, schema] of Object.entries(spec.headers ?? {})) {
        const value = req.get(name);
        if (value !== undefined) headers[name] = validated(schema, value, `header ${name}`, false, problems) as string;
      }
      const params = validated(spec.params, { ...req.params }, 'path', true, problems);
      const query = validated(spec.query, { ...(req.query as Record<string, unknown>) }, 'query', true, problems);
      // No body (or a non-JSON one) counts as {}: operations without arguments need none.
      const body = spec.body ? validated(spec.body, req.body ?? {}, 'body', false, problems) : undefined;
      if (problems.length) throw invalid(problems);
      const reply = await spec.handle(ctx, { principal, body, params, query, headers, ip });
      if (reply.stream) return reply.stream(req, res);
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      res.status(reply.status).json(reply.body);
    });
  }
}
