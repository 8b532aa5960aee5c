import { Channel, ConversationState } from '../../domain/states';
import type { ConversationView } from './types';

/** A conversation new to a page, from what an event says of it; the next read fills in the rest. */
export function blankConversation(
  conversationId: string,
  at: string,
  known: Pick<ConversationView, 'state' | 'agentId' | 'queueId'>,
): ConversationView {
  return {
    conversationId,
    lastAgentId: null,
    channel: Channel.Chat,
    priority: 0,
    units: 0,
    customerId: '',
    unreadCount: 0,
    createdAt: at,
    stateEnteredAt: at,
    closedAt: null,
    staleFlaggedAt: null,
    waitingTimeoutAt: null,
    reviveUntil: null,
    offerAgentId: null,
    offerExpiresAt: null,
    offersStopped: false,
    waitingReason: null,
    version: 0,
    ...known,
  };
}

/** An Open conversation no longer pushed to anyone: a supervisor should assign it. */
export function needsAssignment(c: Pick<ConversationView, 'state' | 'offersStopped'>): boolean {
  return c.state === ConversationState.Open && c.offersStopped;
}
