import type { Server } from 'node:http';
import type { Express } from 'express';
import type { PositionFrameData } from '../../src/live/position-frame';

/** One parsed server-sent-events frame: an event, or a comment (heartbeat). */
export interface Frame {
  id: string | null;
  event: string | null;
  data: string | null;
  comment: string | null;
  retry: number | null;
}

/** The stored event a frame carries (data parsed). */
export interface StreamedEvent {
  id: number;
  type: string;
  conversationId: string | null;
  queueId: string | null;
  agentId: string | null;
  previousAgentId: string | null;
  data: Record<string, unknown>;
}

/** The data of a `conversation.position` frame. */
export type PositionFrame = PositionFrameData;

/** Frames that are not stored events: control frames, position frames, and the body of a refused request. */
const DERIVED_FRAMES = new Set(['ready', 'reset', 'conversation.position', 'error-body']);

/** Listens on 127.0.0.1 on a free port; answers the base URL, how to drop every open connection, and how to stop. */
export async function listen(app: Express): Promise<{ url: string; drop: () => void; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    drop: () => server.closeAllConnections(),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parses frames out of SSE text; returns the frames and the incomplete rest. */
function parse(buffer: string): { frames: Frame[]; rest: string } {
  const frames: Frame[] = [];
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const f: Frame = { id: null, event: null, data: null, comment: null, retry: null };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) f.comment = line.slice(1).trim();
      else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') f.id = value;
        else if (field === 'event') f.event = value;
        else if (field === 'data') f.data = f.data === null ? value : `${f.data}\n${value}`;
        else if (field === 'retry') f.retry = Number(value);
      }
    }
    frames.push(f);
  }
  return { frames, rest };
}

/** A test client of GET /api/events over real HTTP (fetch and a streaming reader, as the pages read it). */
export class SseClient {
  readonly frames: Frame[] = [];
  status = 0;
  headers: Headers = new Headers();
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  private constructor() {}

  /** Opens the stream; resolves once the response headers arrived. */
  static async open(
    base: string,
    token: string | null,
    options: { query?: string; lastEventId?: number | string } = {},
  ): Promise<SseClient> {
    const client = new SseClient();
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (options.lastEventId !== undefined) headers['Last-Event-ID'] = String(options.lastEventId);
    const res = await fetch(`${base}/api/events${options.query ? `?${options.query}` : ''}`, { headers, signal: client.abort.signal });
    client.status = res.status;
    client.headers = res.headers;
    if (res.status !== 200 || !res.body) {
      client.frames.push({ id: null, event: 'error-body', data: await res.text(), comment: null, retry: null });
      return client;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    client.done = (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parse(buffer + decoder.decode(value, { stream: true }));
          buffer = parsed.rest;
          client.frames.push(...parsed.frames);
        }
      } catch {
        // aborted
      }
    })();
    return client;
  }

  /** The event frames (not comments, control frames or derived position frames), with their data parsed. */
  get events(): StreamedEvent[] {
    return this.frames
      .filter((f) => f.event !== null && !DERIVED_FRAMES.has(f.event) && f.data !== null)
      .map((f) => JSON.parse(f.data as string) as StreamedEvent);
  }

  /** The `conversation.position` frames a customer's stream carried, data parsed. */
  get positions(): PositionFrame[] {
    return this.frames.filter((f) => f.event === 'conversation.position').map((f) => JSON.parse(f.data as string) as PositionFrame);
  }

  /** Message texts the stream carried. */
  get texts(): string[] {
    return this.events.filter((e) => e.type === 'conversation.message').map((e) => String(e.data.text));
  }

  /** Waits (bounded) until `check` holds over the frames received so far. */
  async waitFor(check: (c: SseClient) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) {
        throw new Error(`stream: ${what} did not happen within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-8))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits for the `ready` frame (the stream is live). */
  ready(): Promise<void> {
    return this.waitFor((c) => c.frames.some((f) => f.event === 'ready'), 'ready');
  }

  /** Waits until an event with id >= `id` arrived. */
  reached(id: number): Promise<void> {
    return this.waitFor((c) => c.frames.some((f) => f.id !== null && Number(f.id) >= id), `event ${id}`);
  }

  /** The highest id the stream sent (events, control frames and heartbeats alike). */
  get lastId(): number {
    return this.frames.reduce((m, f) => (f.id === null ? m : Math.max(m, Number(f.id))), 0);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}
