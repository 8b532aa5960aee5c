import type { Actor } from '../domain/operations';
import { ActorKind } from '../domain/operations';
import type { ConversationView } from '../store/types';
import type { Principal } from './http/auth';
import type { ApiContext } from './context';
import { forbidden, unknownConversation } from './http/errors';

/** Everything a caller can do to a conversation. */
export type ConversationAction =
  | 'view'
  | 'readMessages'
  | 'pick'
  | 'end'
  | 'closeTab'
  | 'reopen'
  | 'transfer'
  | 'revive'
  | 'disconnect'
  | 'markRead'
  | 'message'
  | 'assign'
  | 'forceClose'
  | 'accept'
  | 'decline';

/**
 * Which agents may act: the assigned one; the assigned or the last one (the
 * read model's agentId or lastAgentId: who had it before it went back to a
 * queue); members of the conversation's queue; or assigned or member; or the
 * agent an offer stands for and the queue's members (an answer that lost, to
 * the countdown or to someone else, reaches the workflow, which says which with
 * one code: 409 OFFER_EXPIRED or OFFER_TAKEN).
 */
type AgentRule = 'assigned' | 'assignedOrLast' | 'queue' | 'assignedOrQueue' | 'offered' | null;

/**
 * The authorization matrix of conversation actions (tests walk this same table).
 * Transcripts (readMessages) are private to the conversation's customer, its
 * agent (now, or the last one) and the admin acting as supervisor; other agents
 * of the queue may view the snapshot, which carries no message text, to pick it.
 */
export const CONVERSATION_ACCESS: Readonly<Record<ConversationAction, { admin: boolean; agent: AgentRule; customer: boolean }>> = {
  view: { admin: true, agent: 'assignedOrQueue', customer: true },
  readMessages: { admin: true, agent: 'assignedOrLast', customer: true },
  pick: { admin: false, agent: 'queue', customer: false },
  end: { admin: false, agent: 'assigned', customer: true },
  closeTab: { admin: false, agent: 'assigned', customer: false },
  reopen: { admin: false, agent: 'assigned', customer: false },
  transfer: { admin: true, agent: 'assigned', customer: false },
  revive: { admin: false, agent: null, customer: true },
  disconnect: { admin: false, agent: null, customer: true },
  markRead: { admin: false, agent: 'assigned', customer: false },
  message: { admin: false, agent: 'assigned', customer: true },
  assign: { admin: true, agent: null, customer: false },
  forceClose: { admin: true, agent: null, customer: false },
  accept: { admin: false, agent: 'offered', customer: false },
  decline: { admin: false, agent: 'offered', customer: false },
};

/** The supervisor's identity in transition logs (the admin token names no person). */
export const SUPERVISOR_ID = 'admin';

/** The read model of a conversation, or 404. */
export async function loadConversation(ctx: ApiContext, conversationId: string): Promise<ConversationView> {
  const view = await ctx.store.getConversation(conversationId);
  if (!view) throw unknownConversation(conversationId);
  return view;
}

/** Throws 403 unless `principal` may perform `action` on the conversation. */
export function authorize(principal: Principal | null, action: ConversationAction, view: ConversationView): void {
  const rule = CONVERSATION_ACCESS[action];
  if (principal === null) throw forbidden('A token is required.');
  switch (principal.kind) {
    case 'admin':
      if (!rule.admin) throw forbidden(`The admin cannot ${action} a conversation; use the supervisor endpoints.`);
      return;
    case 'customer':
      if (!rule.customer) throw forbidden(`A customer cannot ${action} a conversation.`);
      if (principal.conversationId !== view.conversationId) throw forbidden('This customer token belongs to another conversation.');
      return;
    case 'agent': {
      const assigned = view.agentId === principal.agent.id;
      const last = view.lastAgentId === principal.agent.id;
      const member = principal.agent.queues.includes(view.queueId);
      const ok =
        rule.agent === 'assigned'
          ? assigned
          : rule.agent === 'assignedOrLast'
            ? assigned || last
            : rule.agent === 'queue'
              ? member
              : rule.agent === 'assignedOrQueue'
                ? assigned || member
                : rule.agent === 'offered'
                  ? view.offerAgentId === principal.agent.id || member
                  : false;
      if (rule.agent === null) throw forbidden(`An agent cannot ${action} a conversation.`);
      if (!ok) {
        throw forbidden(
          rule.agent === 'queue'
            ? `Agent ${principal.agent.id} is not a member of queue ${view.queueId}.`
            : 'This conversation is not yours.',
        );
      }
    }
  }
}

/** The actor recorded by the workflow: always derived from the token, never from the body. */
export function actorOf(principal: Principal | null, view: ConversationView): Actor {
  if (principal?.kind === 'agent') return { kind: ActorKind.Agent, id: principal.agent.id };
  if (principal?.kind === 'customer') return { kind: ActorKind.Customer, id: view.customerId };
  return { kind: ActorKind.Supervisor, id: SUPERVISOR_ID };
}
