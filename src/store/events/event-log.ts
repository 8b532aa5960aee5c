import type { StoredEvent } from '../../domain/events';
import * as events from './event-programs';
import type { Operations } from '../program';
import { read, write } from '../program';

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
  /** Deletes events older than `before` (and none after `keepAfterId`); how many were deleted. */
  pruneEvents(before: Date, keepAfterId?: number): Promise<number>;
}

/** The EventLog operations. */
export const eventLogOperations: Operations<EventLog> = {
  listEvents: read(events.listEvents),
  eventLogBounds: read(events.eventLogBounds),
  pruneEvents: write(events.pruneEvents),
};
