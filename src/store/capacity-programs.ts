import { ErrorCode } from '../domain/errors';
import { lockAgent, refreshAgent } from './agent-programs';
import type { Dialect, Program, Tx } from './program';
import { all, one, placeholders, run } from './program';
import type { AgentRow, ReservationRow } from './rows';
import { AGENT_COLUMNS, CONVERSATION_COLUMNS, RESERVATION_COLUMNS, toReservation } from './rows';
import { StoreError } from './store-error';
import type { ApplyConversationInput, ApplyOutcome, Reservation, ReserveInput, ReserveOutcome } from './types';
import { isoTime, validateEntry, validateReserveInput, validateView } from './validation';

// Lock order, the same in every write, so PostgreSQL transactions never wait
// on each other in a cycle: conversation (advisory) -> its queue entry -> its
// reservation -> agent rows (by id) -> their queue_members rows.

function refuse(code: ErrorCode, message: string): ReserveOutcome {
  return { ok: false, code, message };
}

function* lockConversation(d: Dialect, conversationId: string): Program<void> {
  const statement = d.lockConversation(conversationId);
  if (statement) yield* all(statement.sql, statement.params);
}

function* lockedEntry(d: Dialect, conversationId: string): Program<{ queue_id: string } | undefined> {
  return yield* one<{ queue_id: string }>(`SELECT queue_id FROM queue_entries WHERE conversation_id = ?${d.forUpdate}`, [conversationId]);
}

function* lockedReservation(d: Dialect, conversationId: string): Program<{ agent_id: string } | undefined> {
  return yield* one<{ agent_id: string }>(`SELECT agent_id FROM reservations WHERE conversation_id = ?${d.forUpdate}`, [conversationId]);
}

function* isMember(queueId: string, agentId: string): Program<boolean> {
  return !!(yield* one('SELECT 1 AS x FROM queue_members WHERE queue_id = ? AND agent_id = ?', [queueId, agentId]));
}

function roomRefusal(agent: AgentRow, units: number): ReserveOutcome | null {
  const free = Number(agent.capacity) - Number(agent.used_units);
  if (free >= units) return null;
  return refuse(ErrorCode.NoCapacity, `Agent ${agent.id} has ${Math.max(free, 0)} free unit(s); the conversation needs ${units}.`);
}

/** Open -> Active for one agent (pick or assignment); see Store.claim. */
export function* claim(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  validateReserveInput(input);
  const { dialect: d, now } = tx;
  const { conversationId, agentId, units } = input;
  yield* lockConversation(d, conversationId);
  // The entry is locked before the reservation is read: a claim that waited
  // for a racing dispatcher or picker then sees the reservation it committed.
  const entry = yield* lockedEntry(d, conversationId);
  const held = yield* lockedReservation(d, conversationId);
  if (held) {
    if (held.agent_id !== agentId) return refuse(ErrorCode.AlreadyTaken, `Conversation ${conversationId} is already with another agent.`);
    // A retried activity, or the claim that follows a dispatcher's reservation.
    if (entry) yield* run('DELETE FROM queue_entries WHERE conversation_id = ?', [conversationId]);
    return { ok: true, agentId };
  }
  if (!entry) return refuse(ErrorCode.AlreadyTaken, `Conversation ${conversationId} is no longer waiting in a queue.`);
  const agent = yield* lockAgent(d, agentId);
  if (!agent) return refuse(ErrorCode.UnknownAgent, `Unknown agent ${agentId}.`);
  if (input.requireMembership && !(yield* isMember(entry.queue_id, agentId))) {
    return refuse(ErrorCode.NotQueueMember, `Agent ${agentId} is not a member of queue ${entry.queue_id}.`);
  }
  const full = input.force ? null : roomRefusal(agent, units);
  if (full) return full;
  yield* run('DELETE FROM queue_entries WHERE conversation_id = ?', [conversationId]);
  yield* run('INSERT INTO reservations (conversation_id, agent_id, units, reserved_at) VALUES (?, ?, ?, ?)', [
    conversationId,
    agentId,
    units,
    now,
  ]);
  yield* refreshAgent(agentId, { assignedAt: now });
  return { ok: true, agentId };
}

/** Reserves capacity without a queue entry (reopen, direct transfer); see Store.reserve. */
export function* reserve(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  validateReserveInput(input);
  const { dialect: d, now } = tx;
  const { conversationId, agentId, units } = input;
  yield* lockConversation(d, conversationId);
  const entry = yield* lockedEntry(d, conversationId);
  const held = yield* lockedReservation(d, conversationId);
  // A conversation that holds capacity must never also wait in a queue, or a
  // dispatcher could hand it to a second agent; so success also dequeues.
  if (held?.agent_id === agentId) {
    if (entry) yield* run('DELETE FROM queue_entries WHERE conversation_id = ?', [conversationId]);
    return { ok: true, agentId };
  }
  // Moving a reservation locks both agents, always in id order.
  const ids = held ? [agentId, held.agent_id].sort() : [agentId];
  const locked = yield* all<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM agents WHERE id IN (${placeholders(ids.length)}) ORDER BY id${d.forUpdate}`,
    ids,
  );
  const agent = locked.find((a) => a.id === agentId);
  if (!agent) return refuse(ErrorCode.UnknownAgent, `Unknown agent ${agentId}.`);
  if (input.requireMembership) {
    const view =
      entry ?? (yield* one<{ queue_id: string }>('SELECT queue_id FROM conversations WHERE conversation_id = ?', [conversationId]));
    if (view && !(yield* isMember(view.queue_id, agentId))) {
      return refuse(ErrorCode.NotQueueMember, `Agent ${agentId} is not a member of queue ${view.queue_id}.`);
    }
  }
  const full = input.force ? null : roomRefusal(agent, units);
  if (full) return full;
  if (held) {
    yield* run('UPDATE reservations SET agent_id = ?, units = ?, reserved_at = ? WHERE conversation_id = ?', [
      agentId,
      units,
      now,
      conversationId,
    ]);
    yield* refreshAgent(held.agent_id, { releasedAt: now });
  } else {
    yield* run('INSERT INTO reservations (conversation_id, agent_id, units, reserved_at) VALUES (?, ?, ?, ?)', [
      conversationId,
      agentId,
      units,
      now,
    ]);
  }
  if (entry) yield* run('DELETE FROM queue_entries WHERE conversation_id = ?', [conversationId]);
  yield* refreshAgent(agentId, { assignedAt: now });
  return { ok: true, agentId };
}

/** Drops a conversation's reservation (only `agentId`'s when given); see Store.releaseReservation. */
export function* releaseReservation(tx: Tx, conversationId: string, agentId?: string): Program<Reservation | null> {
  yield* lockConversation(tx.dialect, conversationId);
  return yield* dropReservation(conversationId, agentId, tx.now);
}

/** Deletes the reservation (only `agentId`'s when given) under a lock the caller holds; recomputes the agent. */
function* dropReservation(conversationId: string, agentId: string | undefined, now: string): Program<Reservation | null> {
  const released = yield* one<ReservationRow>(
    `DELETE FROM reservations WHERE conversation_id = ?${agentId === undefined ? '' : ' AND agent_id = ?'} RETURNING ${RESERVATION_COLUMNS}`,
    agentId === undefined ? [conversationId] : [conversationId, agentId],
  );
  if (!released) return null;
  yield* refreshAgent(released.agent_id, { releasedAt: now });
  return toReservation(released);
}

/** Applies a transition's read-model row and store effects atomically; see Store.applyConversation. */
export function* applyConversation(tx: Tx, input: ApplyConversationInput): Program<ApplyOutcome> {
  const { dialect: d, now } = tx;
  const { view, enqueue } = input;
  const unchanged: ApplyOutcome = { enqueuedIn: null, released: null };
  validateView(view);
  if (enqueue) validateEntry(enqueue);
  yield* lockConversation(d, view.conversationId);
  const stored = yield* one<{ version: number | string }>(`SELECT version FROM conversations WHERE conversation_id = ?${d.forUpdate}`, [
    view.conversationId,
  ]);
  // A write older than the stored row is a late retry of a superseded
  // activity: its effects are superseded too (a late release could drop a
  // newer reservation, a late enqueue re-queue an Active conversation).
  if (stored && view.version < Number(stored.version)) return unchanged;
  yield* run(
    `INSERT INTO conversations (${CONVERSATION_COLUMNS.join(', ')}, updated_at)
     VALUES (${CONVERSATION_COLUMNS.map(() => '?').join(', ')}, ?)
     ON CONFLICT (conversation_id) DO UPDATE SET ${CONVERSATION_COLUMNS.slice(1)
       .map((c) => `${c} = excluded.${c}`)
       .join(', ')}, updated_at = excluded.updated_at
     WHERE conversations.version < excluded.version`,
    [
      view.conversationId,
      view.state,
      view.agentId,
      view.lastAgentId,
      view.queueId,
      view.channel,
      view.priority,
      view.units,
      view.customerId,
      view.unreadCount,
      isoTime(view.createdAt),
      isoTime(view.stateEnteredAt),
      view.closedAt === null ? null : isoTime(view.closedAt),
      view.staleFlagged ? 1 : 0,
      view.version,
      now,
    ],
  );
  // Entry before reservation, as the lock order says: a dispatch that holds the
  // entry row may be committing a reservation for it; once its lock is ours, the
  // release below (a new statement, a fresh snapshot) sees and drops that too.
  if (input.dequeue) yield* run('DELETE FROM queue_entries WHERE conversation_id = ?', [view.conversationId]);
  const dropped = input.release ? yield* dropReservation(view.conversationId, undefined, now) : null;
  const released = dropped ? { agentId: dropped.agentId, queues: yield* queuesOf(dropped.agentId) } : null;
  const enqueuedIn = enqueue && (yield* enqueueEntry(enqueue)) ? enqueue.queueId : null;
  return { enqueuedIn, released };
}

function* queuesOf(agentId: string): Program<string[]> {
  return (yield* all<{ queue_id: string }>('SELECT queue_id FROM queue_members WHERE agent_id = ? ORDER BY ord', [agentId])).map(
    (m) => m.queue_id,
  );
}

/** Queues the conversation unless it holds capacity; whether it now waits in the queue. */
function* enqueueEntry(entry: NonNullable<ApplyConversationInput['enqueue']>): Program<boolean> {
  if (yield* one('SELECT 1 AS x FROM reservations WHERE conversation_id = ?', [entry.conversationId])) return false;
  if (!(yield* one('SELECT 1 AS x FROM queues WHERE id = ?', [entry.queueId]))) {
    throw new StoreError(ErrorCode.UnknownQueue, `Unknown queue ${entry.queueId}.`);
  }
  // DO NOTHING keeps the first insert's seq, so a retried enqueue keeps its place in line.
  yield* run(
    `INSERT INTO queue_entries (conversation_id, queue_id, priority, units, enqueued_at, preferred_agent_id)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id) DO NOTHING`,
    [entry.conversationId, entry.queueId, entry.priority, entry.units, isoTime(entry.enqueuedAt), entry.preferredAgentId],
  );
  return true;
}

/** Reservations, of one agent or all, oldest first. */
export function* listReservations(_tx: Tx, agentId?: string): Program<Reservation[]> {
  const rows = yield* all<ReservationRow>(
    `SELECT ${RESERVATION_COLUMNS} FROM reservations${agentId === undefined ? '' : ' WHERE agent_id = ?'} ORDER BY reserved_at, conversation_id`,
    agentId === undefined ? [] : [agentId],
  );
  return rows.map(toReservation);
}
