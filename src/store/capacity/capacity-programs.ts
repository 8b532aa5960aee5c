import { ErrorCode } from '../../domain/errors';
import type { EventData } from '../../domain/events';
import { EventType } from '../../domain/events';
import { Operation } from '../../domain/operations';
import { ConversationState } from '../../domain/states';
import { changePresence, lockAgent, refreshAgent } from '../agents/agent-programs';
import { dequeue, enqueue as enqueueEntry, recordWait } from '../../routing/engine/entry-programs';
import type { Dialect, Program, Tx } from '../program';
import { all, one, placeholders, run } from '../program';
import type { AgentRow, ConversationRow, ReservationRow } from '../rows';
import { AGENT_COLUMNS, CONVERSATION_COLUMNS, RESERVATION_COLUMNS, toReservation, VIEW_COLUMNS } from '../rows';
import { fillAgent, matchEntry, offerTerms, queuesWithWorkSharingMembers, waitingReason } from '../../routing/engine/matching-programs';
import { queueRow } from '../agents/queue-programs';
import { StoreError } from '../store-error';
import type { Reservation, ReserveInput, ReserveOutcome } from '../types';
import type { AfterMatch, ApplyConversationInput, ApplyOutcome, Assignment, EnterOutcome } from '../conversation-write';
import { isoTime, validateEntry, validateReserveInput, validateView } from '../validation';

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

function* lockedEntry(d: Dialect, conversationId: string): Program<{ queue_id: string; enqueued_at: string } | undefined> {
  return yield* one<{ queue_id: string; enqueued_at: string }>(
    `SELECT queue_id, enqueued_at FROM queue_entries WHERE conversation_id = ?${d.forUpdate}`,
    [conversationId],
  );
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

/** Open -> Active for one agent (pick or assignment); see CapacityLedger.claim. */
export function* claim(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  validateReserveInput(input);
  yield* lockConversation(tx.dialect, input.conversationId);
  return yield* claimLocked(tx, input);
}

/** The claim, under the conversation lock its caller holds. */

/** A reservation its conversation holds already (reserved and taken at once: a pick, an assignment, a reopen). */
function* insertTakenReservation(conversationId: string, agentId: string, units: number, now: string): Program<number> {
  return yield* run('INSERT INTO reservations (conversation_id, agent_id, units, reserved_at, taken_at) VALUES (?, ?, ?, ?, ?)', [
    conversationId,
    agentId,
    units,
    now,
    now,
  ]);
}

function* claimLocked(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  const { dialect: d, now } = tx;
  const { conversationId, agentId, units } = input;
  // The entry is locked before the reservation is read: a claim that waited
  // for a racing dispatcher or picker then sees the reservation it committed.
  const entry = yield* lockedEntry(d, conversationId);
  const held = yield* lockedReservation(d, conversationId);
  if (held) {
    if (held.agent_id !== agentId) return refuse(ErrorCode.AlreadyTaken, `Conversation ${conversationId} is already with another agent.`);
    // A retried activity, or the claim that follows a dispatcher's reservation.
    if (entry) yield* dequeue(tx, conversationId);
    yield* markTaken(tx, conversationId);
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
  yield* recordWait(entry.queue_id, entry.enqueued_at, now);
  yield* dequeue(tx, conversationId);
  yield* insertTakenReservation(conversationId, agentId, units, now);
  yield* refreshAgent(tx, agentId, { assignedAt: now });
  return { ok: true, agentId };
}

/**
 * The conversation's workflow holds the match its reservation stands for:
 * nothing is left to deliver (see listUndeliveredAssignments).
 */
function* markTaken(tx: Tx, conversationId: string): Program<void> {
  yield* run('UPDATE reservations SET taken_at = ? WHERE conversation_id = ? AND taken_at IS NULL', [tx.now, conversationId]);
}

/** The agent still holds the reservation routing made for the conversation (an offer stands on it); see ApplyConversationInput.acquire. */
function* holdLocked(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  const held = yield* lockedReservation(tx.dialect, input.conversationId);
  if (held?.agent_id !== input.agentId) {
    return refuse(ErrorCode.AlreadyTaken, `The match of conversation ${input.conversationId} to ${input.agentId} was withdrawn.`);
  }
  yield* markTaken(tx, input.conversationId);
  return { ok: true, agentId: input.agentId };
}

/** Reserves capacity without a queue entry (reopen, direct transfer); see CapacityLedger.reserve. */
export function* reserve(tx: Tx, input: ReserveInput): Program<ReserveOutcome> {
  validateReserveInput(input);
  yield* lockConversation(tx.dialect, input.conversationId);
  return (yield* reserveLocked(tx, input)).outcome;
}

/** The reserve, under the conversation lock its caller holds; `freed` names an agent the reservation moved away from. */
function* reserveLocked(tx: Tx, input: ReserveInput): Program<{ outcome: ReserveOutcome; freed: string | null }> {
  const { dialect: d, now } = tx;
  const { conversationId, agentId, units } = input;
  const refused = (outcome: ReserveOutcome) => ({ outcome, freed: null });
  const entry = yield* lockedEntry(d, conversationId);
  const held = yield* lockedReservation(d, conversationId);
  // A conversation that holds capacity must never also wait in a queue, or a
  // dispatcher could hand it to a second agent; so success also dequeues.
  if (held?.agent_id === agentId) {
    if (entry) yield* dequeue(tx, conversationId);
    yield* markTaken(tx, conversationId);
    return { outcome: { ok: true, agentId }, freed: null };
  }
  // Moving a reservation locks both agents, always in id order.
  const ids = held ? [agentId, held.agent_id].sort() : [agentId];
  const locked = yield* all<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM agents WHERE id IN (${placeholders(ids.length)}) ORDER BY id${d.forUpdate}`,
    ids,
  );
  const agent = locked.find((a) => a.id === agentId);
  if (!agent) return refused(refuse(ErrorCode.UnknownAgent, `Unknown agent ${agentId}.`));
  if (input.requireMembership) {
    const view =
      entry ?? (yield* one<{ queue_id: string }>('SELECT queue_id FROM conversations WHERE conversation_id = ?', [conversationId]));
    if (view && !(yield* isMember(view.queue_id, agentId))) {
      return refused(refuse(ErrorCode.NotQueueMember, `Agent ${agentId} is not a member of queue ${view.queue_id}.`));
    }
  }
  const full = input.force ? null : roomRefusal(agent, units);
  if (full) return refused(full);
  if (held) {
    yield* run('UPDATE reservations SET agent_id = ?, units = ?, reserved_at = ?, taken_at = ? WHERE conversation_id = ?', [
      agentId,
      units,
      now,
      now,
      conversationId,
    ]);
    yield* refreshAgent(tx, held.agent_id, { releasedAt: now });
  } else {
    yield* insertTakenReservation(conversationId, agentId, units, now);
  }
  if (entry) yield* dequeue(tx, conversationId);
  yield* refreshAgent(tx, agentId, { assignedAt: now });
  return { outcome: { ok: true, agentId }, freed: held ? held.agent_id : null };
}

/** Drops a conversation's reservation (only `agentId`'s when given); see Store.releaseReservation. */
export function* releaseReservation(tx: Tx, conversationId: string, agentId?: string): Program<Reservation | null> {
  yield* lockConversation(tx.dialect, conversationId);
  return yield* dropReservation(tx, conversationId, agentId);
}

/** Deletes the reservation (only `agentId`'s when given) under a lock the caller holds; recomputes the agent. */
function* dropReservation(tx: Tx, conversationId: string, agentId: string | undefined): Program<Reservation | null> {
  const released = yield* one<ReservationRow>(
    `DELETE FROM reservations WHERE conversation_id = ?${agentId === undefined ? '' : ' AND agent_id = ?'} RETURNING ${RESERVATION_COLUMNS}`,
    agentId === undefined ? [conversationId] : [conversationId, agentId],
  );
  if (!released) return null;
  yield* refreshAgent(tx, released.agent_id, { releasedAt: tx.now });
  return toReservation(released);
}

/** Applies a transition's read-model row and store effects atomically; see CapacityLedger.applyConversation. */
export function* applyConversation(tx: Tx, input: ApplyConversationInput): Program<ApplyOutcome> {
  const { dialect: d, now } = tx;
  const { view, enqueue } = input;
  validateView(view);
  if (enqueue) validateEntry(enqueue);
  yield* lockConversation(d, view.conversationId);
  const stored = yield* one<ConversationRow>(
    `SELECT ${VIEW_COLUMNS.join(', ')} FROM conversations WHERE conversation_id = ?${d.forUpdate}`,
    [view.conversationId],
  );
  // A write older than the stored row is a late retry of a superseded
  // activity: its effects are superseded too (a late release could drop a
  // newer reservation, a late enqueue re-queue an Active conversation). One
  // that entered a queue routing on the write is told the match it made: a
  // first workflow task whose completion was lost after both its writes
  // committed (enqueue, then Active) is retried from the start, and told "no
  // match" it would stay Open, in no queue, holding the agent's room.
  if (stored && view.version < Number(stored.version)) {
    const matched = enqueue && input.route ? yield* heldAssignment(view.conversationId, enqueue.queueId) : null;
    return { matched, deliver: [], watch: [], waiting: null };
  }
  // First what the store must grant (idempotent: a retry of this write is granted again); a refusal changes nothing.
  const freed: string[] = [];
  if (input.acquire) {
    const request = { ...input.acquire, conversationId: view.conversationId, units: view.units };
    validateReserveInput(request);
    const granted =
      input.acquire.kind === 'claim'
        ? { outcome: yield* claimLocked(tx, request), freed: null }
        : input.acquire.kind === 'hold'
          ? { outcome: yield* holdLocked(tx, request), freed: null }
          : yield* reserveLocked(tx, request);
    if (!granted.outcome.ok) throw new StoreError(granted.outcome.code, granted.outcome.message);
    if (granted.freed) freed.push(granted.freed);
  }
  // The same version again is a retry of this very write: its events were recorded the first time.
  const newer = !stored || view.version > Number(stored.version);
  if (newer) {
    yield* run(
      `INSERT INTO conversations (${CONVERSATION_COLUMNS.join(', ')}, details, updated_at)
       VALUES (${CONVERSATION_COLUMNS.map(() => '?').join(', ')}, ?, ?)
       ON CONFLICT (conversation_id) DO UPDATE SET ${CONVERSATION_COLUMNS.slice(1)
         .map((c) => `${c} = excluded.${c}`)
         .join(', ')}, details = excluded.details, updated_at = excluded.updated_at`,
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
        view.staleFlaggedAt === null ? 0 : 1,
        optionalTime(view.staleFlaggedAt),
        optionalTime(view.waitingTimeoutAt),
        optionalTime(view.reviveUntil),
        view.offerAgentId,
        optionalTime(view.offerExpiresAt),
        view.offersStopped ? 1 : 0,
        view.version,
        // Without details (a writer that has none) the row alone is known: reads ask the workflow.
        input.details ? JSON.stringify(input.details) : null,
        now,
      ],
    );
    if (input.details && input.transition) {
      yield* run('INSERT INTO conversation_transitions (conversation_id, n, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
        view.conversationId,
        input.details.transitionCount,
        JSON.stringify(input.transition),
      ]);
    }
    yield* emitConversationEvents(tx, stored, input);
  }
  // Entry before reservation, as the lock order says: a dispatch that holds the
  // entry row may be committing a reservation for it; once its lock is ours, the
  // release below (a new statement, a fresh snapshot) sees and drops that too.
  const left = input.dequeue ? yield* dequeue(tx, view.conversationId) : null;
  const dropped = input.release ? yield* dropReservation(tx, view.conversationId, undefined) : null;
  if (dropped) freed.push(dropped.agentId);
  if (input.missed) {
    // Before the freed room is refilled: nothing more is pushed to an agent who is not there.
    const reason = `missed the offer of conversation ${view.conversationId}`;
    yield* changePresence(tx, input.missed.agentId, input.missed.presence, reason);
  }
  if (input.exclude) {
    yield* run('INSERT INTO routing_exclusions (conversation_id, agent_id, excluded_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      view.conversationId,
      input.exclude,
      now,
    ]);
  }
  if (view.state === ConversationState.Closed)
    yield* run('DELETE FROM routing_exclusions WHERE conversation_id = ?', [view.conversationId]);
  const waiting = enqueue ? yield* enqueueEntry(tx, enqueue) : false;
  // The service order spans an agent's queues: members of the queue it left may have passed over work
  // in their other queues for this conversation; that work no longer waits on it, so those queues look now.
  const passedOver = left === null ? [] : yield* queuesWithWorkSharingMembers(tx, left);
  if (!input.route) {
    // A plain write: the dispatchers of the queue entered and of the freed agents' queues look again.
    const queues = [...(waiting && enqueue ? [enqueue.queueId] : []), ...passedOver];
    for (const agentId of freed) queues.push(...(yield* queuesOf(agentId)));
    return { matched: null, deliver: [], watch: queues, waiting: null };
  }
  // Routing on the write: the conversation that entered its queue is matched now (or was, by the first
  // attempt of a retried write), and room the write freed goes to the most deserving waiting conversations.
  const matched = !enqueue
    ? null
    : waiting
      ? yield* matchEntry(tx, view.conversationId)
      : yield* heldAssignment(view.conversationId, enqueue.queueId);
  const deliver: Assignment[] = [];
  for (const agentId of freed) deliver.push(...(yield* fillAgent(tx, agentId)));
  // A conversation left waiting in a queue with an overflow limit or business hours needs its dispatcher's timers.
  const watch = [...(enqueue && waiting && !matched && (yield* hasTimers(enqueue.queueId)) ? [enqueue.queueId] : []), ...passedOver];
  // Why it waits, for the supervisor and the customer; cleared once it no longer waits.
  const reason = enqueue && waiting && !matched ? yield* waitingReason(enqueue) : null;
  if (enqueue && input.details) {
    // The workflow keeps the answer in its routing trace (a retry of this very write is answered anew): so do the details.
    const details = { ...input.details, routing: { ...input.details.routing, waiting: reason } };
    yield* run('UPDATE conversations SET waiting_reason = ?, details = ? WHERE conversation_id = ?', [
      reason,
      JSON.stringify(details),
      view.conversationId,
    ]);
  } else if (reason !== null || stored?.waiting_reason) {
    yield* run('UPDATE conversations SET waiting_reason = ? WHERE conversation_id = ?', [reason, view.conversationId]);
  }
  return { matched, deliver, watch, waiting: reason };
}

/** Applies `input`, then the write `then` answers for the match routing made on it, atomically; see CapacityLedger.applyConversationThen. */
export function* applyConversationThen(tx: Tx, input: ApplyConversationInput, then: AfterMatch): Program<EnterOutcome> {
  const first = yield* applyConversation(tx, input);
  // A retry of a write that committed both is told the match it made, and its second write is a retry too.
  const next = first.matched ? then(first.matched) : null;
  if (!next) return { ...first, assigned: false };
  const second = yield* applyConversation(tx, next);
  return {
    matched: first.matched,
    waiting: first.waiting,
    deliver: [...first.deliver, ...second.deliver],
    watch: [...first.watch, ...second.watch],
    assigned: true,
  };
}

/** The match an earlier attempt of this write made, if the conversation holds a reservation. */
function* heldAssignment(conversationId: string, queueId: string): Program<Assignment | null> {
  const held = yield* one<ReservationRow>(`SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE conversation_id = ?`, [conversationId]);
  const queue = held && (yield* queueRow(queueId));
  if (!held || !queue) return null;
  return { conversationId, agentId: held.agent_id, queueId, units: Number(held.units), offer: offerTerms(queue) };
}

function* hasTimers(queueId: string): Program<boolean> {
  return !!(yield* one('SELECT 1 AS x FROM queues WHERE id = ? AND (overflow IS NOT NULL OR hours IS NOT NULL)', [queueId]));
}

/** How a standing offer ended, from the operation that ended it. */
function offerAnswer(op: Operation | null): 'accepted' | 'declined' | 'expired' | 'withdrawn' {
  if (op === Operation.Accept) return 'accepted';
  if (op === Operation.Decline) return 'declined';
  if (op === Operation.OfferExpire) return 'expired';
  return 'withdrawn';
}

function optionalTime(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : isoTime(value);
}

/** What people see change between the stored row and the new one, as this transaction's events. */
function* emitConversationEvents(tx: Tx, before: ConversationRow | undefined, input: ApplyConversationInput): Program<void> {
  const { view } = input;
  const cause = input.transition ?? null;
  const previousAgentId = before?.agent_id && before.agent_id !== view.agentId ? before.agent_id : null;
  const about = { conversationId: view.conversationId, queueId: view.queueId, agentId: view.agentId, previousAgentId };
  const op = cause?.op ?? (before ? null : 'start');
  const actor = cause?.actor ?? null;
  if (!before || before.state !== view.state) {
    const data = { from: before?.state ?? null, to: view.state, op, actor, reason: cause?.reason ?? null, channel: view.channel };
    tx.emit({ type: EventType.ConversationState, ...about, data: { ...data, stateEnteredAt: isoTime(view.stateEnteredAt) } });
  }
  const operation = op === 'start' ? null : op;
  if (view.state === ConversationState.Active && view.agentId && (before?.state !== ConversationState.Active || previousAgentId)) {
    tx.emit({ type: EventType.ConversationAssigned, ...about, data: { op: operation, actor } });
  }
  if (operation === Operation.Transfer) {
    const toAgentId = view.state === ConversationState.Active ? view.agentId : null;
    tx.emit({ type: EventType.ConversationTransferred, ...about, data: { toQueueId: toAgentId ? null : view.queueId, toAgentId, actor } });
  }
  if (input.messageId) {
    const message = yield* one<{ sender: 'customer' | 'agent'; text: string; created_at: string }>(
      'SELECT sender, text, created_at FROM messages WHERE id = ? AND conversation_id = ?',
      [input.messageId, view.conversationId],
    );
    if (message) {
      const data = { messageId: input.messageId, sender: message.sender, text: message.text, createdAt: message.created_at };
      tx.emit({ type: EventType.ConversationMessage, ...about, data });
    }
  }
  if (Number(before?.unread_count ?? 0) !== view.unreadCount) {
    tx.emit({ type: EventType.ConversationUnread, ...about, data: { unreadCount: view.unreadCount } });
  }
  if (view.staleFlaggedAt && before?.stale_flagged_at !== isoTime(view.staleFlaggedAt)) {
    tx.emit({ type: EventType.ConversationStale, ...about, data: { staleFlaggedAt: isoTime(view.staleFlaggedAt) } });
  }
  const offerExpiresAt = optionalTime(view.offerExpiresAt);
  const offeredBefore = before?.offer_agent_id ?? null;
  if (offeredBefore !== view.offerAgentId || (before?.offer_expires_at ?? null) !== offerExpiresAt) {
    // An offer is the offered agent's business: the event concerns them, standing or answered.
    const status: EventData['conversation.offer']['status'] = view.offerAgentId ? 'offered' : offerAnswer(operation);
    const agentId = view.offerAgentId ?? offeredBefore;
    const reserved = view.offerAgentId
      ? yield* one<{ reserved_at: string }>('SELECT reserved_at FROM reservations WHERE conversation_id = ?', [view.conversationId])
      : undefined;
    const data = {
      status,
      agentId,
      expiresAt: offerExpiresAt,
      reason: cause?.reason ?? null,
      offersStopped: view.offersStopped,
      ...(view.offerAgentId ? { reservedAt: reserved?.reserved_at ?? null } : {}),
    };
    tx.emit({ type: EventType.ConversationOffer, ...about, agentId, data });
  }
  const waitingTimeoutAt = optionalTime(view.waitingTimeoutAt);
  const reviveUntil = optionalTime(view.reviveUntil);
  if ((before?.waiting_timeout_at ?? null) !== waitingTimeoutAt || (before?.revive_until ?? null) !== reviveUntil) {
    tx.emit({ type: EventType.ConversationDeadline, ...about, data: { waitingTimeoutAt, reviveUntil } });
  }
}

function* queuesOf(agentId: string): Program<string[]> {
  return (yield* all<{ queue_id: string }>('SELECT queue_id FROM queue_members WHERE agent_id = ? ORDER BY ord', [agentId])).map(
    (m) => m.queue_id,
  );
}

/** Reservations, of one agent or all, oldest first. */
export function* listReservations(_tx: Tx, agentId?: string): Program<Reservation[]> {
  const rows = yield* all<ReservationRow>(
    `SELECT ${RESERVATION_COLUMNS} FROM reservations${agentId === undefined ? '' : ' WHERE agent_id = ?'} ORDER BY reserved_at, conversation_id`,
    agentId === undefined ? [] : [agentId],
  );
  return rows.map(toReservation);
}
