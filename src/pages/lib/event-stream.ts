import type { StoredEvent } from '../../domain/events';
import type { PositionFrameData } from '../../live/position-frame';
import { POSITION_FRAME } from '../../live/position-frame';

/** How the connection stands, for the page's status line. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'denied';

/** What a page does with its stream. */
export interface LiveHandlers {
  /** (Re)loads the page's state from the API: on first connect and after a `reset`. Events arriving meanwhile are held and applied after. */
  load(): Promise<void>;
  /** Applies one event to the page's state; events carry absolute values, so applying one the load already reflects is harmless. */
  apply(event: StoredEvent): void;
  /** A customer's queue position (a derived frame, in order with the events); pages that do not follow one leave it out. */
  position?(position: PositionFrameData): void;
  status(status: StreamStatus, detail?: string): void;
}

interface Frame {
  id: string | null;
  event: string;
  data: string;
}

const LONGEST_BACKOFF_MS = 30_000;

/**
 * Follows GET /api/events with fetch and a streaming reader (EventSource
 * cannot send the Authorization header, and tokens never go in URLs).
 * Reconnects with backoff and resumes with Last-Event-ID; reloads on `reset`.
 */
export function followEvents(token: string, handlers: LiveHandlers, query = ''): { close(): void } {
  let closed = false;
  let lastId: string | null = null;
  let retryMs = 2_000;
  let failures = 0;
  let controller: AbortController | null = null;
  let loading = false;
  /** What arrived during a load, applied after it in arrival order. */
  let held: (() => void)[] = [];
  const deliver = (apply: () => void): void => {
    if (loading) held.push(apply);
    else apply();
  };

  const reload = (): void => {
    loading = true;
    held = [];
    handlers
      .load()
      .catch((error: unknown) => handlers.status('reconnecting', error instanceof Error ? error.message : String(error)))
      .finally(() => {
        loading = false;
        for (const apply of held.splice(0)) apply();
      });
  };

  /** Whether this connection has reloaded already (a `reset` comes before its `ready`). */
  let reloaded = false;
  const dispatch = (frame: Frame): void => {
    if (frame.event === 'ready') {
      failures = 0;
      handlers.status('live');
      if (!(JSON.parse(frame.data) as { resumed: boolean }).resumed && !reloaded) reload();
    } else if (frame.event === 'reset') {
      reloaded = true;
      reload();
    } else if (frame.event === POSITION_FRAME) {
      const position = JSON.parse(frame.data) as PositionFrameData;
      deliver(() => handlers.position?.(position));
    } else if (frame.data) {
      const event = JSON.parse(frame.data) as StoredEvent;
      deliver(() => handlers.apply(event));
    }
  };

  const readFrames = async (body: ReadableStream<Uint8Array>): Promise<void> => {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const frame: Frame = { id: null, event: 'message', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line === '' || line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') frame.id = value;
          else if (field === 'event') frame.event = value;
          else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
          else if (field === 'data') {
            frame.data = hasData ? `${frame.data}\n${value}` : value;
            hasData = true;
          }
        }
        // As EventSource does: an id moves the resume point even on a frame without data (heartbeats).
        if (frame.id !== null) lastId = frame.id;
        if (hasData) dispatch(frame);
      }
    }
  };

  const connect = async (): Promise<void> => {
    while (!closed) {
      controller = new AbortController();
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
      if (lastId !== null) headers['Last-Event-ID'] = lastId;
      reloaded = false;
      try {
        const res = await fetch(`/api/events${query}`, { headers, signal: controller.signal });
        if (res.status === 401 || res.status === 403) {
          handlers.status('denied', 'This token is not accepted any more; sign in again.');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`The event stream answered ${res.status}.`);
        await readFrames(res.body);
      } catch {
        // Dropped, refused or aborted: reconnect below unless closed.
      }
      if (closed) return;
      failures += 1;
      handlers.status('reconnecting');
      const delay = Math.min(LONGEST_BACKOFF_MS, retryMs * 2 ** Math.min(failures - 1, 4)) * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };

  handlers.status('connecting');
  void connect();
  return {
    close() {
      closed = true;
      controller?.abort();
    },
  };
}
