import { ErrorCode } from '../../domain/errors';
import type { QueuePlace } from '../../domain/events';
import { EventType } from '../../domain/events';
import type { Program, Tx } from '../../store/program';
import { one, run } from '../../store/program';
import { applyQueueHours } from './hours-programs';
import { StoreError } from '../../store/store-error';
import type { QueueEntry } from '../../store/types';
import { isoTime } from '../../store/validation';

// Queue entries change in one place each way, so every change is followed by
// the queue's figures as an event (coalesced per transaction and queue).

/** Waits measured before a queue's moving average is shown (Dynamics 365 waits for 20 too). */
export const MIN_WAIT_SAMPLES = 20;

/** The queue's moving average of waits, once enough were measured. */
export function estimatedWait(row: { wait_ewma_ms: number | string | null; wait_samples: number | string }): number | null {
  return Number(row.wait_samples) >= MIN_WAIT_SAMPLES && row.wait_ewma_ms !== null ? Math.round(Number(row.wait_ewma_ms)) : null;
}

/**
 * Records the queue's current figures as this transaction's queue event, with
 * what came and went: one event per queue per transaction however many
 * entries a round moved, each entry's place in line included, so a stream can
 * keep queue positions without asking the store.
 */
export function* emitQueueStats(tx: Tx, queueId: string, change: { entered?: QueuePlace; left?: string }): Program<void> {
  const stats = yield* one<{ depth: number | string; oldest: string | null }>(
    'SELECT COUNT(*) AS depth, MIN(enqueued_at) AS oldest FROM queue_entries WHERE queue_id = ?',
    [queueId],
  );
  const queue = yield* one<{ wait_ewma_ms: number | string | null; wait_samples: number | string }>(
    'SELECT wait_ewma_ms, wait_samples FROM queues WHERE id = ?',
    [queueId],
  );
  const data = {
    depth: Number(stats?.depth ?? 0),
    oldestEnqueuedAt: stats?.oldest ?? null,
    estimatedWaitMs: queue ? estimatedWait(queue) : null,
    entered: change.entered ? [change.entered] : [],
    left: change.left ? [change.left] : [],
  };
  tx.emit({ type: EventType.QueueStats, queueId, data }, `queue:${queueId}`, (earlier, later) =>
    earlier.type === EventType.QueueStats && later.type === EventType.QueueStats
      ? {
          ...later,
          data: {
            ...later.data,
            entered: [...earlier.data.entered.filter((p) => !later.data.left.includes(p.conversationId)), ...later.data.entered],
            left: [...earlier.data.left, ...later.data.left.filter((id) => !earlier.data.entered.some((p) => p.conversationId === id))],
          },
        }
      : later,
  );
}

/**
 * Folds one more wait (arrival to being matched) into the queue's moving average,
 * A = 0.9 A' + 0.1 W (Salesforce's), before the entry leaves so the queue event
 * of the same transaction carries the new figure.
 */
export function* recordWait(queueId: string, enqueuedAt: string, now: string): Program<void> {
  const wait = Math.max(0, Date.parse(now) - Date.parse(enqueuedAt));
  yield* run(
    `UPDATE queues SET wait_ewma_ms = CASE WHEN wait_samples = 0 OR wait_ewma_ms IS NULL THEN ? ELSE 0.9 * wait_ewma_ms + 0.1 * ? END,
       wait_samples = wait_samples + 1 WHERE id = ?`,
    [wait, wait, queueId],
  );
}

/** Takes the conversation out of whatever queue it waits in (idempotent); the queue it left, if any. */
export function* dequeue(tx: Tx, conversationId: string): Program<string | null> {
  const left = yield* one<{ queue_id: string }>('DELETE FROM queue_entries WHERE conversation_id = ? RETURNING queue_id', [conversationId]);
  if (!left) return null;
  yield* run('DELETE FROM entry_requirements WHERE conversation_id = ?', [conversationId]);
  yield* emitQueueStats(tx, left.queue_id, { left: conversationId });
  return left.queue_id;
}

/** Queues the conversation unless it holds capacity; whether it now waits in the queue. */
export function* enqueue(tx: Tx, entry: QueueEntry): Program<boolean> {
  if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [entry.conversationId])) return false;
  const queue = yield* one<{ hours_open: number | string; hours_next_change_at: string | null }>(
    'SELECT hours_open, hours_next_change_at FROM queues WHERE id = ?',
    [entry.queueId],
  );
  if (!queue) throw new StoreError(ErrorCode.UnknownQueue, `Unknown queue ${entry.queueId}.`);
  // The dispatcher's timer moves the open flag; one that is overdue (no dispatcher ran) is moved here.
  const open =
    queue.hours_next_change_at !== null && queue.hours_next_change_at <= tx.now
      ? (yield* applyQueueHours(tx, entry.queueId, tx.now)).open
      : Number(queue.hours_open) === 1;
  const offersStopped = entry.pushable === false;
  // DO NOTHING keeps the first insert's seq, so a retried enqueue keeps its place in line.
  const added = yield* run(
    `INSERT INTO queue_entries (conversation_id, queue_id, priority, units, enqueued_at, preferred_agent_id, pushable, offers_stopped)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING`,
    [
      entry.conversationId,
      entry.queueId,
      entry.priority,
      entry.units,
      isoTime(entry.enqueuedAt),
      entry.preferredAgentId,
      offersStopped || !open ? 0 : 1,
      offersStopped ? 1 : 0,
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
    const place = yield* one<{ seq: number | string; enqueued_at: string; priority: number | string }>(
      'SELECT seq, enqueued_at, priority FROM queue_entries WHERE conversation_id = ?',
      [entry.conversationId],
    );
    const entered = place && {
      conversationId: entry.conversationId,
      priority: Number(place.priority),
      enqueuedAt: place.enqueued_at,
      seq: Number(place.seq),
    };
    yield* emitQueueStats(tx, entry.queueId, entered ? { entered } : {});
  }
  return true;
}
