import type { Actor, Operation } from './operations';
import type { Presence } from './presence';
import type { Channel, ConversationState } from './states';

/**
 * Every change a person would see, as an event type. Each event is written in
 * the same store transaction as the change it reports (the `events` outbox),
 * with an id that increases in commit order, so a stream resumed after its last
 * id misses nothing and never sees a change that did not happen.
 */
export const EventType = {
  /** A conversation entered a state (also its first, Open). */
  ConversationState: 'conversation.state',
  /** A conversation got an agent (assignment, pick, reopen, direct transfer). */
  ConversationAssigned: 'conversation.assigned',
  /** An agent handed a conversation to a queue or another agent. */
  ConversationTransferred: 'conversation.transferred',
  /** A chat message was sent (its text is in the event). */
  ConversationMessage: 'conversation.message',
  /** The agent's unread count of the conversation changed. */
  ConversationUnread: 'conversation.unread',
  /** The conversation was flagged for automatic closure. */
  ConversationStale: 'conversation.stale',
  /** A deadline the people involved should know changed: the waiting timeout, the revive window. */
  ConversationDeadline: 'conversation.deadline',
  /** An offer was made to an agent, or answered (accepted, declined, expired, withdrawn); `agentId` is the offered agent. */
  ConversationOffer: 'conversation.offer',
  /** An agent's presence changed. */
  AgentPresence: 'agent.presence',
  /** An agent's used capacity changed. */
  AgentCapacity: 'agent.capacity',
  /** A queue's depth or oldest wait changed. */
  QueueStats: 'queue.stats',
  /** A queue opened or closed (business hours), or its hours changed. */
  QueueHours: 'queue.hours',
} as const;

/** One of the event types. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** Every event type. */
export const ALL_EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** The payload of each event type. */
export interface EventData {
  'conversation.state': {
    from: ConversationState | null;
    to: ConversationState;
    /** What caused it (null when the writer did not say: a store-level write). */
    op: Operation | 'start' | null;
    actor: Actor | null;
    reason: string | null;
    channel: Channel;
    stateEnteredAt: string;
  };
  'conversation.assigned': { op: Operation | null; actor: Actor | null };
  'conversation.transferred': { toQueueId: string | null; toAgentId: string | null; actor: Actor | null };
  'conversation.message': { messageId: string; sender: 'customer' | 'agent'; text: string; createdAt: string };
  'conversation.unread': { unreadCount: number };
  'conversation.stale': { staleFlaggedAt: string };
  'conversation.deadline': { waitingTimeoutAt: string | null; reviveUntil: string | null };
  'conversation.offer': {
    status: 'offered' | 'accepted' | 'declined' | 'expired' | 'withdrawn';
    agentId: string | null;
    /** While offered: when the countdown ends. */
    expiresAt: string | null;
    reason: string | null;
    /** Declines and misses reached the queue's limit: no longer pushed; the supervisor should look. */
    offersStopped: boolean;
    /**
     * While offered: when routing reserved the agent's room for it. From then
     * to this event's commit the room was held with no offer shown: the hand-off
     * from the routing engine to the conversation's workflow.
     */
    reservedAt?: string | null;
  };
  /** `reason` says why when the engine changed it (a missed offer); null when the agent or the admin did. */
  'agent.presence': { presence: Presence; previous: Presence | null; reason: string | null };
  'agent.capacity': { usedUnits: number; capacity: number; conversations: number };
  'queue.stats': {
    depth: number;
    oldestEnqueuedAt: string | null;
    /** Recent waits' moving average once enough were measured (see QueueStats.estimatedWaitMs); null until then. */
    estimatedWaitMs: number | null;
    /** Conversations that entered the queue in this change, with their place in its service order. */
    entered: QueuePlace[];
    /** Conversations that left the queue in this change (assigned, offered, closed, moved). */
    left: string[];
  };
  'queue.hours': {
    open: boolean;
    /** When it next opens (while closed) or closes (while open); null: not as far as the schedule goes. */
    changeAt: string | null;
    /** Where its waiting conversations go while it is closed (null: they wait for the opening). */
    outOfHoursQueueId: string | null;
  };
}

/** A conversation's place in its queue's service order: priority, then arrival, then seq. */
export interface QueuePlace {
  conversationId: string;
  priority: number;
  enqueuedAt: string;
  seq: number;
}

/**
 * An event before it is stored: its type, payload, and whom it concerns. The
 * concern fields decide who may see it (src/api's event scopes): the
 * conversation, its queue, the agent who has it after the change, and the
 * agent who had it before when that is someone else (a transfer, a revive).
 */
export type EventDraft = {
  [T in EventType]: {
    type: T;
    data: EventData[T];
    conversationId?: string | null;
    queueId?: string | null;
    agentId?: string | null;
    previousAgentId?: string | null;
  };
}[EventType];

/** A stored event: the draft with its id (increasing in commit order) and commit time. */
export type StoredEvent = {
  [T in EventType]: {
    id: number;
    type: T;
    at: string;
    conversationId: string | null;
    queueId: string | null;
    agentId: string | null;
    previousAgentId: string | null;
    data: EventData[T];
  };
}[EventType];
