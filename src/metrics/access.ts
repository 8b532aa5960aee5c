import type { IncomingMessage } from 'node:http';
import { sameSecret } from '../auth/tokens';
import type { MetricsAccess } from '../config';

/** Where the metrics are served, as far as access is concerned. */
export interface MetricsServerFacts {
  /** The server binds loopback only (HOST, CONVOFLOW_WORKER_METRICS_HOST). */
  loopback: boolean;
  /** A reverse proxy is declared in front (CONVOFLOW_TRUST_PROXY): requests from it come from elsewhere. */
  behindProxy: boolean;
  /** The admin token, which may always read the metrics; null where the process has none (the worker). */
  adminToken: string | null;
}

/** Says why a request may not read the metrics, or null when it may. */
export type MetricsGuard = (req: IncomingMessage) => string | null;

function bearer(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

// Any of these means the request was relayed, so it may come from anywhere.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * Who may read /metrics. `open`: anyone who reaches the port. `token`: a bearer
 * of that token (or the admin token). `local` (the default): a request made
 * straight to a server bound to loopback, with no proxy declared and no
 * forwarding header, since only processes on this machine can make one;
 * anything else needs the admin token.
 */
export function metricsGuard(access: MetricsAccess, server: MetricsServerFacts): MetricsGuard {
  const tokens = [access.kind === 'token' ? access.token : null, server.adminToken].filter((t): t is string => t !== null);
  const hint =
    access.kind === 'token'
      ? 'Send the metrics token: Authorization: Bearer <CONVOFLOW_METRICS_TOKEN>.'
      : `From outside this machine the metrics need a bearer token: set CONVOFLOW_METRICS_TOKEN and send it${server.adminToken === null ? '' : ' (or send the admin token)'}.`;
  return (req) => {
    if (access.kind === 'open') return null;
    if (access.kind === 'local' && server.loopback && !server.behindProxy && !FORWARDING_HEADERS.some((h) => h in req.headers)) return null;
    const sent = bearer(req);
    if (sent !== null && tokens.some((t) => sameSecret(sent, t))) return null;
    return sent === null ? hint : 'The bearer token is not valid for the metrics.';
  };
}
