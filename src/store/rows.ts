import type { AssignmentMethod } from '../domain/assignment-method';
import type { BusinessHours } from '../domain/business-hours';
import type { Presence } from '../domain/presence';
import type { Channel, ConversationState } from '../domain/states';
import type { Skills } from '../domain/skills';
import type { AgentRecord, ConversationView, OfferMode, QueueEntry, QueueRecord, Reservation } from './types';

// Rows as the drivers return them. PostgreSQL returns BIGINT and COUNT/SUM as
// strings, so every number goes through Number() when mapped.
type Num = number | string;

/** Columns selected for an agent. */
export const AGENT_COLUMNS = 'id, name, capacity, presence, chosen_presence, auto_presence, used_units, last_assigned_at, last_released_at';
/** An `agents` row. */
export interface AgentRow {
  id: string;
  name: string;
  capacity: Num;
  presence: Presence;
  chosen_presence: Presence;
  auto_presence: Num;
  used_units: Num;
  last_assigned_at: string | null;
  last_released_at: string | null;
}

/** Columns selected for a queue. */
export const QUEUE_COLUMNS =
  'id, name, priority, assignment_method, eligible_presences, units_per_conversation, overflow, rr_position, rr_agent_id, offer_mode, offer_timeout_ms, max_declines, missed_offer_presence, hours, out_of_hours_queue_id, hours_open, hours_next_change_at';
/** A `queues` row (presences and overflow are JSON text). */
export interface QueueRow {
  id: string;
  name: string;
  priority: Num;
  assignment_method: AssignmentMethod;
  eligible_presences: string;
  units_per_conversation: Num | null;
  overflow: string | null;
  rr_position: Num | null;
  rr_agent_id: string | null;
  offer_mode: OfferMode;
  offer_timeout_ms: Num;
  max_declines: Num;
  missed_offer_presence: Presence | null;
  hours: string | null;
  out_of_hours_queue_id: string | null;
  hours_open: Num;
  hours_next_change_at: string | null;
}

/** Columns selected for a queue entry. */
export const ENTRY_COLUMNS = 'conversation_id, queue_id, priority, units, enqueued_at, preferred_agent_id, pushable, seq';
/** A `queue_entries` row. */
export interface EntryRow {
  conversation_id: string;
  queue_id: string;
  priority: Num;
  units: Num;
  enqueued_at: string;
  preferred_agent_id: string | null;
  pushable: Num;
  seq: Num;
}

/** Columns selected for a reservation. */
export const RESERVATION_COLUMNS = 'conversation_id, agent_id, units, reserved_at';
/** A `reservations` row. */
export interface ReservationRow {
  conversation_id: string;
  agent_id: string;
  units: Num;
  reserved_at: string;
}

/** Columns of the conversation read model a transition writes, in insert order. */
export const CONVERSATION_COLUMNS = [
  'conversation_id',
  'state',
  'agent_id',
  'last_agent_id',
  'queue_id',
  'channel',
  'priority',
  'units',
  'customer_id',
  'unread_count',
  'created_at',
  'state_entered_at',
  'closed_at',
  'stale_flagged',
  'stale_flagged_at',
  'waiting_timeout_at',
  'revive_until',
  'offer_agent_id',
  'offer_expires_at',
  'offers_stopped',
  'version',
] as const;
/** Every read-model column: the written ones, then those routing sets in the same transaction. */
export const VIEW_COLUMNS = [...CONVERSATION_COLUMNS, 'waiting_reason'] as const;
/** A `conversations` row. */
export interface ConversationRow {
  conversation_id: string;
  state: ConversationState;
  agent_id: string | null;
  last_agent_id: string | null;
  queue_id: string;
  channel: Channel;
  priority: Num;
  units: Num;
  customer_id: string;
  unread_count: Num;
  created_at: string;
  state_entered_at: string;
  closed_at: string | null;
  stale_flagged: Num;
  stale_flagged_at: string | null;
  waiting_timeout_at: string | null;
  revive_until: string | null;
  offer_agent_id: string | null;
  offer_expires_at: string | null;
  offers_stopped: Num;
  waiting_reason: string | null;
  version: Num;
}

/** Maps an agent row, its ordered queue ids and its skills to the API shape. */
export function toAgent(row: AgentRow, queues: string[], skills: Skills): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    capacity: Number(row.capacity),
    presence: row.presence,
    chosenPresence: row.chosen_presence,
    autoPresence: Number(row.auto_presence) === 1,
    skills,
    queues,
    lastAssignedAt: row.last_assigned_at,
    lastReleasedAt: row.last_released_at,
  };
}

/** Maps a queue row to the API shape. */
export function toQueue(row: QueueRow): QueueRecord {
  return {
    id: row.id,
    name: row.name,
    priority: Number(row.priority),
    assignmentMethod: row.assignment_method,
    eligiblePresences: JSON.parse(row.eligible_presences) as Presence[],
    unitsPerConversation: row.units_per_conversation === null ? null : Number(row.units_per_conversation),
    overflow: row.overflow === null ? null : (JSON.parse(row.overflow) as QueueRecord['overflow']),
    offerMode: row.offer_mode,
    offerTimeoutMs: Number(row.offer_timeout_ms),
    maxDeclines: Number(row.max_declines),
    missedOfferPresence: row.missed_offer_presence,
    hours: row.hours === null ? null : (JSON.parse(row.hours) as BusinessHours),
    outOfHoursQueueId: row.out_of_hours_queue_id,
    open: Number(row.hours_open) === 1,
    hoursChangeAt: row.hours_next_change_at,
  };
}

/** Maps a queue entry row to the API shape. */
export function toEntry(row: EntryRow): QueueEntry {
  return {
    conversationId: row.conversation_id,
    queueId: row.queue_id,
    priority: Number(row.priority),
    units: Number(row.units),
    enqueuedAt: row.enqueued_at,
    preferredAgentId: row.preferred_agent_id,
    pushable: Number(row.pushable) === 1,
  };
}

/** Maps a reservation row to the API shape. */
export function toReservation(row: ReservationRow): Reservation {
  return { conversationId: row.conversation_id, agentId: row.agent_id, units: Number(row.units), reservedAt: row.reserved_at };
}

/** Maps a read-model row to the API shape. */
export function toView(row: ConversationRow): ConversationView {
  return {
    conversationId: row.conversation_id,
    state: row.state,
    agentId: row.agent_id,
    lastAgentId: row.last_agent_id,
    queueId: row.queue_id,
    channel: row.channel,
    priority: Number(row.priority),
    units: Number(row.units),
    customerId: row.customer_id,
    unreadCount: Number(row.unread_count),
    createdAt: row.created_at,
    stateEnteredAt: row.state_entered_at,
    closedAt: row.closed_at,
    staleFlaggedAt: row.stale_flagged_at,
    waitingTimeoutAt: row.waiting_timeout_at,
    reviveUntil: row.revive_until,
    offerAgentId: row.offer_agent_id,
    offerExpiresAt: row.offer_expires_at,
    offersStopped: Number(row.offers_stopped) === 1,
    waitingReason: row.waiting_reason,
    version: Number(row.version),
  };
}
