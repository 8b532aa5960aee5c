import type { Client } from '@temporalio/client';
import type { Express, NextFunction, Request, Response } from 'express';
import express from 'express';
import type { LifecycleConfig } from '../domain/lifecycle-config';
import type { CapacityStore } from '../store/types';
import { healthRouter } from './health';

/** Everything the HTTP API needs, passed in so tests can supply their own. */
export interface ApiDeps {
  store: CapacityStore;
  client: Client;
  taskQueue: string;
  lifecycle: LifecycleConfig;
}

/** The Express application: JSON in and out, one router per resource. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '256kb' }));
  app.use(healthRouter(deps));
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such endpoint.' } });
  });
  // Express recognises error middleware by its four parameters, so `_next` must stay.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'BAD_REQUEST', message: (error as Error).message } });
      return;
    }
    console.error('[api] unhandled error', error);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal server error.' } });
  });
  return app;
}
