import { ErrorCode } from '../domain/errors';
import { EventType } from '../domain/events';
import type { Program, Tx } from './program';
import { one, run } from './program';
import { StoreError } from './store-error';
import type { QueueEntry } from './types';
import { isoTime } from './validation';

// Queue entries change in one place each way, so every change is followed by
// the queue's figures as an event (coalesced per transaction and queue).

/** Records the queue's current depth and oldest wait as this transaction's queue event. */
export function* emitQueueStats(tx: Tx, queueId: string): Program<void> {
  const stats = yield* one<{ depth: number | string; oldest: string | null }>(
    'SELECT COUNT(*) AS depth, MIN(enqueued_at) AS oldest FROM queue_entries WHERE queue_id = ?',
    [queueId],
  );
  tx.emit(
    { type: EventType.QueueStats, queueId, data: { depth: Number(stats?.depth ?? 0), oldestEnqueuedAt: stats?.oldest ?? null } },
    `queue:${queueId}`,
  );
}

/** Takes the conversation out of whatever queue it waits in (idempotent); the queue it left, if any. */
export function* dequeue(tx: Tx, conversationId: string): Program<string | null> {
  const left = yield* one<{ queue_id: string }>('DELETE FROM queue_entries WHERE conversation_id = ? RETURNING queue_id', [conversationId]);
  if (!left) return null;
  yield* run('DELETE FROM entry_requirements WHERE conversation_id = ?', [conversationId]);
  yield* emitQueueStats(tx, left.queue_id);
  return left.queue_id;
}

/** Queues the conversation unless it holds capacity; whether it now waits in the queue. */
export function* enqueue(tx: Tx, entry: QueueEntry): Program<boolean> {
  if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [entry.conversationId])) return false;
  if (!(yield* one('SELECT 1 AS x FROM queues WHERE id = ?', [entry.queueId]))) {
    throw new StoreError(ErrorCode.UnknownQueue, `Unknown queue ${entry.queueId}.`);
  }
  // DO NOTHING keeps the first insert's seq, so a retried enqueue keeps its place in line.
  const added = yield* run(
    `INSERT INTO queue_entries (conversation_id, queue_id, priority, units, enqueued_at, preferred_agent_id, pushable)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING`,
    [
      entry.conversationId,
      entry.queueId,
      entry.priority,
      entry.units,
      isoTime(entry.enqueuedAt),
      entry.preferredAgentId,
      entry.pushable === false ? 0 : 1,
    ],
  );
  if (added) {
    for (const r of entry.requirements ?? []) {
      yield* run('INSERT INTO entry_requirements (conversation_id, skill, min_proficiency) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        entry.conversationId,
        r.skill,
        r.minProficiency,
      ]);
    }
    yield* emitQueueStats(tx, entry.queueId);
  }
  return true;
}
