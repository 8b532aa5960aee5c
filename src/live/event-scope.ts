import type { EventType, StoredEvent } from '../domain/events';
import { EventType as E } from '../domain/events';
import { ConversationState } from '../domain/states';

/** What the caller of a stream may see, from their token: the admin everything, an agent their work and queues, a customer one conversation. */
export type StreamAudience =
  { kind: 'admin' } | { kind: 'agent'; agentId: string; queues: readonly string[] } | { kind: 'customer'; conversationId: string };

/** Narrowing anyone may ask for (`?types=`, and `?queue=`, `?agent=`, `?conversation=`); each set field must match. */
export interface StreamFilter {
  types?: readonly EventType[];
  queueId?: string;
  /** The agent who has the conversation after the change or had it before. */
  agentId?: string;
  conversationId?: string;
}

/** The conversation events a customer sees of their own conversation (never unread counts, stale flags, other agents or queues). */
const CUSTOMER_TYPES: ReadonlySet<EventType> = new Set([
  E.ConversationState,
  E.ConversationAssigned,
  E.ConversationTransferred,
  E.ConversationMessage,
  E.ConversationDeadline,
]);

/** Whether a conversation.state event enters or leaves Open: what an "Open work" list of a queue needs. */
function touchesOpen(event: StoredEvent): boolean {
  return event.type === E.ConversationState && (event.data.from === ConversationState.Open || event.data.to === ConversationState.Open);
}

/**
 * Whether `audience` may see `event`. The one place where stream scope is
 * decided (tests walk it through the stream). An agent sees conversations they
 * have or just lost, but message text only of those they have now.
 */
export function visibleTo(audience: StreamAudience, event: StoredEvent): boolean {
  switch (audience.kind) {
    case 'admin':
      return true;
    case 'customer':
      return event.conversationId === audience.conversationId && CUSTOMER_TYPES.has(event.type);
    case 'agent': {
      const me = audience.agentId;
      switch (event.type) {
        case E.AgentPresence:
        case E.AgentCapacity:
          return event.agentId === me;
        case E.QueueStats:
        case E.QueueHours:
          return event.queueId !== null && audience.queues.includes(event.queueId);
        case E.ConversationMessage:
          return event.agentId === me;
        default:
          if (event.agentId === me || event.previousAgentId === me) return true;
          return touchesOpen(event) && event.queueId !== null && audience.queues.includes(event.queueId);
      }
    }
  }
}

/** Whether `event` passes the caller's narrowing. */
export function matchesFilter(filter: StreamFilter, event: StoredEvent): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.conversationId !== undefined && event.conversationId !== filter.conversationId) return false;
  if (filter.queueId !== undefined && event.queueId !== filter.queueId) return false;
  if (filter.agentId !== undefined && event.agentId !== filter.agentId && event.previousAgentId !== filter.agentId) return false;
  return true;
}
