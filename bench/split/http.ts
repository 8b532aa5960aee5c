/** A JSON answer from the API. */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** The API processes, called in turn (as a load balancer would). */
export class ApiClient {
  private next = 0;
  requests = 0;

  constructor(
    private readonly urls: readonly string[],
    readonly adminToken: string,
  ) {}

  /** Sends one request; throws on a network error, answers any HTTP status. */
  async send<T = Record<string, unknown>>(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply<T>> {
    const url = this.urls[this.next++ % this.urls.length] ?? '';
    this.requests += 1;
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
  }

  /** Sends and requires one of `ok` statuses. */
  async expect<T = Record<string, unknown>>(
    ok: number[],
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const reply = await this.send<T>(method, path, token, body, headers);
    if (!ok.includes(reply.status)) throw new Error(`${method} ${path}: HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    return reply.body;
  }
}
