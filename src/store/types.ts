import type { ErrorCode } from '../domain/errors';
import type { AssignmentMethod } from '../domain/assignment-method';
import type { TransitionRecord } from '../domain/operations';
import type { Presence } from '../domain/presence';
import type { Channel, ConversationState } from '../domain/states';

/** An agent as stored. */
export interface AgentRecord {
  id: string;
  name: string;
  /** Total capacity units. */
  capacity: number;
  presence: Presence;
  /** Queue ids the agent belongs to. */
  queues: string[];
  lastAssignedAt: string | null;
  lastReleasedAt: string | null;
}

/** An agent with its current load. */
export interface AgentLoad extends AgentRecord {
  usedUnits: number;
  conversations: number;
}

/** Creates or updates an agent; omitted fields keep their value (or the default on create). */
export interface AgentInput {
  id: string;
  name?: string;
  capacity?: number;
  presence?: Presence;
  queues?: string[];
}

/** A queue as stored. */
export interface QueueRecord {
  id: string;
  name: string;
  /** Lower is served first when an agent belongs to several queues. */
  priority: number;
  assignmentMethod: AssignmentMethod;
  /** Presences that may receive pushed work from this queue. */
  eligiblePresences: Presence[];
  /** Capacity units each conversation of this queue costs (null: the conversation's own). */
  unitsPerConversation: number | null;
  /** Move a conversation to another queue when it has waited this long. */
  overflow: { afterMs: number; toQueueId: string } | null;
}

/** Creates or updates a queue; omitted fields keep their value (or the default on create). */
export interface QueueInput {
  id: string;
  name?: string;
  priority?: number;
  assignmentMethod?: AssignmentMethod;
  eligiblePresences?: Presence[];
  unitsPerConversation?: number | null;
  overflow?: { afterMs: number; toQueueId: string } | null;
}

/** A queue with its depth and oldest wait. */
export interface QueueStats extends QueueRecord {
  depth: number;
  oldestEnqueuedAt: string | null;
  members: number;
}

/** A conversation waiting in a queue. */
export interface QueueEntry {
  conversationId: string;
  queueId: string;
  /** Lower is served first; then arrival order. */
  priority: number;
  units: number;
  enqueuedAt: string;
  /** Revived conversations prefer their last agent when eligible and with room. */
  preferredAgentId: string | null;
}

/** The read model of one conversation, written by the workflow's activities. */
export interface ConversationView {
  conversationId: string;
  state: ConversationState;
  agentId: string | null;
  lastAgentId: string | null;
  queueId: string;
  channel: Channel;
  priority: number;
  units: number;
  customerId: string;
  unreadCount: number;
  createdAt: string;
  stateEnteredAt: string;
  closedAt: string | null;
  staleFlagged: boolean;
  /** When the conversation was flagged for automatic closure (kept once Closed). */
  staleFlaggedAt: string | null;
  /** While Waiting: when the waiting timeout closes it unless agent and customer exchange a message. */
  waitingTimeoutAt: string | null;
  /** While Waiting with the customer connected: until when the customer may revive it. */
  reviveUntil: string | null;
  /** Monotonic per conversation: an older write never overwrites a newer one. */
  version: number;
}

/** Which conversations a supervisor lists: every field given must match. */
export interface ConversationFilter {
  state?: ConversationState;
  queueId?: string;
  /** The agent who has (or, once Closed, last had) the conversation. */
  agentId?: string;
  /** At most this many (1-1,000). */
  limit: number;
}

/** Capacity reserved on an agent for one conversation (at most one per conversation). */
export interface Reservation {
  conversationId: string;
  agentId: string;
  units: number;
  reservedAt: string;
}

/** Ask to reserve capacity for a conversation on an agent. */
export interface ReserveInput {
  conversationId: string;
  agentId: string;
  units: number;
  /** Exceed capacity (pick or supervisor assignment only, when the caller says so). */
  force?: boolean;
  /** Require the agent to be a member of the conversation's queue (pick). */
  requireMembership?: boolean;
}

/** The answer to a claim or reserve: granted, or a refusal with its reason. */
export type ReserveOutcome = { ok: true; agentId: string } | { ok: false; code: ErrorCode; message: string };

/** One store write following a lifecycle transition, applied in one transaction. */
export interface ApplyConversationInput {
  view: ConversationView;
  /** Drop the conversation's reservation (idempotent). */
  release: boolean;
  /** Put the conversation in `view.queueId` (idempotent: an existing entry is kept). */
  enqueue: QueueEntry | null;
  /** Take the conversation out of any queue (idempotent). */
  dequeue: boolean;
  /** The transition this write follows (its event says what caused it); none for a write that changes no state. */
  transition?: TransitionRecord | null;
  /** The chat message this write counts (its event carries the stored text). */
  messageId?: string | null;
}

/** A match made by dispatch: capacity is already reserved and the entry dequeued. */
export interface Assignment {
  conversationId: string;
  agentId: string;
  queueId: string;
  units: number;
}

/** Who wrote a chat message. */
export type ChatSender = 'customer' | 'agent';

/** A chat message as stored (its text never goes through workflow history). */
export interface ChatMessage {
  id: string;
  conversationId: string;
  sender: ChatSender;
  text: string;
  createdAt: string;
}

/** A message to store; `id` makes the write idempotent. */
export type NewChatMessage = Omit<ChatMessage, 'createdAt'>;

/** The first answer given to a request carrying an idempotency key. */
export interface IdempotencyRecord {
  scope: string;
  key: string;
  /** The answer, serialised as JSON text. */
  response: string;
  createdAt: string;
}

/** What an applyConversation write changed, for routing to act on. */
export interface ApplyOutcome {
  /** The queue the conversation now waits in, when the write queued it. */
  enqueuedIn: string | null;
  /** The agent whose reservation the write dropped, with that agent's queues. */
  released: { agentId: string; queues: string[] } | null;
}

/** Entries of a queue that waited past its overflow limit, and when the next one will. */
export interface OverflowDue {
  toQueueId: string | null;
  due: QueueEntry[];
  /** When the oldest entry not due yet reaches the limit (null: none, or no overflow). */
  nextAt: string | null;
}
