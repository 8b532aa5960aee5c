import { Router } from 'express';
import type { ApiDeps } from './app';

/** Liveness for load balancers and container health checks; deliberately touches no dependency. */
export function healthRouter(_deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}
