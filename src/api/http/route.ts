import type { Static, TSchema } from '@sinclair/typebox';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Principal, PrincipalKind } from './auth';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode, forbidden } from './errors';
import type { Idempotency, StoredReply } from './idempotency';
import { fingerprintOf, IDEMPOTENCY_HEADER, idempotencyFor, lookUp, record } from './idempotency';
import type { Endpoint, HeadersOf, Method, Responses, Route, RouteDoc, RouteSpec, SpecBase, TypedRoute } from './route-spec';
import { IdempotencyKey } from '../schemas/requests';
import type { Checker, Problem } from './validate';
import { accepts, MAX_DEPTH, nestedDeeperThan, responseChecker, textChecker } from './validate';

export type {
  BodyInput,
  Endpoint,
  EndpointOf,
  Method,
  ReplayedCredentials,
  ReplyOf,
  ResponseSpec,
  Responses,
  Route,
  RouteDoc,
  RouteRequest,
  RouteSpec,
  TypedRoute,
} from './route-spec';
export { json, none, reply } from './route-spec';

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
  const declaredHeaders = spec.headers ?? null;
  const headerCheck = declaredHeaders ? textChecker(declaredHeaders, 'header') : null;
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
    const sent: Record<string, string> = {};
    for (const name of Object.keys(declaredHeaders?.properties ?? {})) {
      const value = req.get(name);
      if (value !== undefined) sent[name] = value;
    }
    const h = headerCheck ? headerCheck.check(sent) : null;
    if (h && !h.ok) problems.push(...h.problems);
    if (!p.ok || !q.ok || (h && !h.ok) || problems.length) throw invalid(problems);

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

    const requestHeaders = (h?.ok ? h.value : {}) as HeadersOf<typeof spec>;
    const reply = await spec.handle(ctx, {
      principal,
      params: p.value,
      query: q.value,
      body,
      headers: requestHeaders,
      idempotency: idem,
      ip,
    });
    // A stream (server-sent events) takes the response over once every check has passed.
    if (reply.stream) return reply.stream(req, res);
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
      headers: declaredHeaders,
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
export function route<
  P extends TSchema,
  Q extends TSchema,
  B,
  K extends PrincipalKind,
  R extends Responses,
  M extends Method,
  Path extends string,
>(spec: RouteSpec<P, Q, B, K, R, M, Path>): TypedRoute<Endpoint<M, Path, Static<Q>, B, R>> {
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
export function publicRoute<P extends TSchema, Q extends TSchema, B, R extends Responses, M extends Method, Path extends string>(
  spec: SpecBase<P, Q, B, null, R, M, Path>,
): TypedRoute<Endpoint<M, Path, Static<Q>, B, R>> {
  return defineRoute(spec, { access: 'public', selfOnly: false }, () => Promise.resolve(null));
}

/** Registers routes on `router`. */
export function mount(router: Router, ctx: ApiContext, routes: readonly Route[]): void {
  for (const r of routes) r.mount(router, ctx);
}
