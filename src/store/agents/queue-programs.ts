import { AssignmentMethod } from '../../domain/assignment-method';
import { businessHoursError } from '../../domain/business-hours';
import { MAX_OFFER_TIMEOUT_MS } from '../../domain/commands';
import {
  DEFAULT_MAX_DECLINES,
  DEFAULT_MISSED_OFFER_PRESENCE,
  DEFAULT_OFFER_TIMEOUT_MS,
  DEFAULT_QUEUE_PRIORITY,
} from '../../domain/defaults';
import { DEFAULT_ELIGIBLE_PRESENCES } from '../../domain/presence';
import type { Program, Tx } from '../program';
import { all, one, placeholders, run } from '../program';
import type { QueueRow } from '../rows';
import { QUEUE_COLUMNS, toQueue } from '../rows';
import type { QueueInput, QueueRecord, QueueStats } from '../types';
import { estimatedWait } from '../../routing/engine/entry-programs';
import { applyQueueHours } from '../../routing/engine/hours-programs';
import { invalid, requireEntityId, validatePresence, validateQueueInput } from '../validation';

/** Reads a queue row, optionally locking it. */
export function* queueRow(queueId: string, lock = ''): Program<QueueRow | undefined> {
  return yield* one<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = ?${lock}`, [queueId]);
}

/** Reads a queue. */
export function* queueRecord(queueId: string): Program<QueueRecord | null> {
  const row = yield* queueRow(queueId);
  return row ? toQueue(row) : null;
}

/** Rejects offer settings out of range (the same bounds as the API's). */
function validateOfferSettings(input: QueueInput): void {
  if (input.offerMode !== undefined && input.offerMode !== 'autoAccept' && input.offerMode !== 'offer') {
    throw invalid(`Unknown offer mode ${String(input.offerMode)}: autoAccept or offer.`);
  }
  const timeout = input.offerTimeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1_000 || timeout > MAX_OFFER_TIMEOUT_MS)) {
    throw invalid(`offerTimeoutMs must be a whole number of milliseconds from 1000 to ${MAX_OFFER_TIMEOUT_MS}.`);
  }
  const declines = input.maxDeclines;
  if (declines !== undefined && (!Number.isInteger(declines) || declines < 1 || declines > 5)) {
    throw invalid('maxDeclines must be a whole number from 1 to 5.');
  }
  if (input.missedOfferPresence !== undefined && input.missedOfferPresence !== null) validatePresence(input.missedOfferPresence);
}

/** Rejects malformed business hours (the field named) and an out-of-hours queue that is the queue itself. */
function validateHoursSettings(input: QueueInput): void {
  if (input.hours !== undefined && input.hours !== null) {
    const error = businessHoursError(input.hours);
    if (error) throw invalid(error);
  }
  if (input.outOfHoursQueueId !== undefined && input.outOfHoursQueueId !== null) {
    requireEntityId(input.outOfHoursQueueId, 'outOfHoursQueueId');
    if (input.outOfHoursQueueId === input.id) throw invalid('outOfHoursQueueId: a queue cannot be its own out-of-hours queue.');
  }
}

/** Creates a queue with defaults, or patches only the given fields. */
export function* upsertQueue(tx: Tx, input: QueueInput): Program<QueueRecord> {
  validateQueueInput(input);
  validateOfferSettings(input);
  validateHoursSettings(input);
  const created = yield* run(
    `INSERT INTO queues (id, name, priority, assignment_method, eligible_presences, units_per_conversation, overflow,
       offer_mode, offer_timeout_ms, max_declines, missed_offer_presence, hours, out_of_hours_queue_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [
      input.id,
      input.name ?? input.id,
      input.priority ?? DEFAULT_QUEUE_PRIORITY,
      input.assignmentMethod ?? AssignmentMethod.HighestCapacity,
      JSON.stringify(input.eligiblePresences ?? DEFAULT_ELIGIBLE_PRESENCES),
      input.unitsPerConversation ?? null,
      input.overflow ? JSON.stringify(input.overflow) : null,
      input.offerMode ?? 'autoAccept',
      input.offerTimeoutMs ?? DEFAULT_OFFER_TIMEOUT_MS,
      input.maxDeclines ?? DEFAULT_MAX_DECLINES,
      input.missedOfferPresence === undefined ? DEFAULT_MISSED_OFFER_PRESENCE : input.missedOfferPresence,
      input.hours ? JSON.stringify(input.hours) : null,
      input.outOfHoursQueueId ?? null,
    ],
  );
  if (!created) {
    // Merge in code because null is a real value for the nullable fields.
    const existing = toQueue((yield* queueRow(input.id, tx.dialect.forUpdate)) as QueueRow);
    const next: QueueRecord = {
      ...existing,
      ...(input.name !== undefined && { name: input.name }),
      ...(input.priority !== undefined && { priority: input.priority }),
      ...(input.assignmentMethod !== undefined && { assignmentMethod: input.assignmentMethod }),
      ...(input.eligiblePresences !== undefined && { eligiblePresences: input.eligiblePresences }),
      ...(input.unitsPerConversation !== undefined && { unitsPerConversation: input.unitsPerConversation }),
      ...(input.overflow !== undefined && { overflow: input.overflow }),
      ...(input.offerMode !== undefined && { offerMode: input.offerMode }),
      ...(input.offerTimeoutMs !== undefined && { offerTimeoutMs: input.offerTimeoutMs }),
      ...(input.maxDeclines !== undefined && { maxDeclines: input.maxDeclines }),
      ...(input.missedOfferPresence !== undefined && { missedOfferPresence: input.missedOfferPresence }),
      ...(input.hours !== undefined && { hours: input.hours }),
      ...(input.outOfHoursQueueId !== undefined && { outOfHoursQueueId: input.outOfHoursQueueId }),
    };
    yield* run(
      `UPDATE queues SET name = ?, priority = ?, assignment_method = ?, eligible_presences = ?, units_per_conversation = ?, overflow = ?,
         offer_mode = ?, offer_timeout_ms = ?, max_declines = ?, missed_offer_presence = ?, hours = ?, out_of_hours_queue_id = ?
       WHERE id = ?`,
      [
        next.name,
        next.priority,
        next.assignmentMethod,
        JSON.stringify(next.eligiblePresences),
        next.unitsPerConversation,
        next.overflow ? JSON.stringify(next.overflow) : null,
        next.offerMode,
        next.offerTimeoutMs,
        next.maxDeclines,
        next.missedOfferPresence,
        next.hours ? JSON.stringify(next.hours) : null,
        next.outOfHoursQueueId,
        input.id,
      ],
    );
  }
  // New hours take effect at once: open or close now, and say when that changes next.
  if (input.hours !== undefined || input.outOfHoursQueueId !== undefined) yield* applyQueueHours(tx, input.id, tx.now, true);
  if (!created && input.eligiblePresences !== undefined) {
    // Members' eligibility is copied onto queue_members for dispatch's indexes.
    const presences = input.eligiblePresences;
    yield* run(
      presences.length
        ? `UPDATE queue_members SET eligible = CASE WHEN agent_id IN
             (SELECT id FROM agents WHERE presence IN (${placeholders(presences.length)})) THEN 1 ELSE 0 END
           WHERE queue_id = ?`
        : 'UPDATE queue_members SET eligible = 0 WHERE queue_id = ?',
      [...presences, input.id],
    );
  }
  return (yield* queueRecord(input.id)) as QueueRecord;
}

/** One queue, or null. */
export function* getQueue(_tx: Tx, queueId: string): Program<QueueRecord | null> {
  return yield* queueRecord(queueId);
}

/** Every queue with depth, oldest wait and member count, in priority order. */
export function* listQueues(_tx: Tx): Program<QueueStats[]> {
  const rows = yield* all<
    QueueRow & {
      depth: number | string;
      oldest: string | null;
      members: number | string;
      wait_ewma_ms: number | string | null;
      wait_samples: number | string;
    }
  >(
    `SELECT ${QUEUE_COLUMNS}, wait_ewma_ms, wait_samples,
       (SELECT COUNT(*) FROM queue_entries e WHERE e.queue_id = queues.id) AS depth,
       (SELECT MIN(e.enqueued_at) FROM queue_entries e WHERE e.queue_id = queues.id) AS oldest,
       (SELECT COUNT(*) FROM queue_members m WHERE m.queue_id = queues.id) AS members
     FROM queues ORDER BY priority, id`,
  );
  return rows.map((row) => ({
    ...toQueue(row),
    depth: Number(row.depth),
    oldestEnqueuedAt: row.oldest,
    members: Number(row.members),
    estimatedWaitMs: estimatedWait(row),
    waitSamples: Number(row.wait_samples),
  }));
}
