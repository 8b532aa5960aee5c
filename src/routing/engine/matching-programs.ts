import { AssignmentMethod } from '../../domain/assignment-method';
import { lockAgent, refreshAgent } from '../../store/agents/agent-programs';
import { dequeue, recordWait } from './entry-programs';
import { ConversationState } from '../../domain/states';
import type { Param, Program, Steps, Tx } from '../../store/program';
import { all, one, run } from '../../store/program';
import type { EntryRow, QueueRow } from '../../store/rows';
import { ENTRY_COLUMNS, QUEUE_COLUMNS, toEntry, toQueue } from '../../store/rows';
import { closedReason } from './hours-programs';
import { queueRow } from '../../store/agents/queue-programs';
import type { OfferTerms } from '../../domain/operations';
import type { OverflowDue, QueueEntry } from '../../store/types';
import type { Assignment } from '../../store/conversation-write';
import { validateLimit } from '../../store/validation';

/**
 * The service order, one rule everywhere (dispatch, matching on enqueue,
 * filling an agent's freed room): queue priority, then the conversation's
 * priority, then arrival (`enqueued_at`, which a re-queued conversation keeps),
 * then the entry's sequence number as the tie-break. Lower is served first.
 */
interface OrderKey {
  queuePriority: number;
  priority: number;
  enqueuedAt: string;
  seq: number;
}

/** Service-order position within one queue of a head that dispatch passed over. */
export type Cursor = { priority: number; enqueuedAt: string; seq: number } | null;

/** What one attempt to serve a queue's head did. */
export type MatchStep =
  | { kind: 'matched'; assignment: Assignment }
  /** The head's agents owed their room to more deserving work elsewhere; one of them was given it (fillAgent). */
  | { kind: 'filled'; assignments: Assignment[] }
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
/** How many conversations one write may hand to an agent whose room it freed (bounded per transaction). */
export const MAX_FILL_PER_WRITE = 50;

interface Member {
  agent_id: string;
  position: number | string;
}

/**
 * SQL: the agent `agent` meets every skill requirement of conversation `conv`
 * (a conversation without requirements qualifies everyone). Both are SQL
 * expressions; `n` keeps the aliases of nested uses apart.
 */
function qualifies(conv: string, agent: string, n = ''): string {
  return `NOT EXISTS (SELECT 1 FROM entry_requirements rq${n} WHERE rq${n}.conversation_id = ${conv}
    AND NOT EXISTS (SELECT 1 FROM agent_skills sk${n} WHERE sk${n}.agent_id = ${agent} AND sk${n}.skill = rq${n}.skill
                      AND sk${n}.proficiency >= rq${n}.min_proficiency))`;
}

// A member is passed over for an entry while some entry more deserving by the
// service order, in any of the member's eligible queues, fits its room (and is
// pushable, one the member qualifies for, and not one it is excluded from):
// that one is served first (by its own queue's dispatcher, or by the write
// that frees the room). Parameters: queue priority, then the entry's priority,
// arrival and seq, then its conversation id (itself never counts).
const DEFERS = `NOT EXISTS (
    SELECT 1 FROM queue_members o JOIN queues oq ON oq.id = o.queue_id
     WHERE o.agent_id = qm.agent_id AND o.eligible = 1 AND oq.priority <= ?
       AND EXISTS (SELECT 1 FROM queue_entries e WHERE e.queue_id = o.queue_id AND e.units <= qm.free_units AND e.pushable = 1
                     AND (oq.priority < ? OR (e.priority, e.enqueued_at, e.seq) < (?, ?, ?)) AND e.conversation_id <> ?
                     AND NOT EXISTS (SELECT 1 FROM routing_exclusions xe WHERE xe.conversation_id = e.conversation_id AND xe.agent_id = qm.agent_id)
                     AND ${qualifies('e.conversation_id', 'qm.agent_id', 'd')}))`;
// An agent who declined or missed this conversation, or transferred it away, is never pushed it again.
const NOT_EXCLUDED = 'NOT EXISTS (SELECT 1 FROM routing_exclusions x WHERE x.conversation_id = ? AND x.agent_id = qm.agent_id)';

/**
 * The candidate query for an entry: eligible members of its queue with room,
 * deferring to nothing, not excluded, meeting its requirements. Without
 * requirements it walks queue_members' indexes; with them it starts from the
 * agents who have the most demanding skill at its level (agent_skills is
 * indexed by skill and proficiency), so its cost follows the agents who have
 * the skill, never those who lack it.
 */
interface Candidates {
  /** `SELECT qm.agent_id, qm.position FROM ... WHERE ...` with the room test as written (a seek or, with `+`, a filter). */
  select(room: 'seek' | 'filter'): string;
  params: Param[];
}

function candidates(queue: QueueRow, entry: EntryRow, requirements: RequirementRow[]): Candidates {
  const key = keyOf(queue, entry);
  const driver = requirements[0];
  const from = driver ? 'agent_skills dk JOIN queue_members qm ON qm.agent_id = dk.agent_id' : 'queue_members qm';
  const others = requirements.length > 1 ? ` AND ${qualifies('?', 'qm.agent_id')}` : '';
  const params: Param[] = [
    ...(driver ? [driver.skill, Number(driver.min_proficiency)] : []),
    Number(entry.units),
    queue.id,
    key.queuePriority,
    key.queuePriority,
    key.priority,
    key.enqueuedAt,
    key.seq,
    entry.conversation_id,
    entry.conversation_id,
    ...(requirements.length > 1 ? [entry.conversation_id] : []),
  ];
  const where = (room: string) =>
    `${driver ? 'dk.skill = ? AND dk.proficiency >= ? AND ' : ''}${room} >= ? AND qm.queue_id = ? AND qm.eligible = 1 AND ${DEFERS} AND ${NOT_EXCLUDED}${others}`;
  return {
    // For the ordered walks the unary plus hides free_units from SQLite's planner,
    // which otherwise range-scans the free-units index and sorts every member
    // with room instead of walking the method's index in order.
    select: (room) => `SELECT qm.agent_id, qm.position FROM ${from} WHERE ${where(room === 'seek' ? 'qm.free_units' : '+qm.free_units')}`,
    params,
  };
}

/** A queued conversation's skill requirements, the most demanding first. */
interface RequirementRow {
  skill: string;
  min_proficiency: number | string;
}

function* requirementsOf(conversationId: string): Program<RequirementRow[]> {
  return yield* all<RequirementRow>(
    'SELECT skill, min_proficiency FROM entry_requirements WHERE conversation_id = ? ORDER BY min_proficiency DESC, skill',
    [conversationId],
  );
}

function keyOf(queue: QueueRow, entry: EntryRow): OrderKey {
  return { queuePriority: Number(queue.priority), priority: Number(entry.priority), enqueuedAt: entry.enqueued_at, seq: Number(entry.seq) };
}

/** Whether `a` is served before `b`. */
function before(a: OrderKey, b: OrderKey): boolean {
  if (a.queuePriority !== b.queuePriority) return a.queuePriority < b.queuePriority;
  if (a.priority !== b.priority) return a.priority < b.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
  return a.seq < b.seq;
}

/**
 * Chooses the agent for an entry. Every query walks one of queue_members'
 * (queue_id, eligible, ...) indexes, or the skill index (see `candidates`), so
 * the cost is a seek, plus (for roundRobin and leastActive) passing over full
 * members, and never depends on queue depth or the total number of agents.
 */
function* chooseAgent(
  queue: QueueRow,
  entry: EntryRow,
  requirements: RequirementRow[],
): Program<{ member: Member; rotated: boolean } | null> {
  const c = candidates(queue, entry, requirements);
  const seek = c.select('seek');
  const walk = c.select('filter');
  if (entry.preferred_agent_id) {
    const preferred = yield* one<Member>(`${seek} AND qm.agent_id = ?`, [...c.params, entry.preferred_agent_id]);
    if (preferred) return { member: preferred, rotated: false };
  }
  // Also answers "does anyone have room?" in one seek before the slower walks.
  const roomiest = yield* one<Member>(
    `${seek} ORDER BY qm.free_units DESC, qm.last_assigned_at NULLS FIRST, qm.agent_id LIMIT 1`,
    c.params,
  );
  if (!roomiest) return null;
  if (queue.assignment_method === AssignmentMethod.LeastActive) {
    const idle = yield* one<Member>(
      `${walk} ORDER BY qm.last_released_at NULLS FIRST, qm.last_assigned_at NULLS FIRST, qm.agent_id LIMIT 1`,
      c.params,
    );
    return { member: idle ?? roomiest, rotated: false };
  }
  if (queue.assignment_method === AssignmentMethod.RoundRobin) {
    // The per-queue cursor is the member served last; the turn passes to the
    // next member with room in position order, wrapping to the start.
    const next =
      queue.rr_position === null
        ? undefined
        : yield* one<Member>(`${walk} AND (qm.position, qm.agent_id) > (?, ?) ORDER BY qm.position, qm.agent_id LIMIT 1`, [
            ...c.params,
            Number(queue.rr_position),
            queue.rr_agent_id,
          ]);
    const first = next ?? (yield* one<Member>(`${walk} ORDER BY qm.position, qm.agent_id LIMIT 1`, c.params));
    return { member: first ?? roomiest, rotated: true };
  }
  return { member: roomiest, rotated: false };
}

/** Undelivered matches handed back per look (a crash leaves at most a dispatch round's worth). */
export const UNDELIVERED_BATCH = 500;

/** The terms a queue offers its conversations on; null in auto-accept mode. */
export function offerTerms(queue: QueueRow): OfferTerms | null {
  if (queue.offer_mode !== 'offer') return null;
  return {
    timeoutMs: Number(queue.offer_timeout_ms),
    maxDeclines: Number(queue.max_declines),
    missedPresence: queue.missed_offer_presence,
  };
}

/**
 * Reserves the entry's units on the agent and takes it out of its queue; the
 * agent row must be locked and have room. In an offer-mode queue the match is
 * an offer: the reservation holds the room while the agent decides.
 */
function* reserveFor(tx: Tx, queue: QueueRow, entry: EntryRow, agentId: string): Program<Assignment> {
  const units = Number(entry.units);
  yield* run('INSERT INTO reservations (conversation_id, agent_id, units, reserved_at) VALUES (?, ?, ?, ?)', [
    entry.conversation_id,
    agentId,
    units,
    tx.now,
  ]);
  yield* recordWait(entry.queue_id, entry.enqueued_at, tx.now);
  yield* dequeue(tx, entry.conversation_id);
  yield* refreshAgent(tx, agentId, { assignedAt: tx.now });
  return { conversationId: entry.conversation_id, agentId, queueId: entry.queue_id, units, offer: offerTerms(queue) };
}

/**
 * Gives `entry` to the agent its queue's method chooses, if one has room and
 * nothing more deserving waits for that agent. The choice comes from unlocked
 * member rows, so it is re-checked on the locked agent row: a racing claim can
 * never make the reservation over-fill the agent.
 */
function* assignEntry(tx: Tx, queue: QueueRow, entry: EntryRow): Program<Assignment | 'stale' | null> {
  const choice = yield* chooseAgent(queue, entry, yield* requirementsOf(entry.conversation_id));
  if (!choice) return null;
  const agentId = choice.member.agent_id;
  const agent = yield* lockAgent(tx.dialect, agentId);
  const member = yield* one<{ eligible: number | string }>('SELECT eligible FROM queue_members WHERE queue_id = ? AND agent_id = ?', [
    queue.id,
    agentId,
  ]);
  if (!agent || Number(member?.eligible) !== 1 || Number(agent.capacity) - Number(agent.used_units) < Number(entry.units)) return 'stale';
  const assignment = yield* reserveFor(tx, queue, entry, agentId);
  if (choice.rotated) {
    yield* run('UPDATE queues SET rr_position = ?, rr_agent_id = ? WHERE id = ?', [Number(choice.member.position), agentId, queue.id]);
  }
  return assignment;
}

/**
 * Matches a conversation that has just entered its queue, in the transaction
 * that queued it: it takes an agent only if no more deserving conversation
 * waits for that agent (invariant 4). Null: it waits.
 */
export function* matchEntry(tx: Tx, conversationId: string): Program<Assignment | null> {
  const entry = yield* one<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE conversation_id = ? AND pushable = 1`, [
    conversationId,
  ]);
  const queue = entry && (yield* queueRow(entry.queue_id));
  if (!entry || !queue) return null;
  const matched = yield* assignEntry(tx, queue, entry);
  return matched === 'stale' ? null : matched;
}

/**
 * Gives an agent's free room to the most deserving conversations waiting in
 * its eligible queues (the service order across all of them), in the
 * transaction that freed the room or made the agent eligible. One indexed
 * probe per membership finds each queue's first entry that fits; the best of
 * those is reserved; repeat while room is left (at most MAX_FILL_PER_WRITE).
 */
export function* fillAgent(tx: Tx, agentId: string): Program<Assignment[]> {
  const filled: Assignment[] = [];
  while (filled.length < MAX_FILL_PER_WRITE) {
    const agent = yield* lockAgent(tx.dialect, agentId);
    if (!agent) break;
    const free = Number(agent.capacity) - Number(agent.used_units);
    if (free <= 0) break;
    const queues = yield* all<QueueRow>(
      `SELECT ${QUEUE_COLUMNS.split(', ')
        .map((c) => `q.${c}`)
        .join(', ')} FROM queue_members m JOIN queues q ON q.id = m.queue_id WHERE m.agent_id = ? AND m.eligible = 1`,
      [agentId],
    );
    let best: { queue: QueueRow; entry: EntryRow } | null = null;
    for (const queue of queues) {
      const entry = yield* one<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM queue_entries e WHERE queue_id = ? AND units <= ? AND pushable = 1
            AND NOT EXISTS (SELECT 1 FROM routing_exclusions x WHERE x.conversation_id = e.conversation_id AND x.agent_id = ?)
            AND ${qualifies('e.conversation_id', '?')}
          ORDER BY priority, enqueued_at, seq LIMIT 1${tx.dialect.forUpdateSkipLocked}`,
        [queue.id, free, agentId, agentId],
      );
      if (entry && (!best || before(keyOf(queue, entry), keyOf(best.queue, best.entry)))) best = { queue, entry };
    }
    if (!best) break;
    if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [best.entry.conversation_id])) {
      // Obsolete: its capacity is held already (only a late write leaves this).
      yield* dequeue(tx, best.entry.conversation_id);
      continue;
    }
    filled.push(yield* reserveFor(tx, best.queue, best.entry, agentId));
  }
  return filled;
}

/**
 * Tries to serve, in service order after `after`, the first entry of the
 * queue that some eligible agent has room for right now. Entries no one can
 * take yet are passed over rather than left blocking the queue: after every
 * round no conversation waits while an eligible agent has room for it
 * (invariant 3), and among those that fit, order is strict (invariant 4). The
 * cost is one seek for the roomiest member plus an index walk that skips only
 * entries bigger than that room, never the whole queue.
 */
export function* matchOne(tx: Tx, queueId: string, after: Cursor): Program<MatchStep> {
  const queue = yield* queueRow(queueId);
  if (!queue) return { kind: 'stop' };
  const room = yield* one<{ m: number | string | null }>(
    'SELECT MAX(free_units) AS m FROM queue_members WHERE queue_id = ? AND eligible = 1',
    [queueId],
  );
  if (room?.m == null) return { kind: 'stop' };
  const head = yield* one<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? AND units <= ? AND pushable = 1${after ? ' AND (priority, enqueued_at, seq) > (?, ?, ?)' : ''}
     ORDER BY priority, enqueued_at, seq LIMIT 1${tx.dialect.forUpdateSkipLocked}`,
    after ? [queueId, Number(room.m), after.priority, after.enqueuedAt, after.seq] : [queueId, Number(room.m)],
  );
  if (!head) return { kind: 'stop' };
  const cursor = { priority: Number(head.priority), enqueuedAt: head.enqueued_at, seq: Number(head.seq) };
  if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [head.conversation_id])) {
    // Capacity already held elsewhere (claim and reserve dequeue, so only a
    // late write leaves this): the entry is obsolete, never a second match.
    yield* dequeue(tx, head.conversation_id);
    return { kind: 'skipped', head: cursor };
  }
  const requirements = yield* requirementsOf(head.conversation_id);
  const matched = yield* assignEntry(tx, queue, head);
  // A head nobody with room is qualified for is passed over, so it does not block those behind it.
  if (matched === null && requirements.length > 0) return { kind: 'skipped', head: cursor };
  // Someone had room, but every such member defers to more deserving work (in
  // another queue, or excluded from this head): the roomiest of them gets that
  // work now, so a sweep after an outage keeps serving instead of ending its
  // round on the first head. Nothing to give (a concurrent commit took the
  // room): end the round; it retries.
  if (matched === null) {
    const roomiest = yield* one<{ agent_id: string }>(
      'SELECT agent_id FROM queue_members WHERE queue_id = ? AND eligible = 1 AND free_units >= ? ORDER BY free_units DESC, agent_id LIMIT 1',
      [queueId, Number(head.units)],
    );
    const filled = roomiest ? yield* fillAgent(tx, roomiest.agent_id) : [];
    return filled.length ? { kind: 'filled', assignments: filled } : { kind: 'stop' };
  }
  if (matched === 'stale') return { kind: 'stale' };
  return { kind: 'matched', assignment: matched };
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
    else if (step.kind === 'filled') this.assignments.push(...step.assignments);
    else if (step.kind === 'stop') this.stopped = true;
    else {
      this.passes += 1;
      if (step.kind === 'skipped') this.after = step.head;
    }
  }
}

/**
 * SQL condition: member `qm` of entry `e`'s queue could be pushed `e` now (eligible presence, room
 * for its units, not excluded from it, with the skills it requires). What hasDispatchableWork and
 * queuesWithWorkSharingMembers both ask of a member.
 */
const MEMBER_TAKES_ENTRY = `qm.queue_id = e.queue_id AND qm.eligible = 1 AND qm.free_units >= e.units
  AND NOT EXISTS (SELECT 1 FROM routing_exclusions x WHERE x.conversation_id = e.conversation_id AND x.agent_id = qm.agent_id)
  AND ${qualifies('e.conversation_id', 'qm.agent_id')}`;

/**
 * Whether some entry of the queue fits the room of an eligible member it may
 * be pushed to (qualified, not excluded) right now. A plain read without
 * locks: after a round that skipped locked rows (PostgreSQL), it tells the
 * dispatcher to go again instead of leaving work waiting.
 */
export function* hasDispatchableWork(_tx: Tx, queueId: string): Program<boolean> {
  const entry = yield* one(
    `SELECT 1 AS x FROM queue_entries e WHERE e.queue_id = ? AND e.pushable = 1
       AND EXISTS (SELECT 1 FROM queue_members qm WHERE ${MEMBER_TAKES_ENTRY})
     LIMIT 1`,
    [queueId],
  );
  return entry !== undefined;
}

/**
 * The other queues sharing a member with `queueId` whose entries fit an
 * eligible member's room now (as hasDispatchableWork), in id order. The
 * service order spans an agent's queues, so an agent may pass over work in one
 * of them for more deserving work in another; when that work is served or its
 * queue closes, these are the dispatchers to wake.
 */
export function* queuesWithWorkSharingMembers(_tx: Tx, queueId: string): Program<string[]> {
  const rows = yield* all<{ queue_id: string }>(
    `SELECT DISTINCT e.queue_id FROM queue_entries e JOIN queue_members qm ON ${MEMBER_TAKES_ENTRY}
      WHERE e.pushable = 1 AND e.queue_id <> ? AND qm.agent_id IN (SELECT agent_id FROM queue_members WHERE queue_id = ?)
      ORDER BY e.queue_id`,
    [queueId, queueId],
  );
  return rows.map((r) => r.queue_id);
}

/**
 * Why a conversation that has just entered its queue waits, in words a
 * supervisor and a customer can act on: offers stopped, nobody eligible,
 * nobody with its skills, or everyone able to take it at capacity.
 */
export function* waitingReason(entry: QueueEntry): Program<string> {
  if (entry.pushable === false) return 'declined or missed too often: waiting for an agent to pick it or the supervisor to assign it';
  const queue = yield* queueRow(entry.queueId);
  if (queue && Number(queue.hours_open) !== 1) return yield* closedReason(toQueue(queue));
  const presences = queue ? (JSON.parse(queue.eligible_presences) as string[]).join(' or ') : 'eligible';
  const eligible = yield* one('SELECT 1 AS x FROM queue_members WHERE queue_id = ? AND eligible = 1 LIMIT 1', [entry.queueId]);
  if (!eligible) return `no agent of queue ${entry.queueId} is ${presences}`;
  const required = entry.requirements ?? [];
  if (required.length > 0) {
    const qualified = yield* one(
      `SELECT 1 AS x FROM queue_members qm WHERE qm.queue_id = ? AND qm.eligible = 1 AND ${qualifies('?', 'qm.agent_id')} LIMIT 1`,
      [entry.queueId, entry.conversationId],
    );
    const skills = required.map((r) => `${r.skill} >= ${r.minProficiency}`).join(', ');
    if (!qualified) return `no ${presences} agent of queue ${entry.queueId} has ${skills}`;
  }
  return `every agent of queue ${entry.queueId} who could take it is at capacity or has more deserving work`;
}

/**
 * Finds the entries of `queueId` that have waited at least its overflow limit
 * at `now` (at most `limit`, oldest first). Indexed by (queue_id, enqueued_at).
 */
export function* overflowDue(_tx: Tx, queueId: string, now: Date, limit: number): Program<OverflowDue> {
  const queue = yield* queueRow(queueId);
  if (queue && Number(queue.hours_open) !== 1 && queue.out_of_hours_queue_id !== null) {
    // Closed with somewhere to go: everything waiting moves on, oldest first, if that queue is open
    // (two closed queues pointing at each other must not pass conversations back and forth).
    const target = yield* one<{ hours_open: number | string }>('SELECT hours_open FROM queues WHERE id = ?', [queue.out_of_hours_queue_id]);
    if (target && Number(target.hours_open) === 1) {
      const due = yield* all<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? ORDER BY enqueued_at, seq LIMIT ?`, [
        queueId,
        limit,
      ]);
      return { toQueueId: queue.out_of_hours_queue_id, reason: 'outOfHours', due: due.map(toEntry), nextAt: null };
    }
  }
  const overflow = queue?.overflow ? (JSON.parse(queue.overflow) as { afterMs: number; toQueueId: string }) : null;
  if (!overflow) return { toQueueId: null, reason: 'overflow', due: [], nextAt: null };
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
    reason: 'overflow',
    due: due.map(toEntry),
    nextAt: next ? new Date(Date.parse(next.enqueued_at) + overflow.afterMs).toISOString() : null,
  };
}

/**
 * Matches that their conversation has not taken up yet: routing reserved the
 * agent's room (reserved at or before `reservedBefore`) and the conversation,
 * still Open, has not written the assignment or offer. After a crash between
 * a match's commit and its signal these are delivered again (an offer-mode
 * queue's as offers). `queueId` null: every queue.
 */
export function* listUndeliveredAssignments(
  _tx: Tx,
  queueId: string | null,
  reservedBefore: Date,
  limit = UNDELIVERED_BATCH,
): Program<Assignment[]> {
  validateLimit(limit);
  const rows = yield* all<{ conversation_id: string; agent_id: string; units: number; queue_id: string }>(
    `SELECT r.conversation_id, r.agent_id, r.units, c.queue_id FROM reservations r
       JOIN conversations c ON c.conversation_id = r.conversation_id
      WHERE r.taken_at IS NULL AND r.reserved_at <= ? AND c.state = ?${queueId === null ? '' : ' AND c.queue_id = ?'}
      ORDER BY r.reserved_at, r.conversation_id LIMIT ?`,
    [reservedBefore.toISOString(), ConversationState.Open, ...(queueId === null ? [] : [queueId]), limit],
  );
  const queues = new Map<string, QueueRow | undefined>();
  const out: Assignment[] = [];
  for (const r of rows) {
    if (!queues.has(r.queue_id)) queues.set(r.queue_id, yield* queueRow(r.queue_id));
    const queue = queues.get(r.queue_id);
    if (!queue) continue;
    out.push({
      conversationId: r.conversation_id,
      agentId: r.agent_id,
      queueId: r.queue_id,
      units: Number(r.units),
      offer: offerTerms(queue),
    });
  }
  return out;
}
