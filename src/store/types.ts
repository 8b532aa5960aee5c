import type { ErrorCode } from '../domain/errors';
import type { AssignmentMethod } from '../domain/assignment-method';
import type { BusinessHours } from '../domain/business-hours';
import type { Presence } from '../domain/presence';
import type { Skills } from '../domain/skills';
import type { Channel, ConversationState } from '../domain/states';

/** An agent as stored. */
export interface AgentRecord {
  id: string;
  name: string;
  /** Total capacity units. */
  capacity: number;
  /** The presence in force: the agent's own choice, or (automatic presence) derived from it and the load. */
  presence: Presence;
  /** The presence the agent (or the admin, or a missed offer) chose. */
  chosenPresence: Presence;
  /**
   * Automatic presence: while the chosen presence is Available, the presence in
   * force is Busy with capacity partly used, BusyDND when full, Available when
   * room returns. Any other choice (Away, Offline, DND) is never overridden.
   */
  autoPresence: boolean;
  /** Skills and proficiency (1-10): skill id -> proficiency. */
  skills: Skills;
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
  /** The agent's chosen presence. */
  presence?: Presence;
  queues?: string[];
  autoPresence?: boolean;
  /** Replaces the agent's skills (skill id -> proficiency 1-10). */
  skills?: Skills;
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
  /** `autoAccept`: pushed work becomes the agent's at once; `offer`: the agent accepts or declines first. */
  offerMode: OfferMode;
  /** Offer mode: how long an agent has to accept. */
  offerTimeoutMs: number;
  /** Offer mode: after this many declines and misses a conversation is no longer pushed. */
  maxDeclines: number;
  /** Offer mode: the presence an agent who lets an offer expire is set to (null: unchanged). */
  missedOfferPresence: Presence | null;
  /** Business hours (null: always open). Outside them nothing is pushed from the queue. */
  hours: BusinessHours | null;
  /** Outside business hours, waiting conversations move to this queue (null: they wait for the opening). */
  outOfHoursQueueId: string | null;
  /** Whether the queue is within its business hours now (always true without hours). */
  open: boolean;
  /** When the queue next opens or closes (null: no hours, or never). */
  hoursChangeAt: string | null;
}

/** How a queue hands pushed work to an agent. */
export type OfferMode = 'autoAccept' | 'offer';

/** Creates or updates a queue; omitted fields keep their value (or the default on create). */
export interface QueueInput {
  id: string;
  name?: string;
  priority?: number;
  assignmentMethod?: AssignmentMethod;
  eligiblePresences?: Presence[];
  unitsPerConversation?: number | null;
  overflow?: { afterMs: number; toQueueId: string } | null;
  offerMode?: OfferMode;
  offerTimeoutMs?: number;
  maxDeclines?: number;
  missedOfferPresence?: Presence | null;
  hours?: BusinessHours | null;
  outOfHoursQueueId?: string | null;
}

/** A queue with its depth and oldest wait. */
export interface QueueStats extends QueueRecord {
  depth: number;
  oldestEnqueuedAt: string | null;
  members: number;
  /**
   * The moving average of recent waits (arrival to being matched), A = 0.9 A' + 0.1 W,
   * shown once 20 waits were measured (null before): cheap to keep, and quick to follow a change of pace.
   */
  estimatedWaitMs: number | null;
  /** How many waits the average has seen. */
  waitSamples: number;
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
  /**
   * False once offers stopped (too many declines): the entry waits for a pick or the supervisor. Default true.
   * As stored, also false while the queue is outside its business hours.
   */
  pushable?: boolean;
  /** Skills an agent must have to be pushed it (default none). */
  requirements?: { skill: string; minProficiency: number }[];
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
  /** When the conversation was flagged for automatic closure (kept once Closed). */
  staleFlaggedAt: string | null;
  /** While Waiting: when the waiting timeout closes it unless agent and customer exchange a message. */
  waitingTimeoutAt: string | null;
  /** While Waiting with the customer connected: until when the customer may revive it. */
  reviveUntil: string | null;
  /** While an offer stands: the agent it is offered to, and until when. */
  offerAgentId: string | null;
  offerExpiresAt: string | null;
  /** Offers stopped after too many declines: it waits for a pick or the supervisor. */
  offersStopped: boolean;
  /** Why it waits, as routing found when it last entered a queue (null: it does not wait, or routing said nothing). */
  waitingReason: string | null;
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

/** Entries of a queue that waited past its overflow limit, and when the next one will. */
export interface OverflowDue {
  toQueueId: string | null;
  /** Why they move: waited past the overflow limit, or the queue is outside its business hours. */
  reason: 'overflow' | 'outOfHours';
  due: QueueEntry[];
  /** When the oldest entry not due yet reaches the limit (null: none, or no overflow). */
  nextAt: string | null;
}
