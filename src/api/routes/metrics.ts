import type { Request, Response } from 'express';
import { Router } from 'express';
import type { MetricsGuard } from '../../metrics/access';
import type { Metrics } from '../../metrics/metrics';
import { ApiError, ApiErrorCode } from '../http/errors';

/** The Prometheus path, outside /api beside /healthz, where scrapers expect it. */
export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics`: this process's metrics in the Prometheus text format. It is
 * not in the route table (nor the OpenAPI document): an operator's endpoint,
 * answered in Prometheus' format rather than JSON, under its own access rule
 * (`guard`: CONVOFLOW_METRICS_TOKEN); refusals are the API's JSON errors.
 */
export function metricsEndpoint(metrics: Metrics, guard: MetricsGuard): Router {
  const router = Router();
  router.get(METRICS_PATH, async (req: Request, res: Response) => {
    const refusal = guard(req);
    if (refusal !== null) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new ApiError(ApiErrorCode.Unauthorized, refusal);
    }
    res.setHeader('Content-Type', metrics.contentType);
    res.send(await metrics.exposition());
  });
  router.all(METRICS_PATH, (req: Request, res: Response) => {
    res.setHeader('Allow', 'GET, HEAD');
    throw new ApiError(ApiErrorCode.MethodNotAllowed, `${req.method} is not allowed on ${METRICS_PATH}; use GET.`);
  });
  return router;
}
