import type { TransitionRecord } from '../../domain/operations';
import type { ConversationDetails } from '../../domain/snapshot';
import { LOG_LIMIT } from '../../domain/snapshot';
import { WORK_ITEM_STATES, ConversationState } from '../../domain/states';
import type { DetailsWrite } from '../conversation-write';
import type { Program, Tx } from '../program';
import { all, one, placeholders } from '../program';
import type { ConversationRow, EntryRow } from '../rows';
import { ENTRY_COLUMNS, toEntry, toView, VIEW_COLUMNS } from '../rows';
import type { ConversationFilter, ConversationView, QueueEntry } from '../types';
import { invalid } from '../validation';

const VIEW = `SELECT ${VIEW_COLUMNS.join(', ')} FROM conversations`;

/** One conversation's read model. */
export function* getConversation(_tx: Tx, conversationId: string): Program<ConversationView | null> {
  const row = yield* one<ConversationRow>(`${VIEW} WHERE conversation_id = ?`, [conversationId]);
  return row ? toView(row) : null;
}

/**
 * One conversation in full, as its workflow's snapshot answers it: the row,
 * the details written with it and the last LOG_LIMIT transitions. Null when
 * the store does not know it in full (no details: written before they were
 * kept, or by a writer without them; a log missing its first transitions).
 */
export function* getConversationDetails(_tx: Tx, conversationId: string): Program<ConversationDetails | null> {
  const row = yield* one<ConversationRow & { details: string | null }>(
    `SELECT ${VIEW_COLUMNS.join(', ')}, details FROM conversations WHERE conversation_id = ?`,
    [conversationId],
  );
  if (!row?.details) return null;
  const details = JSON.parse(row.details) as DetailsWrite;
  const kept = Math.min(LOG_LIMIT, details.transitionCount);
  const log = (yield* all<{ n: number | string; record: string }>(
    'SELECT n, record FROM conversation_transitions WHERE conversation_id = ? ORDER BY n DESC LIMIT ?',
    [conversationId, kept],
  )).reverse();
  // Complete: exactly the `kept` newest, numbered up to the count.
  if (log.length !== kept || (kept > 0 && Number(log[log.length - 1]?.n) !== details.transitionCount)) return null;
  if (kept > 0 && Number(log[0]?.n) !== details.transitionCount - kept + 1) return null;
  const view = toView(row);
  const { transitionCount, ...rest } = details;
  return {
    conversationId: view.conversationId,
    state: view.state,
    queueId: view.queueId,
    channel: view.channel,
    priority: view.priority,
    units: view.units,
    customer: rest.customer,
    agentId: view.agentId,
    lastAgentId: view.lastAgentId,
    capacityHeld: rest.capacityHeld,
    customerConnected: rest.customerConnected,
    createdAt: view.createdAt,
    stateEnteredAt: view.stateEnteredAt,
    enteredAt: rest.enteredAt,
    staleFlaggedAt: view.staleFlaggedAt,
    lastExchangeAt: rest.lastExchangeAt,
    unreadCount: view.unreadCount,
    messageCount: rest.messageCount,
    closedReason: rest.closedReason,
    offer: rest.offer,
    excludedAgents: rest.excludedAgents,
    pastOffers: rest.pastOffers,
    declines: rest.declines,
    requirements: rest.requirements,
    routing: rest.routing,
    offersStopped: view.offersStopped,
    version: view.version,
    transitions: log.map((r) => JSON.parse(r.record) as TransitionRecord),
    transitionsDropped: transitionCount - kept,
    refusedSignals: rest.refusedSignals,
  };
}

/** An agent's Active, Wrap-up and Waiting conversations, and those offered to them (Open), oldest first. */
export function* listWorkItems(_tx: Tx, agentId: string): Program<ConversationView[]> {
  const mine = yield* all<ConversationRow>(`${VIEW} WHERE agent_id = ? AND state IN (${placeholders(WORK_ITEM_STATES.length)})`, [
    agentId,
    ...WORK_ITEM_STATES,
  ]);
  const offered = yield* all<ConversationRow>(`${VIEW} WHERE offer_agent_id = ? AND state = ?`, [agentId, ConversationState.Open]);
  return [...mine, ...offered]
    .sort((a, b) =>
      a.created_at === b.created_at ? a.conversation_id.localeCompare(b.conversation_id) : a.created_at < b.created_at ? -1 : 1,
    )
    .map(toView);
}

/** An agent's conversations closed at or after `since`, newest first. */
export function* listClosedWorkItems(_tx: Tx, agentId: string, since: Date): Program<ConversationView[]> {
  const rows = yield* all<ConversationRow>(
    `${VIEW} WHERE agent_id = ? AND state = ? AND closed_at >= ? ORDER BY closed_at DESC, conversation_id`,
    [agentId, ConversationState.Closed, since.toISOString()],
  );
  return rows.map(toView);
}

/** A queue's entries in service order: priority, then arrival, then seq. */
export function* listQueueEntries(_tx: Tx, queueId: string, limit?: number): Program<QueueEntry[]> {
  const bounded = limit !== undefined;
  const rows = yield* all<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM queue_entries WHERE queue_id = ? ORDER BY priority, enqueued_at, seq${bounded ? ' LIMIT ?' : ''}`,
    bounded ? [queueId, Math.max(0, Math.floor(limit))] : [queueId],
  );
  return rows.map(toEntry);
}

/**
 * Conversations matching the filter, newest first. Bounded by `limit`; each
 * filter has an index to start from (agent and state, queue and state, state
 * and creation time, creation time).
 */
export function* listConversations(_tx: Tx, filter: ConversationFilter): Program<ConversationView[]> {
  const { limit } = filter;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid(`Conversation limit must be 1-1000 (got ${limit}).`);
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  add('state', filter.state);
  add('queue_id', filter.queueId);
  add('agent_id', filter.agentId);
  const rows = yield* all<ConversationRow>(
    `${VIEW}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, conversation_id LIMIT ?`,
    [...params, limit],
  );
  return rows.map(toView);
}
