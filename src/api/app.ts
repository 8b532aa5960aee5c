import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, NextFunction, Request, Response } from 'express';
import express, { Router } from 'express';
import helmet from 'helmet';
import type { LevelWithSilent } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ApiContext, ApiDeps, ApiMetricsOptions } from './context';
import { createContext } from './context';
import { errorHandler } from './http/error-handler';
import { ApiError, ApiErrorCode } from './http/errors';
import { METRICS_PATH, metricsEndpoint } from './routes/metrics';
import type { OpenApiDocument } from './http/openapi';
import { openApiDocument } from './http/openapi';
import type { Route } from './http/route';
import { mount, none, publicRoute, reply } from './http/route';
import { pageRoutes } from './routes/pages';
import { API_ROUTES } from './routes';
import { metricsGuard } from '../metrics/access';
import { NoParams, NoQuery } from './schemas/requests';
import { Type } from '@sinclair/typebox';

export type { ApiDeps } from './context';
export { API_ROUTES } from './routes';

let document: OpenApiDocument | undefined;

const openApiRoute = publicRoute({
  method: 'get',
  path: '/api/openapi.json',
  tag: 'Health',
  summary: 'This document: OpenAPI 3.1, generated from the schemas that validate requests and answers.',
  params: NoParams,
  query: NoQuery,
  body: none,
  responses: { 200: { description: 'OpenAPI 3.1.', schema: Type.Record(Type.String(), Type.Unknown()) } },
  handle: () => Promise.resolve(reply(200, (document ??= openApiDocument(ALL_ROUTES)))),
});

/** Every route, the OpenAPI document included. */
export const ALL_ROUTES: readonly Route[] = [...API_ROUTES, openApiRoute];

// A request id from the caller is kept only when it cannot smuggle anything into logs or headers.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Security headers for every answer, fit for pages this app may serve later:
 * nothing but this origin may run scripts, style, connect or frame it. API
 * answers may carry tokens, so no cache may keep them.
 */
function securityHeaders() {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The legacy header agrees with frame-ancestors 'none'.
    xFrameOptions: { action: 'deny' },
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Cache-Control', 'no-store');
    headers(req, res, next);
  };
}

/** 405 with Allow for a path the table knows under other methods (the 404 below is for paths it does not know). */
function methodNotAllowed(routes: readonly Route[]) {
  const table = routes.map(({ doc }) => ({
    path: new RegExp(`^${doc.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+')}/?$`, 'i'),
    method: doc.method.toUpperCase(),
  }));
  return (req: Request, res: Response, next: NextFunction) => {
    const allowed = new Set(table.filter((t) => t.path.test(req.path)).map((t) => t.method));
    if (allowed.size === 0) return next();
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].sort().join(', ');
    res.setHeader('Allow', allow);
    next(new ApiError(ApiErrorCode.MethodNotAllowed, `${req.method} is not allowed on ${req.path}; use ${allow}.`));
  };
}

/** 503s are a dependency's trouble (warned); other 5xx are bugs; a successful scrape every 15 s is not news. */
function requestLogLevel(req: IncomingMessage, res: ServerResponse): LevelWithSilent {
  if (res.statusCode === 503) return 'warn';
  if (res.statusCode >= 500) return 'error';
  return req.url === METRICS_PATH && res.statusCode < 400 ? 'silent' : 'info';
}

/** GET /metrics over this process's metrics, with the gauges of the app's store. */
function serveMetrics(options: ApiMetricsOptions, ctx: ApiContext, deps: ApiDeps) {
  options.metrics.watchStore(deps.store, {
    cacheMs: options.storeCacheMs,
    onError: (error) => ctx.logger.warn({ err: error }, 'metrics: the store gauges could not read the store'),
  });
  const behindProxy = (deps.trustProxy ?? false) !== false;
  const guard = metricsGuard(options.access, { loopback: options.loopback, behindProxy, adminToken: deps.credentials.adminToken });
  return metricsEndpoint(options.metrics, guard);
}

/** The Express application: JSON in and out, routes from one table, one error middleware. */
export function createApp(deps: ApiDeps): Express {
  const ctx = createContext(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  if (ctx.metrics) app.use(ctx.metrics.metrics.http.middleware());
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: requestLogLevel,
      // The error middleware logs failures itself, with their cause.
      customErrorMessage: (_req, res) => `request failed with ${res.statusCode}`,
    }),
  );
  app.use(securityHeaders());
  const router = Router();
  mount(router, ctx, ALL_ROUTES);
  app.use(router);
  if (ctx.metrics) app.use(serveMetrics(ctx.metrics, ctx, deps));
  app.use(pageRoutes());
  app.use(methodNotAllowed(ALL_ROUTES));
  app.use((req: Request) => {
    throw new ApiError(ApiErrorCode.NotFound, `No such endpoint: ${req.method} ${req.path}.`);
  });
  app.use(errorHandler);
  return app;
}
