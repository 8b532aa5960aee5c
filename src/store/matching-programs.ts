import { AssignmentMethod } from '../domain/assignment-method';
import { lockAgent, refreshAgent } from './agent-programs';
import { dequeue } from './entry-programs';
import { ConversationState } from '../domain/states';
import type { Param, Program, Steps, Tx } from './program';
import { all, one, run } from './program';
import type { EntryRow, QueueRow } from './rows';
import { ENTRY_COLUMNS, toEntry } from './rows';
import { queueRow } from './queue-programs';
import type { Assignment, OverflowDue } from './types';
import { validateLimit } from './validation';

/** Service-order position of a head that dispatch passed over. */
export type Cursor = { priority: number; seq: number } | null;

/** What one attempt to serve a queue's head did. */
export type MatchStep =
  | { kind: 'matched'; assignment: Assignment }
  /** The entry was obsolete (its capacity is already reserved) and was removed. */
  | { kind: 'skipped'; head: Cursor }
  /** A concurrent commit changed the chosen agent between choice and lock (PostgreSQL only): choose again. */
  | { kind: 'stale' }
  /** No entry fits any eligible agent's room now (or the queue is empty). */
  | { kind: 'stop' };

/**
 * How many entries one dispatch call may pass over (obsolete or stale) besides
 * its matches, so a call's cost stays bounded however the queue looks.
 */
export const MAX_PASSES_PER_DISPATCH = 50;

interface Member {
  agent_id: string;
  position: number | string;
}

// An agent in several queues serves the higher-priority one (lower number) first:
// a member is passed over while one of its other, higher-priority queues holds an
// entry that fits its room. That queue's dispatcher takes it; this one retries.
const DEFERS = `NOT EXISTS (
    SELECT 1 FROM queue_members o JOIN queues oq ON oq.id = o.queue_id
     WHERE o.agent_id = qm.agent_id AND o.eligible = 1 AND oq.priority < ?
       AND EXISTS (SELECT 1 FROM queue_entries e WHERE e.queue_id = o.queue_id AND e.units <= qm.free_units))`;
const MEMBER = `SELECT agent_id, position FROM queue_members qm WHERE queue_id = ? AND eligible = 1 AND free_units >= ? AND ${DEFERS}`;
// For the ordered walks the unary plus hides free_units from SQLite's planner,
// which otherwise range-scans the free-units index and sorts every member
// with room instead of walking the method's index in order.
const WALK = `SELECT agent_id, position FROM queue_members qm WHERE queue_id = ? AND eligible = 1 AND +free_units >= ? AND ${DEFERS}`;

/**
 * Chooses the agent for a head. Every query walks one of queue_members'
 * (queue_id, eligible, ...) indexes, so the cost is a seek, plus (for
 * roundRobin and leastActive) passing over full members, and never depends
 * on queue depth or the total number of agents.
 */
function* chooseAgent(queue: QueueRow, head: EntryRow): Program<{ member: Member; rotated: boolean } | null> {
  const units = Number(head.units);
  const base: Param[] = [queue.id, units, Number(queue.priority)];
  if (head.preferred_agent_id) {
    const preferred = yield* one<Member>(`${MEMBER} AND agent_id = ?`, [...base, head.preferred_agent_id]);
    if (preferred) return { member: preferred, rotated: false };
  }
  // Also answers "does anyone have room?" in one seek before the slower walks.
  const roomiest = yield* one<Member>(`${MEMBER} ORDER BY free_units DESC, last_assigned_at NULLS FIRST, agent_id LIMIT 1`, base);
  if (!roomiest) return null;
  if (queue.assignment_method === AssignmentMethod.LeastActive) {
    const idle = yield* one<Member>(`${WALK} ORDER BY last_released_at NULLS FIRST, last_assigned_at NULLS FIRST, agent_id LIMIT 1`, base);
    return { member: idle ?? roomiest, rotated: false };
  }
  if (queue.assignment_method === AssignmentMethod.RoundRobin) {
    // The per-queue cursor is the member served last; the turn passes to the
    // next member with room in position order, wrapping to the start.
    const next =
      queue.rr_position === null
        ? undefined
        : yield* one<Member>(`${WALK} AND (position, agent_id) > (?, ?) ORDER BY position, agent_id LIMIT 1`, [
            ...base,
            Number(queue.rr_position),
            queue.rr_agent_id,
          ]);
    const first = next ?? (yield* one<Member>(`${WALK} ORDER BY position, agent_id LIMIT 1`, base));
    return { member: first ?? roomiest, rotated: true };
  }
  return { member: roomiest, rotated: false };
}

/**
 * Tries to serve, in service order (priority, then arrival) after `after`,
 * the first entry that some eligible agent has room for right now. Entries no
 * one can take yet are passed over rather than left blocking the queue: after
 * every round no conversation waits while an eligible agent has room for it
 * (invariant 3), and among those that fit, order is strict (invariant 4). The
 * cost is one seek for the roomiest member plus an index walk that skips only
 * entries bigger than that room, never the whole queue.
 */
export function* matchOne(tx: Tx, queueId: string, after: Cursor): Program<MatchStep> {
  const { dialect: d, now } = tx;
  const queue = yield* queueRow(queueId);
  if (!queue) return { kind: 'stop' };
  const room = yield* one<{ m: number | string | null }>(
    'SELECT MAX(free_units) AS m FROM queue_members WHERE queue_id = ? AND eligible = 1',
    [queueId],
  );
  if (room?.m == null) return { kind: 'stop' };
  const head = yield* one<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? AND units <= ?${after ? ' AND (priority, seq) > (?, ?)' : ''}
     ORDER BY priority, seq LIMIT 1${d.forUpdateSkipLocked}`,
    after ? [queueId, Number(room.m), after.priority, after.seq] : [queueId, Number(room.m)],
  );
  if (!head) return { kind: 'stop' };
  const cursor = { priority: Number(head.priority), seq: Number(head.seq) };
  if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [head.conversation_id])) {
    // Capacity already held elsewhere (claim and reserve dequeue, so only a
    // late write leaves this): the entry is obsolete, never a second match.
    yield* dequeue(tx, head.conversation_id);
    return { kind: 'skipped', head: cursor };
  }
  const units = Number(head.units);
  const choice = yield* chooseAgent(queue, head);
  // Someone had room, but every such member is deferred to a higher-priority queue
  // (or a concurrent commit took the room): end the round; the dispatcher retries.
  if (!choice) return { kind: 'stop' };
  const agentId = choice.member.agent_id;
  // The choice came from unlocked member rows; re-check on the locked agent
  // row so a racing claim can never make this reservation over-fill it.
  const agent = yield* lockAgent(d, agentId);
  const member = yield* one<{ eligible: number | string }>('SELECT eligible FROM queue_members WHERE queue_id = ? AND agent_id = ?', [
    queueId,
    agentId,
  ]);
  if (!agent || Number(member?.eligible) !== 1 || Number(agent.capacity) - Number(agent.used_units) < units) return { kind: 'stale' };
  yield* run('INSERT INTO reservations (conversation_id, agent_id, units, reserved_at) VALUES (?, ?, ?, ?)', [
    head.conversation_id,
    agentId,
    units,
    now,
  ]);
  yield* dequeue(tx, head.conversation_id);
  yield* refreshAgent(tx, agentId, { assignedAt: now });
  if (choice.rotated) {
    yield* run('UPDATE queues SET rr_position = ?, rr_agent_id = ? WHERE id = ?', [Number(choice.member.position), agentId, queueId]);
  }
  return { kind: 'matched', assignment: { conversationId: head.conversation_id, agentId, queueId, units } };
}

/**
 * One dispatch call as steps: each step serves one head (choose, lock, re-check
 * room, reserve, dequeue). A backend may commit each step on its own, so a
 * transaction holds at most one agent lock and dispatchers of queues sharing
 * agents cannot deadlock; each match is still atomic.
 */
export class DispatchRun implements Steps<Assignment[], MatchStep> {
  private readonly assignments: Assignment[] = [];
  private after: Cursor = null;
  private passes = 0;
  private stopped = false;

  constructor(
    private readonly queueId: string,
    private readonly limit: number,
  ) {
    validateLimit(limit);
  }

  next(): ((tx: Tx) => Program<MatchStep>) | null {
    if (this.stopped || this.assignments.length >= this.limit || this.passes > MAX_PASSES_PER_DISPATCH) return null;
    const { queueId, after } = this;
    return (tx) => matchOne(tx, queueId, after);
  }

  result(): Assignment[] {
    return this.assignments;
  }

  record(step: MatchStep): void {
    if (step.kind === 'matched') this.assignments.push(step.assignment);
    else if (step.kind === 'stop') this.stopped = true;
    else {
      this.passes += 1;
      if (step.kind === 'skipped') this.after = step.head;
    }
  }
}

/**
 * Whether some entry of the queue fits an eligible member's room right now. A
 * plain read without locks: after a round that skipped locked rows (PostgreSQL),
 * it tells the dispatcher to go again instead of leaving work waiting.
 */
export function* hasDispatchableWork(_tx: Tx, queueId: string): Program<boolean> {
  const room = yield* one<{ m: number | string | null }>(
    'SELECT MAX(free_units) AS m FROM queue_members WHERE queue_id = ? AND eligible = 1',
    [queueId],
  );
  if (room?.m == null) return false;
  const entry = yield* one('SELECT 1 AS x FROM queue_entries WHERE queue_id = ? AND units <= ? LIMIT 1', [queueId, Number(room.m)]);
  return entry !== undefined;
}

/**
 * Finds the entries of `queueId` that have waited at least its overflow limit
 * at `now` (at most `limit`, oldest first). Indexed by (queue_id, enqueued_at).
 */
export function* overflowDue(_tx: Tx, queueId: string, now: Date, limit: number): Program<OverflowDue> {
  const queue = yield* queueRow(queueId);
  const overflow = queue?.overflow ? (JSON.parse(queue.overflow) as { afterMs: number; toQueueId: string }) : null;
  if (!overflow) return { toQueueId: null, due: [], nextAt: null };
  const cutoff = new Date(now.getTime() - overflow.afterMs).toISOString();
  const due = yield* all<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? AND enqueued_at <= ? ORDER BY enqueued_at, seq LIMIT ?`,
    [queueId, cutoff, limit],
  );
  const next = yield* one<{ enqueued_at: string }>(
    'SELECT enqueued_at FROM queue_entries WHERE queue_id = ? AND enqueued_at > ? ORDER BY enqueued_at LIMIT 1',
    [queueId, cutoff],
  );
  return {
    toQueueId: overflow.toQueueId,
    due: due.map(toEntry),
    nextAt: next ? new Date(Date.parse(next.enqueued_at) + overflow.afterMs).toISOString() : null,
  };
}

/**
 * Matches made by dispatch that their conversation has not taken up yet: the
 * reservation exists while the read model still says Open. After a crash
 * between matching and signalling, the dispatcher re-delivers these.
 */
export function* listUndeliveredAssignments(_tx: Tx, queueId: string, reservedBefore: Date): Program<Assignment[]> {
  const rows = yield* all<{ conversation_id: string; agent_id: string; units: number; queue_id: string }>(
    `SELECT r.conversation_id, r.agent_id, r.units, c.queue_id FROM reservations r
       JOIN conversations c ON c.conversation_id = r.conversation_id
      WHERE c.queue_id = ? AND c.state = ? AND r.reserved_at <= ?
      ORDER BY r.reserved_at, r.conversation_id`,
    [queueId, ConversationState.Open, reservedBefore.toISOString()],
  );
  return rows.map((r) => ({ conversationId: r.conversation_id, agentId: r.agent_id, queueId: r.queue_id, units: Number(r.units) }));
}
