import type { ConversationSnapshot } from './snapshot';
import type { ConversationState } from './states';

/** What an operation answers: the conversation's standing after it. */
export interface ConversationSummary {
  conversationId: string;
  state: ConversationState;
  agentId: string | null;
  queueId: string;
  capacityHeld: boolean;
  unreadCount: number;
  /** When it was flagged for automatic closure (null: not flagged), as in the snapshot and the read model. */
  staleFlaggedAt: string | null;
  version: number;
}

/** The compact summary of a snapshot. */
export function summarize(s: ConversationSnapshot): ConversationSummary {
  return {
    conversationId: s.conversationId,
    state: s.state,
    agentId: s.agentId,
    queueId: s.queueId,
    capacityHeld: s.capacityHeld,
    unreadCount: s.unreadCount,
    staleFlaggedAt: s.staleFlaggedAt,
    version: s.version,
  };
}

/** One readable line for the Temporal UI's current details. */
export function describe(s: ConversationSnapshot): string {
  const who = s.agentId ? ` with **${s.agentId}**` : '';
  const stale = s.staleFlaggedAt ? ` · flagged stale since ${s.staleFlaggedAt}` : '';
  const unread = s.unreadCount ? ` · ${s.unreadCount} unread` : '';
  return `**${s.state}**${who} · queue \`${s.queueId}\` · ${s.channel} · since ${s.stateEnteredAt}${unread}${stale}`;
}
