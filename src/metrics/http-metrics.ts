import type { Request, RequestHandler, Response } from 'express';
import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';

/** The `route` label of a request no route matched (404, 405): never the raw path, which could carry ids. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Seconds an API answer takes: milliseconds for reads, up to the 15 s Temporal deadline for updates. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** The route template that answered (`/api/conversations/:id`), or UNMATCHED_ROUTE; static files under their mount (`/assets/*`). */
export function routeLabel(req: Request): string {
  const route: unknown = req.route;
  if (typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string')
    return `${req.baseUrl}${route.path}`;
  return req.baseUrl ? `${req.baseUrl}/*` : UNMATCHED_ROUTE;
}

function isEventStream(res: Response): boolean {
  const type = res.getHeader('content-type');
  return typeof type === 'string' && type.startsWith('text/event-stream');
}

/** Request count and duration of the HTTP API, by method, route template and status. */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor(registry: Registry) {
    const labelNames = ['method', 'route', 'status'] as const;
    this.requests = new Counter({
      name: 'convoflow_http_requests_total',
      help: 'HTTP requests answered (or dropped by the client), by method, route template and status; event streams count when they end.',
      labelNames,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'convoflow_http_request_duration_seconds',
      help: 'Time from request to the end of the answer, by method, route template and status; event streams are left out (they last as long as the client stays).',
      labelNames,
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  /** Middleware timing every request; mount it before the routes. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const started = process.hrtime.bigint();
      // 'close' comes once per response: after the last byte, or when the client went away first.
      res.once('close', () => {
        const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
        this.requests.inc(labels);
        if (!isEventStream(res)) this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}
