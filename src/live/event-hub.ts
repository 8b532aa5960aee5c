import type { StoredEvent } from '../domain/events';
import type { EventLog } from '../store/events/event-log';
import type { Store } from '../store/store';
import type { QueueSnapshotSource } from './queue-positions';
import { QueuePositions } from './queue-positions';

/** What the hub needs of the store: the log and its wake-ups, and the queues' entries to seed the positions from. */
export type EventSource = EventLog & Pick<Store, 'onEvents'> & QueueSnapshotSource;

/** One open stream as the hub sees it. */
export interface HubSubscriber {
  /** New events, in id order, every one after the cursor the subscriber was given. */
  deliver(events: readonly StoredEvent[]): void;
  /** Time to send a keep-alive. */
  heartbeat(): void;
  /** The hub is closing: end the stream. */
  close(): void;
}

/** Tunables of the hub. */
export interface EventHubOptions {
  /** Keep-alive period of every stream (default 15 s); also when the hub looks for events a lost wake-up left behind. */
  heartbeatMs?: number;
  /** Events per store read (at most 1,000). */
  pageSize?: number;
  /** Where read failures are reported (they are retried; nothing is skipped). */
  log?: (message: string) => void;
}

/** Default keep-alive period: below the 30-60 s idle timeouts of common proxies. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * One per API process: subscribes to the store's wake-ups once, reads the new
 * events once per wake-up (in pages, from its cursor) and hands each batch to
 * every open stream. A stream joins at the hub's cursor: everything after it
 * reaches the stream from here, everything up to it the stream reads itself
 * (its backlog), so resuming has no gap and no duplicate.
 */
export class EventHub {
  private readonly subscribers = new Set<HubSubscriber>();
  private readonly heartbeatMs: number;
  private readonly pageSize: number;
  private readonly log: (message: string) => void;
  private cursor = 0;
  private readonly positions = new QueuePositions();
  private seeding: Promise<QueuePositions> | null = null;
  private starting: Promise<void> | null = null;
  private stopListening: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private reading = false;
  private wokenWhileReading = false;
  private closed = false;

  constructor(
    private readonly source: EventSource,
    options: EventHubOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.pageSize = Math.min(1000, options.pageSize ?? 1000);
    this.log = options.log ?? ((message) => console.error(`[events] ${message}`));
  }

  /** Starts following the log from its current end (once; later calls wait for the first). */
  start(): Promise<void> {
    this.starting ??= this.begin().catch((error: unknown) => {
      // The store did not answer: the next stream tries again instead of inheriting this failure.
      this.stopListening?.();
      this.stopListening = null;
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  private async begin(): Promise<void> {
    // Listen first, then read the end: a commit in between is read by the first wake-up, not lost.
    this.stopListening = this.source.onEvents(() => this.wake());
    this.cursor = (await this.source.eventLogBounds()).latestId;
    this.heartbeatTimer = setInterval(() => this.tick(), this.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  /** The id of the newest event handed to streams: a stream joining now gets every event after it. */
  get position(): number {
    return this.cursor;
  }

  /**
   * The queue positions, kept from this hub's batches; seeded on the first call
   * (later calls wait for it; a failed seeding is tried again by the next).
   */
  async queuePositions(): Promise<QueuePositions> {
    await this.start();
    // Synchronous from the cursor to the seed's start: every batch after the cursor reaches the index.
    this.seeding ??= this.positions.seed(this.source).then(
      () => this.positions,
      (error: unknown) => {
        this.seeding = null;
        throw error;
      },
    );
    return this.seeding;
  }

  /** How many streams are open. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Adds a stream; answers the cursor it joins at (events after it come through `deliver`) and how to leave. */
  async subscribe(subscriber: HubSubscriber): Promise<{ joinedAt: number; unsubscribe: () => void }> {
    await this.start();
    if (this.closed) throw new Error('The event hub is closed.');
    // Synchronous from here: no batch can be handed out between reading the cursor and joining.
    this.subscribers.add(subscriber);
    return { joinedAt: this.cursor, unsubscribe: () => this.subscribers.delete(subscriber) };
  }

  private tick(): void {
    for (const subscriber of this.subscribers) subscriber.heartbeat();
    // A NOTIFY lost with a dropped connection would otherwise wait for the next commit.
    this.wake();
  }

  /** Reads everything after the cursor; a wake-up during a read makes it read again, so none is lost and reads never overlap. */
  private wake(): void {
    if (this.closed || this.starting === null) return;
    if (this.reading) {
      this.wokenWhileReading = true;
      return;
    }
    this.reading = true;
    void this.drain().finally(() => {
      this.reading = false;
    });
  }

  private async drain(): Promise<void> {
    try {
      await this.starting;
      do {
        this.wokenWhileReading = false;
        for (;;) {
          const events = await this.source.listEvents(this.cursor, this.pageSize);
          if (this.closed || events.length === 0) break;
          const last = events[events.length - 1] as StoredEvent;
          this.cursor = last.id;
          // The index first, so a stream reading a position while handling the batch sees the batch in it.
          this.positions.apply(events);
          for (const subscriber of this.subscribers) subscriber.deliver(events);
          if (events.length < this.pageSize) break;
        }
      } while (this.wokenWhileReading && !this.closed);
    } catch (error) {
      if (this.closed) return;
      this.log(`reading the event log failed (retrying): ${(error as Error).message}`);
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.wake();
      }, RETRY_AFTER_FAILURE_MS);
      this.retryTimer.unref();
    }
  }

  /** Ends every stream and stops following the log. */
  close(): void {
    this.closed = true;
    this.stopListening?.();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
  }
}
