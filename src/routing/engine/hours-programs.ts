import type { HoursState } from '../../domain/business-hours';
import { hoursState, localTimeLabel } from '../../domain/business-hours';
import { EventType } from '../../domain/events';
import type { Program, Tx } from '../../store/program';
import { one, run } from '../../store/program';
import type { QueueRow } from '../../store/rows';
import { QUEUE_COLUMNS, toQueue } from '../../store/rows';
import type { QueueRecord } from '../../store/types';

// Business hours in the store: a queue's open flag follows its schedule, moved
// by its dispatcher's durable timer (and checked by an enqueue that finds it
// overdue); while closed, none of its entries is pushable.

/**
 * Brings a queue's open flag up to date with its business hours at `now`:
 * opening makes its entries pushable again (their offers permitting), closing
 * stops pushing them, both with a `queue.hours` event and, for the
 * conversations waiting there, why they wait. Answers whether it is open and
 * when that next changes (the dispatcher's durable timer). `announce` emits
 * the event even without a flip (the hours themselves changed).
 */
export function* applyQueueHours(tx: Tx, queueId: string, now: string, announce = false): Program<HoursState & { changed: boolean }> {
  // Every dispatch round asks: until the change the flag was computed for, it stands (no lock, no schedule walk).
  const flag = yield* one<{ hours_open: number | string; hours_next_change_at: string | null }>(
    'SELECT hours_open, hours_next_change_at FROM queues WHERE id = ?',
    [queueId],
  );
  if (!flag) return { open: true, nextChangeAt: null, changed: false };
  const until = flag.hours_next_change_at;
  if (!announce && (until === null || Date.parse(now) < Date.parse(until))) {
    return { open: Number(flag.hours_open) === 1, nextChangeAt: until, changed: false };
  }
  const row = yield* one<QueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = ?${tx.dialect.forUpdate}`, [queueId]);
  if (!row) return { open: true, nextChangeAt: null, changed: false };
  const queue = toQueue(row);
  const state = queue.hours ? hoursState(queue.hours, new Date(now)) : { open: true, nextChangeAt: null };
  const changed = state.open !== queue.open;
  if (changed || state.nextChangeAt !== queue.hoursChangeAt) {
    yield* run('UPDATE queues SET hours_open = ?, hours_next_change_at = ? WHERE id = ?', [
      state.open ? 1 : 0,
      state.nextChangeAt,
      queueId,
    ]);
  }
  if (changed) {
    yield* run(
      state.open
        ? 'UPDATE queue_entries SET pushable = 1 WHERE queue_id = ? AND offers_stopped = 0'
        : 'UPDATE queue_entries SET pushable = 0 WHERE queue_id = ?',
      [queueId],
    );
    const reason = state.open ? null : yield* closedReason({ ...queue, hoursChangeAt: state.nextChangeAt });
    yield* run(
      'UPDATE conversations SET waiting_reason = ? WHERE conversation_id IN (SELECT conversation_id FROM queue_entries WHERE queue_id = ?)',
      [reason, queueId],
    );
  }
  if (changed || announce) {
    tx.emit({
      type: EventType.QueueHours,
      queueId,
      data: { open: state.open, changeAt: state.nextChangeAt, outOfHoursQueueId: queue.outOfHoursQueueId },
    });
  }
  return { ...state, changed };
}

/** Why a conversation waits in a closed queue, for the supervisor and the customer. */
export function* closedReason(queue: Pick<QueueRecord, 'id' | 'hours' | 'hoursChangeAt' | 'outOfHoursQueueId'>): Program<string> {
  // Moving only while the out-of-hours queue is open (it may keep other hours); else it waits here.
  const target = queue.outOfHoursQueueId;
  const targetOpen = target !== null && !!(yield* one('SELECT 1 AS x FROM queues WHERE id = ? AND hours_open = 1', [target]));
  if (targetOpen) return `queue ${queue.id} is closed: moving to queue ${target}`;
  if (!queue.hoursChangeAt || !queue.hours) return `queue ${queue.id} is closed`;
  return `queue ${queue.id} is closed until ${localTimeLabel(queue.hoursChangeAt, queue.hours.timeZone)} (${queue.hoursChangeAt})`;
}
