import type { Express, Request } from 'express';
import express, { Router } from 'express';
import type { ApiDeps } from './context';
import { createContext } from './context';
import { errorHandler } from './error-handler';
import { ApiError, ApiErrorCode } from './errors';
import { healthRoutes } from './health';
import type { OpenApiDocument } from './openapi';
import { openApiDocument } from './openapi';
import type { RouteSpec } from './route';
import { mount, route } from './route';
import { agentRoutes } from './routes/agents';
import { conversationRoutes } from './routes/conversations';
import { operationRoutes } from './routes/operations';
import { queueRoutes } from './routes/queues';
import { sessionRoutes } from './routes/session';
import { supervisorListRoutes } from './routes/supervisor-lists';
import { eventRoutes } from '../live/events-route';
import { pageRoutes } from '../live/pages';
import { NoQuery } from './schemas';

export type { ApiDeps } from './context';

/** Every route of the API except the OpenAPI document itself. */
export const API_ROUTES: readonly RouteSpec[] = [
  ...healthRoutes,
  ...conversationRoutes,
  ...operationRoutes,
  ...agentRoutes,
  ...queueRoutes,
  ...supervisorListRoutes,
  ...sessionRoutes,
  ...eventRoutes,
];

let document: OpenApiDocument | undefined;

const openApiRoute = route({
  method: 'get',
  path: '/api/openapi.json',
  tag: 'Health',
  summary: 'This document: OpenAPI 3.1, generated from the schemas that validate requests.',
  access: 'public',
  query: NoQuery,
  responses: { 200: { description: 'OpenAPI 3.1.' } },
  handle: () => Promise.resolve({ status: 200, body: (document ??= openApiDocument(ALL_ROUTES)) }),
});

/** Every route, the OpenAPI document included. */
export const ALL_ROUTES: readonly RouteSpec[] = [...API_ROUTES, openApiRoute];

/** The Express application: JSON in and out, routes from one table, one error middleware. */
export function createApp(deps: ApiDeps): Express {
  const ctx = createContext(deps);
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: ctx.limits.bodyLimitBytes }));
  const router = Router();
  mount(router, ctx, ALL_ROUTES);
  app.use(router);
  app.use(pageRoutes());
  app.use((req: Request) => {
    throw new ApiError(ApiErrorCode.NotFound, `No such endpoint: ${req.method} ${req.path}.`);
  });
  app.use(errorHandler);
  return app;
}
