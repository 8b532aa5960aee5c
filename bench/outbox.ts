import type { StoredEvent } from '../src/domain/events';
import { EventType } from '../src/domain/events';
import type { ConversationState } from '../src/domain/states';
import type { EventLog } from '../src/store/events/event-log';

/** When a conversation entered a state, as the outbox recorded it. */
export interface StateSeen {
  /** The event's id: commit order across the whole store. */
  id: number;
  /** The commit's time (store clock, ms since the epoch). */
  at: number;
  /** When this process read it (performance.now()). */
  seenAt: number;
}

type Waiter = { resolve: (s: StateSeen) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

const PAGE = 10_000;
/** Polls this often besides the store's wake-up (a lost NOTIFY must not stall a scenario). */
const POLL_MS = 50;

/**
 * Tails the store's event outbox (`listEvents`) and records, per conversation,
 * when it entered each state: the read-model change a person's screen would
 * see, without polling queries or rows. Woken by `store.onEvents` (in process
 * on SQLite, LISTEN/NOTIFY on PostgreSQL), with a slow poll as a safety net.
 */
export class OutboxWatcher {
  private lastId = 0;
  private readonly states = new Map<string, Map<ConversationState, StateSeen>>();
  private readonly waiters = new Map<string, Waiter[]>();
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly poll: NodeJS.Timeout;
  /** Every conversation.state event read while `keepStateEvents` is on, in commit order (for order checks). */
  readonly stateEvents: StoredEvent[] = [];
  keepStateEvents: boolean;
  /** How many events were read in all. */
  eventsRead = 0;

  private constructor(
    private readonly log: EventLog & { onEvents(listener: () => void): () => void },
    fromId: number,
    keepStateEvents: boolean,
  ) {
    this.lastId = fromId;
    this.keepStateEvents = keepStateEvents;
    this.unsubscribe = log.onEvents(() => this.wake());
    this.poll = setInterval(() => this.wake(), POLL_MS);
  }

  /** Starts tailing after the newest event committed so far. */
  static async start(
    log: EventLog & { onEvents(listener: () => void): () => void },
    options: { keepStateEvents?: boolean } = {},
  ): Promise<OutboxWatcher> {
    const { latestId } = await log.eventLogBounds();
    return new OutboxWatcher(log, latestId, options.keepStateEvents ?? false);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.drain()
      .catch(() => undefined)
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.log.listEvents(this.lastId, PAGE);
      const seenAt = performance.now();
      for (const e of events) this.record(e, seenAt);
      if (events.length < PAGE) return;
    }
  }

  private record(e: StoredEvent, seenAt: number): void {
    this.lastId = Math.max(this.lastId, e.id);
    this.eventsRead += 1;
    if (e.type !== EventType.ConversationState || !e.conversationId) return;
    if (this.keepStateEvents) this.stateEvents.push(e);
    const seen: StateSeen = { id: e.id, at: Date.parse(e.at), seenAt };
    let byState = this.states.get(e.conversationId);
    if (!byState) this.states.set(e.conversationId, (byState = new Map()));
    if (!byState.has(e.data.to)) byState.set(e.data.to, seen);
    const key = `${e.conversationId}\u0000${e.data.to}`;
    const waiting = this.waiters.get(key);
    if (waiting) {
      this.waiters.delete(key);
      for (const w of waiting) {
        clearTimeout(w.timer);
        w.resolve(seen);
      }
    }
  }

  /** When the conversation first entered `state` since the watcher started, if it has. */
  seen(conversationId: string, state: ConversationState): StateSeen | undefined {
    return this.states.get(conversationId)?.get(state);
  }

  /** Resolves once the conversation has entered `state` (at once if it had); rejects after `timeoutMs`. */
  waitFor(conversationId: string, state: ConversationState, timeoutMs: number): Promise<StateSeen> {
    const already = this.seen(conversationId, state);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const key = `${conversationId}\u0000${state}`;
      const timer = setTimeout(() => {
        const list = this.waiters.get(key)?.filter((w) => w.timer !== timer) ?? [];
        if (list.length) this.waiters.set(key, list);
        else this.waiters.delete(key);
        reject(new Error(`${conversationId} not ${state} after ${timeoutMs} ms (outbox read to event ${this.lastId})`));
      }, timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject, timer });
      this.waiters.set(key, list);
      this.wake();
    });
  }

  /** How many conversations have entered `state` so far. */
  countIn(state: ConversationState, ids?: Iterable<string>): number {
    let n = 0;
    if (ids) {
      for (const id of ids) if (this.seen(id, state)) n += 1;
      return n;
    }
    for (const byState of this.states.values()) if (byState.has(state)) n += 1;
    return n;
  }

  /** Reads whatever is committed now, then stops tailing; pending waits are rejected. */
  async stop(): Promise<void> {
    await this.reading;
    await this.drain().catch(() => undefined);
    this.stopped = true;
    clearInterval(this.poll);
    this.unsubscribe();
    for (const list of this.waiters.values()) {
      for (const w of list) {
        clearTimeout(w.timer);
        w.reject(new Error('outbox watcher stopped'));
      }
    }
    this.waiters.clear();
  }
}
