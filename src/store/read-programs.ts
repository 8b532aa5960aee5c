import { WORK_ITEM_STATES, ConversationState } from '../domain/states';
import type { Program } from './program';
import { all, one, placeholders } from './program';
import type { ConversationRow, EntryRow, ReservationRow } from './rows';
import { CONVERSATION_COLUMNS, ENTRY_COLUMNS, RESERVATION_COLUMNS, toEntry, toReservation, toView } from './rows';
import type { Assignment, ConversationView, QueueEntry, Reservation } from './types';

const VIEW = `SELECT ${CONVERSATION_COLUMNS.join(', ')} FROM conversations`;

/** One conversation's read model. */
export function* getConversation(conversationId: string): Program<ConversationView | null> {
  const row = yield* one<ConversationRow>(`${VIEW} WHERE conversation_id = ?`, [conversationId]);
  return row ? toView(row) : null;
}

/** An agent's Active, Wrap-up and Waiting conversations, oldest first. */
export function* listWorkItems(agentId: string): Program<ConversationView[]> {
  const rows = yield* all<ConversationRow>(
    `${VIEW} WHERE agent_id = ? AND state IN (${placeholders(WORK_ITEM_STATES.length)}) ORDER BY created_at, conversation_id`,
    [agentId, ...WORK_ITEM_STATES],
  );
  return rows.map(toView);
}

/** An agent's conversations closed at or after `since`, newest first. */
export function* listClosedWorkItems(agentId: string, since: Date): Program<ConversationView[]> {
  const rows = yield* all<ConversationRow>(
    `${VIEW} WHERE agent_id = ? AND state = ? AND closed_at >= ? ORDER BY closed_at DESC, conversation_id`,
    [agentId, ConversationState.Closed, since.toISOString()],
  );
  return rows.map(toView);
}

/** A queue's entries in service order: priority, then arrival. */
export function* listQueueEntries(queueId: string, limit?: number): Program<QueueEntry[]> {
  const bounded = limit !== undefined;
  const rows = yield* all<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? ORDER BY priority, seq${bounded ? ' LIMIT ?' : ''}`,
    bounded ? [queueId, Math.max(0, Math.floor(limit))] : [queueId],
  );
  return rows.map(toEntry);
}

/** Reservations, of one agent or all, oldest first. */
export function* listReservations(agentId?: string): Program<Reservation[]> {
  const rows = yield* all<ReservationRow>(
    `SELECT ${RESERVATION_COLUMNS} FROM reservations${agentId === undefined ? '' : ' WHERE agent_id = ?'} ORDER BY reserved_at, conversation_id`,
    agentId === undefined ? [] : [agentId],
  );
  return rows.map(toReservation);
}

/**
 * Matches made by dispatch that their conversation has not taken up yet: the
 * reservation exists while the read model still says Open. After a crash
 * between matching and signalling, the dispatcher re-delivers these.
 */
export function* listUndeliveredAssignments(queueId: string, reservedBefore: Date): Program<Assignment[]> {
  const rows = yield* all<{ conversation_id: string; agent_id: string; units: number; queue_id: string }>(
    `SELECT r.conversation_id, r.agent_id, r.units, c.queue_id FROM reservations r
       JOIN conversations c ON c.conversation_id = r.conversation_id
      WHERE c.queue_id = ? AND c.state = ? AND r.reserved_at <= ?
      ORDER BY r.reserved_at, r.conversation_id`,
    [queueId, ConversationState.Open, reservedBefore.toISOString()],
  );
  return rows.map((r) => ({ conversationId: r.conversation_id, agentId: r.agent_id, queueId: r.queue_id, units: Number(r.units) }));
}
