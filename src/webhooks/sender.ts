import http from 'node:http';
import https from 'node:https';

/** One webhook request. */
export interface WebhookRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The whole answer's deadline: no status line by then is a failure. */
  timeoutMs: number;
  /** Aborts the request (the activity was cancelled: the endpoint was deleted, or the worker stops). */
  signal?: AbortSignal;
}

/** Sends one request and answers the receiver's HTTP status; rejects on a network error or the deadline. */
export type WebhookSender = (request: WebhookRequest) => Promise<{ status: number }>;

/**
 * POSTs with node's own HTTP client: one fresh connection per delivery (no
 * pooled socket outlives it), redirects not followed (a 3xx is not a 2xx), the
 * answer's body drained and ignored.
 */
export const postWebhook: WebhookSender = (request) =>
  new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const client = url.protocol === 'https:' ? https : http;
    const body = Buffer.from(request.body, 'utf8');
    const req = client.request(
      url,
      { method: 'POST', agent: false, headers: { ...request.headers, 'Content-Length': String(body.length) }, signal: request.signal },
      (res) => {
        resolve({ status: res.statusCode ?? 0 });
        // Drained so the receiver can finish; the deadline still ends a body that never does.
        res.on('error', () => undefined);
        res.on('close', () => clearTimeout(timer));
        res.resume();
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
