import type { QueuePlace, StoredEvent } from '../domain/events';
import { EventType } from '../domain/events';
import type { Store } from '../store/store';

/** What seeding reads once: every queue (with its estimated wait), then each queue's entries in service order. */
export type QueueSnapshotSource = Pick<Store, 'listQueues' | 'listQueueEntries'>;

/** A queued conversation's standing, as the customer is told it. */
export interface QueueStanding {
  queueId: string;
  /** 1-based place in the queue's service order (1: served next). */
  position: number;
  /** How many conversations wait in the queue, this one included. */
  waiting: number;
  /** The queue's moving average of recent waits; null until enough waits were measured. */
  estimatedWaitMs: number | null;
  /** While the queue is outside its business hours: when it opens (null: open, or no opening ahead). */
  opensAt: string | null;
  /** Whether the queue is outside its business hours now. */
  closed: boolean;
}

interface Place {
  conversationId: string;
  queueId: string;
  priority: number;
  enqueuedAt: string;
  seq: number;
}

interface Line {
  /** In service order. */
  entries: Place[];
  estimatedWaitMs: number | null;
  closed: boolean;
  opensAt: string | null;
  /** Bumped on every change of the line (order, depth, estimate): a stream re-reads a standing only when it moved. */
  version: number;
}

// The store lists entries without their seq, so seeded entries get stand-ins
// that keep the listing's order and sort before any real seq (which is
// positive): among entries of equal priority and arrival, one present at
// seeding precedes one that entered later, which is what seq says but for an
// insert that committed out of seq order while the index was seeded.
const SEEDED_SEQ_BASE = Number.MIN_SAFE_INTEGER;

/** The store's service order within a queue (matching-programs' ORDER BY priority, enqueued_at, seq): lower first. */
export function compareService(a: QueuePlace, b: QueuePlace): number {
  if (a.priority !== b.priority) return a.priority < b.priority ? -1 : 1;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt ? -1 : 1;
  return a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** The first index whose entry is not served before `place`. */
function lowerBound(entries: readonly Place[], place: QueuePlace): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareService(entries[mid] as Place, place) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every queued conversation's place in its queue, kept in memory from the
 * queue.stats events (their `entered` and `left`), so a position costs a map
 * lookup and a binary search, never a COUNT per request. Fed by the EventHub
 * before it hands a batch to the streams. Idle (ignoring batches) until seeded:
 * an API nobody asks for positions never reads the queues.
 */
export class QueuePositions {
  private readonly lines = new Map<string, Line>();
  private readonly places = new Map<string, Place>();
  private state: 'idle' | 'seeding' | 'ready' = 'idle';
  private buffered: (readonly StoredEvent[])[] = [];

  /** Whether seeding finished (positions are answered). */
  get ready(): boolean {
    return this.state === 'ready';
  }

  /**
   * Loads a snapshot of every queue's entries. Call it right after reading
   * the feed's cursor: batches applied from the call on (each after that
   * cursor) are held while the snapshot is read, then applied over it. Applying
   * is idempotent (an entered id that is present is replaced, a left id that is
   * absent, or in another queue, is ignored), so events the snapshot already
   * reflects change nothing and the index converges to the store.
   */
  async seed(source: QueueSnapshotSource): Promise<void> {
    if (this.state !== 'idle') throw new Error('The queue positions are seeded already.');
    this.state = 'seeding';
    try {
      const queues = await source.listQueues();
      const snapshot: { queueId: string; estimatedWaitMs: number | null; closed: boolean; opensAt: string | null; entries: Place[] }[] = [];
      for (const queue of queues) {
        const entries = await source.listQueueEntries(queue.id);
        snapshot.push({
          queueId: queue.id,
          estimatedWaitMs: queue.estimatedWaitMs,
          closed: !queue.open,
          opensAt: queue.open ? null : queue.hoursChangeAt,
          entries: entries.map((e, i) => ({
            conversationId: e.conversationId,
            queueId: queue.id,
            priority: e.priority,
            enqueuedAt: e.enqueuedAt,
            seq: SEEDED_SEQ_BASE + i,
          })),
        });
      }
      for (const queue of snapshot) {
        Object.assign(this.line(queue.queueId), { estimatedWaitMs: queue.estimatedWaitMs, closed: queue.closed, opensAt: queue.opensAt });
        for (const place of queue.entries) this.put(place);
      }
      for (const batch of this.buffered.splice(0)) this.applyNow(batch);
      this.state = 'ready';
    } catch (error) {
      this.lines.clear();
      this.places.clear();
      this.buffered = [];
      this.state = 'idle';
      throw error;
    }
  }

  /** Applies a batch of events (in id order); held while seeding, ignored before. */
  apply(events: readonly StoredEvent[]): void {
    if (this.state === 'ready') this.applyNow(events);
    else if (this.state === 'seeding') this.buffered.push(events);
  }

  private applyNow(events: readonly StoredEvent[]): void {
    for (const event of events) {
      if (event.type === EventType.QueueHours && event.queueId !== null) {
        // Opened or closed by its business hours: everyone waiting there is told.
        const line = this.line(event.queueId);
        line.closed = !event.data.open;
        line.opensAt = event.data.open ? null : event.data.changeAt;
        line.version += 1;
        continue;
      }
      if (event.type !== EventType.QueueStats || event.queueId === null) continue;
      const queueId = event.queueId;
      const line = this.line(queueId);
      // Left first: one transaction that takes a conversation out and puts it back reports it in both lists.
      for (const id of event.data.left) {
        const place = this.places.get(id);
        if (place?.queueId === queueId) this.remove(place);
      }
      for (const entered of event.data.entered) this.put({ ...entered, queueId });
      line.estimatedWaitMs = event.data.estimatedWaitMs;
      line.version += 1;
    }
  }

  private line(queueId: string): Line {
    let line = this.lines.get(queueId);
    if (!line) {
      line = { entries: [], estimatedWaitMs: null, closed: false, opensAt: null, version: 0 };
      this.lines.set(queueId, line);
    }
    return line;
  }

  /** Puts a conversation at its place, taking it out of wherever it was (a conversation waits in at most one queue). */
  private put(place: Place): void {
    const present = this.places.get(place.conversationId);
    if (present) this.remove(present);
    const line = this.line(place.queueId);
    line.entries.splice(lowerBound(line.entries, place), 0, place);
    this.places.set(place.conversationId, place);
    line.version += 1;
  }

  private remove(place: Place): void {
    const line = this.line(place.queueId);
    const at = this.indexOf(line, place);
    if (at >= 0) line.entries.splice(at, 1);
    this.places.delete(place.conversationId);
    line.version += 1;
  }

  private indexOf(line: Line, place: Place): number {
    const at = lowerBound(line.entries, place);
    return line.entries[at] === place ? at : line.entries.indexOf(place);
  }

  /** The conversation's standing, or null when it waits in no queue (or the index is not seeded). */
  positionOf(conversationId: string): QueueStanding | null {
    const place = this.places.get(conversationId);
    const line = place && this.lines.get(place.queueId);
    if (!place || !line) return null;
    return {
      queueId: place.queueId,
      position: this.indexOf(line, place) + 1,
      waiting: line.entries.length,
      estimatedWaitMs: line.estimatedWaitMs,
      closed: line.closed,
      opensAt: line.opensAt,
    };
  }

  /** Changes whenever the conversation's standing may have: it entered or left a queue, or its queue changed. */
  stampOf(conversationId: string): string {
    const place = this.places.get(conversationId);
    const line = place && this.lines.get(place.queueId);
    return place && line ? `${place.queueId}\n${line.version}` : '';
  }

  /** How many conversations the index holds (all queues). */
  get size(): number {
    return this.places.size;
  }
}
