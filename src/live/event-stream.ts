import type { Response } from 'express';
import type { StoredEvent } from '../domain/events';
import type { EventHub, EventSource, HubSubscriber } from './event-hub';
import type { StreamAudience, StreamFilter } from './event-scope';
import { matchesFilter, visibleTo } from './event-scope';
import type { PositionFrameData } from './position-frame';
import { POSITION_FRAME } from './position-frame';
import type { QueuePositions } from './queue-positions';

/** Control frames every stream gets whatever its `types`: `ready` (now live) and `reset` (reload your state). */
export const StreamFrame = { Ready: 'ready', Reset: 'reset' } as const;

/** Why a stream told its client to reset. */
export const ResetReason = {
  /** The client's last id is at or below what retention pruned: events it never saw are gone. */
  Pruned: 'pruned',
  /** The client's last id is above anything this log has written (another database, or a reset store). */
  UnknownId: 'unknown-id',
} as const;

/** Tunables of one stream. */
export interface StreamOptions {
  /** Reconnect delay suggested to clients (`retry:`). */
  retryMs: number;
  /** How often an agent's queues are re-read so scope follows membership changes. */
  scopeRefreshMs: number;
  /** Bytes a client may fall behind by before the stream is dropped (it resumes with Last-Event-ID). */
  maxBufferedBytes: number;
}

/** Defaults of StreamOptions. */
export const DEFAULT_STREAM_OPTIONS: StreamOptions = { retryMs: 2_000, scopeRefreshMs: 30_000, maxBufferedBytes: 1 << 20 };

/** One stream request, authorised and validated. */
export interface StreamRequest {
  audience: StreamAudience;
  filter: StreamFilter;
  /** Last-Event-ID (header or query); null: start at the current end. */
  lastEventId: number | null;
  /** Re-reads the caller's scope (an agent's queues); null: the caller is gone, end the stream. */
  refreshAudience?: () => Promise<StreamAudience | null>;
}

const BACKLOG_PAGE = 1000;

/** Resolves once the socket wants more, or is gone. */
function untilDrained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function frame(event: string, id: number | null, data: unknown): string {
  return `${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The position frame's data for `conversationId` from the index. */
function positionFrameData(positions: QueuePositions, conversationId: string): PositionFrameData {
  const standing = positions.positionOf(conversationId);
  return standing
    ? { conversationId, ...standing }
    : { conversationId, queueId: null, position: null, waiting: null, estimatedWaitMs: null, closed: null, opensAt: null };
}

/**
 * Serves one server-sent-event stream on `res`: headers, an optional backlog
 * after the client's Last-Event-ID read from the store in pages, then the live
 * feed from the hub. The stream joins the hub before reading the backlog and
 * holds live batches until the backlog is written; ids at or below the last
 * one written are skipped, so the join has neither a gap nor a duplicate. A
 * customer's stream also carries their queue position (POSITION_FRAME): once
 * after `ready`, then after each batch that moved their queue, when it differs.
 */
export async function serveEventStream(
  res: Response,
  deps: { hub: EventHub; log: EventSource; options: StreamOptions },
  request: StreamRequest,
): Promise<void> {
  const { hub, log, options } = deps;
  let audience = request.audience;
  let last = 0;
  let live = false;
  let ended = false;
  const held: StoredEvent[] = [];
  let refreshTimer: NodeJS.Timeout | null = null;
  let refreshing = false;
  let unsubscribe: () => void = () => undefined;
  // A customer's stream follows their conversation's queue position (null for everyone else).
  let positions: QueuePositions | null = null;
  let positionStamp: string | null = null;
  let positionSent: string | null = null;

  const end = (): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    if (refreshTimer) clearInterval(refreshTimer);
    res.end();
  };
  const write = (text: string): boolean => {
    if (ended) return false;
    const flushed = res.write(text);
    // A client this far behind is dropped rather than buffered without bound; it resumes from the store.
    if (res.writableLength > options.maxBufferedBytes) end();
    return flushed;
  };

  const refresh = (): void => {
    if (!request.refreshAudience || refreshing || ended) return;
    refreshing = true;
    request.refreshAudience().then(
      (next) => {
        refreshing = false;
        if (next === null) end();
        else audience = next;
      },
      () => {
        refreshing = false;
      },
    );
  };

  /** Writes one event if it is new, in scope and wanted; returns whether the socket took it without buffering. */
  const send = (event: StoredEvent): boolean => {
    if (event.id <= last) return true;
    last = event.id;
    if (audience.kind === 'agent' && event.agentId === audience.agentId && event.type.startsWith('agent.')) refresh();
    if (!visibleTo(audience, event) || !matchesFilter(request.filter, event)) return true;
    return write(frame(event.type, event.id, event));
  };

  /** Sends the customer's position when it differs from the last one sent; the index is consulted only when its line moved. */
  const sendPosition = (): void => {
    if (!positions || audience.kind !== 'customer') return;
    const id = audience.conversationId;
    const stamp = positions.stampOf(id);
    if (stamp === positionStamp) return;
    positionStamp = stamp;
    const data = JSON.stringify(positionFrameData(positions, id));
    if (data === positionSent) return;
    positionSent = data;
    write(`event: ${POSITION_FRAME}\ndata: ${data}\n\n`);
  };

  const subscriber: HubSubscriber = {
    deliver(events) {
      if (!live) held.push(...events);
      else {
        for (const event of events) send(event);
        sendPosition();
      }
    },
    heartbeat() {
      // The id moves the client's resume point past events it was not shown, so an idle client does not fall behind retention.
      if (live) write(`: heartbeat\nid: ${last}\n\n`);
    },
    close: end,
  };

  // The response closes when the client goes away (or the hub ends the stream).
  res.on('close', end);
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  write(`retry: ${options.retryMs}\n\n`);

  try {
    const joined = await hub.subscribe(subscriber);
    unsubscribe = joined.unsubscribe;
    if (ended) return end();
    const joinedAt = joined.joinedAt;
    if (audience.kind === 'customer') positions = await hub.queuePositions();
    if (ended) return;
    let resumed = false;
    if (request.lastEventId === null) {
      last = joinedAt;
    } else {
      const bounds = await log.eventLogBounds();
      const reason =
        bounds.prunedThrough > 0 && request.lastEventId <= bounds.prunedThrough
          ? ResetReason.Pruned
          : request.lastEventId > Math.max(bounds.latestId, joinedAt)
            ? ResetReason.UnknownId
            : null;
      if (reason !== null) {
        // The client reloads its state after this, so everything up to the log's end is in what it reloads.
        last = Math.max(joinedAt, bounds.latestId);
        write(frame(StreamFrame.Reset, last, { reason, latestId: last }));
      } else {
        resumed = true;
        last = request.lastEventId;
        while (!ended && last < joinedAt) {
          const page = await log.listEvents(last, BACKLOG_PAGE);
          if (page.length === 0) break;
          let drained = true;
          for (const event of page) if (event.id <= joinedAt) drained = send(event) && drained;
          last = Math.max(last, Math.min(joinedAt, (page[page.length - 1] as StoredEvent).id));
          if (!drained && !ended) await untilDrained(res);
        }
        last = Math.max(last, joinedAt);
      }
    }
    if (ended) return;
    write(frame(StreamFrame.Ready, last, { latestId: last, resumed }));
    live = true;
    for (const event of held.splice(0)) send(event);
    sendPosition();
    if (request.refreshAudience) {
      refreshTimer = setInterval(refresh, options.scopeRefreshMs);
      refreshTimer.unref();
    }
  } catch (error) {
    // Headers are out, so no JSON error can follow: end the stream; the client reconnects and resumes.
    console.error(`[events] a stream failed: ${(error as Error).message}`);
    end();
  }
}
