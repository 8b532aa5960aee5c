import type { Effects } from '../src/domain/transition';
import type { ConversationSnapshot } from '../src/domain/snapshot';
import type { ApplyConversationInput, ConversationView } from '../src/store/types';

/** The read-model row for a snapshot. */
export function toView(s: ConversationSnapshot): ConversationView {
  return {
    conversationId: s.conversationId,
    state: s.state,
    agentId: s.agentId,
    lastAgentId: s.lastAgentId,
    queueId: s.queueId,
    channel: s.channel,
    priority: s.priority,
    units: s.units,
    customerId: s.customer.id,
    unreadCount: s.unreadCount,
    createdAt: s.createdAt,
    stateEnteredAt: s.stateEnteredAt,
    closedAt: s.state === 'Closed' ? s.stateEnteredAt : null,
    staleFlagged: s.staleFlaggedAt !== null,
    version: s.version,
  };
}

/** The store write that follows a committed transition. */
export function toApplyInput(s: ConversationSnapshot, effects: Effects, preferredAgentId: string | null): ApplyConversationInput {
  return {
    view: toView(s),
    release: effects.release,
    dequeue: effects.dequeue,
    enqueue: effects.enqueue
      ? {
          conversationId: s.conversationId,
          queueId: s.queueId,
          priority: s.priority,
          units: s.units,
          enqueuedAt: s.stateEnteredAt,
          preferredAgentId,
        }
      : null,
  };
}
