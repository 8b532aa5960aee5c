import type { StoredEvent } from '../../domain/events';
import * as events from './event-programs';
import type { Operations } from '../program';
import { read, readingEvents, write } from '../program';

/**
 * The outbox of every change a person would see. Writers do not call this:
 * every store operation records its own events in its transaction (`tx.emit`);
 * this face is how streams and webhooks read them back.
 */
export interface EventLog {
  /** Events after `afterId`, oldest first, at most `limit` (1-10,000). */
  listEvents(afterId: number, limit: number): Promise<StoredEvent[]>;
  /** The newest event id, and the highest id pruned away (a stream that resumes at or below it missed events). */
  eventLogBounds(): Promise<{ latestId: number; prunedThrough: number }>;
  /**
   * Events committed but not readable yet, and the commit-transaction time of
   * the oldest: PostgreSQL numbers events once every older transaction has
   * ended, so a transaction left open holds them back (none on SQLite).
   */
  eventBacklog(): Promise<{ unnumbered: number; oldestAt: string | null }>;
  /** Deletes events older than `before` (and none after `keepAfterId`); how many were deleted. */
  pruneEvents(before: Date, keepAfterId?: number): Promise<number>;
}

/** The EventLog operations. */
export const eventLogOperations: Operations<EventLog> = {
  listEvents: readingEvents(read(events.listEvents)),
  eventLogBounds: readingEvents(read(events.eventLogBounds)),
  eventBacklog: read(events.eventBacklog),
  pruneEvents: readingEvents(write(events.pruneEvents)),
};
