import type { ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { StartupError } from '../startup-error';
import type { MetricsGuard } from './access';
import type { Metrics } from './metrics';

/** A listening metrics server and how to stop it. */
export interface RunningMetricsServer {
  /** Where Prometheus scrapes: http://host:port/metrics. */
  url: string;
  close(): Promise<void>;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * `GET /metrics` on its own port, for a process without an HTTP API (`npm run
 * start:worker`); the same access rule and error body as the API's /metrics.
 */
export function startMetricsServer(
  metrics: Metrics,
  options: { host: string; port: number; guard: MetricsGuard },
): Promise<RunningMetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return sendError(res, 404, 'NOT_FOUND', 'Only /metrics is served here.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on /metrics; use GET.`);
    }
    const refusal = options.guard(req);
    if (refusal !== null) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, 'UNAUTHORIZED', refusal);
    }
    metrics.exposition().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => sendError(res, 500, 'INTERNAL', `Could not collect the metrics: ${(error as Error).message}`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new StartupError(`Port ${options.port} is in use: set CONVOFLOW_WORKER_METRICS_PORT to another one.`)
          : error,
      );
    });
    server.listen(options.port, options.host, () => {
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolve({
        url: `http://${host}:${options.port}/metrics`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
