import type { ErrorCode } from '../domain/errors';
import type { AssignmentMethod, Presence } from '../domain/routing';
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
  /** Monotonic per conversation: an older write never overwrites a newer one. */
  version: number;
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

/**
 * The agent-capacity store: agents, presence, queues, queue entries, capacity
 * reservations and the conversation read model. Every write is idempotent so an
 * activity retried after a crash neither reserves twice nor loses a release.
 */
export interface CapacityStore {
  /** Creates or upgrades the schema (versioned migrations). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  upsertAgent(input: AgentInput): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | null>;
  listAgents(): Promise<AgentLoad[]>;
  setPresence(agentId: string, presence: Presence): Promise<AgentRecord | null>;

  upsertQueue(input: QueueInput): Promise<QueueRecord>;
  getQueue(id: string): Promise<QueueRecord | null>;
  listQueues(): Promise<QueueStats[]>;

  /**
   * Open -> Active in one transaction: the conversation must still be queued (or
   * already reserved for this same agent, which makes a retry succeed), the agent
   * must exist and have room unless forced; then the entry is dequeued and the
   * capacity reserved. Exactly one of two racing claims wins.
   */
  claim(input: ReserveInput): Promise<ReserveOutcome>;
  /** Reserves capacity without a queue entry (reopen from Waiting); idempotent for the same agent. */
  reserve(input: ReserveInput): Promise<ReserveOutcome>;
  /** Applies a transition's effects and read-model update atomically. */
  applyConversation(input: ApplyConversationInput): Promise<void>;
  /**
   * Drops a conversation's reservation outside a lifecycle write (a dispatch
   * match whose conversation ended meanwhile). Idempotent; with `agentId`, only
   * that agent's reservation is dropped. Returns what was released, if anything.
   */
  releaseReservation(conversationId: string, agentId?: string): Promise<Reservation | null>;
  /** Matches queue heads to eligible agents and reserves, atomically; at most `limit` matches. */
  dispatch(queueId: string, limit: number): Promise<Assignment[]>;

  getConversation(id: string): Promise<ConversationView | null>;
  /** Active, Wrap-up and Waiting conversations of an agent. */
  listWorkItems(agentId: string): Promise<ConversationView[]>;
  /** Conversations of an agent closed at or after `since`. */
  listClosedWorkItems(agentId: string, since: Date): Promise<ConversationView[]>;
  /** Open conversations of a queue in service order (priority, then arrival). */
  listQueueEntries(queueId: string, limit?: number): Promise<QueueEntry[]>;
  /** Entries that waited past the queue's overflow limit at `now`, and when the next one will. */
  overflowDue(queueId: string, now: Date, limit: number): Promise<{ toQueueId: string | null; due: QueueEntry[]; nextAt: string | null }>;
  /** Whether some entry of the queue fits an eligible member's free room now (a lock-free read). */
  hasDispatchableWork(queueId: string): Promise<boolean>;
  /** Dispatch matches whose conversation is still Open: reserved at or before `reservedBefore`, not yet delivered. */
  listUndeliveredAssignments(queueId: string, reservedBefore: Date): Promise<Assignment[]>;
  /** All reservations (for invariant checks and supervisors). */
  listReservations(agentId?: string): Promise<Reservation[]>;

  /** Stores a message unless one with its id exists; returns the stored one (a retry gets the first). */
  addMessage(message: NewChatMessage): Promise<ChatMessage>;
  /** Deletes a message (undoing a send the conversation refused); idempotent. */
  deleteMessage(id: string): Promise<void>;
  /** A conversation's messages in send order, at most `limit`. */
  listMessages(conversationId: string, limit?: number): Promise<ChatMessage[]>;

  /**
   * Records the SHA-256 hash of an agent's bearer token (the token itself is
   * never stored), valid until `expiresAt` (ISO time; null or omitted: until
   * revoked). Idempotent: a repeated add keeps the first expiry.
   */
  addAgentToken(agentId: string, tokenHash: string, expiresAt?: string | null): Promise<void>;
  /** Forgets a token hash; idempotent. */
  deleteAgentToken(tokenHash: string): Promise<void>;
  /** The agent whose unexpired token has this hash, if any. */
  findAgentByTokenHash(tokenHash: string): Promise<string | null>;
  /** Revokes every token of an agent except `keepHash` (sign out everywhere); returns how many were revoked. */
  revokeAgentTokens(agentId: string, keepHash?: string): Promise<number>;

  /** The answer recorded for an idempotency key, if any. */
  getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Records an answer unless one exists for the key; returns the one that stands (the first). */
  saveIdempotencyRecord(scope: string, key: string, response: string): Promise<IdempotencyRecord>;
}
