import type { UpdateDefinition } from '@temporalio/common';
import type { ConversationSummary } from '../../domain/summary';
import type { ConversationView } from '../../store/types';
import * as m from '../../../workflows/messages';
import type { ConversationAction } from '../access';
import { actorOf, authorize, loadConversation } from '../access';
import type { Principal, PrincipalKind } from '../auth';
import type { RouteSpec } from '../route';
import { route } from '../route';
import type { Schema } from '../schema';
import * as s from '../schemas';

/** The update to send and its argument. */
interface Call {
  def: UpdateDefinition<ConversationSummary, [never]>;
  arg: unknown;
}

interface OperationSpec<B> {
  path: string;
  action: ConversationAction;
  summary: string;
  access: readonly PrincipalKind[];
  body: Schema;
  tag?: string;
  call(principal: Principal, view: ConversationView, body: B): Call;
}

function call<A>(def: UpdateDefinition<ConversationSummary, [A]>, arg: A): Call {
  return { def: def as unknown as Call['def'], arg };
}

/** One POST operation: load (404), authorize (403), then the update (its refusal maps to 409/404/403). */
function operation<B>(spec: OperationSpec<B>): RouteSpec {
  return route<B, { id: string }>({
    method: 'post',
    path: `/api/conversations/:id/${spec.path}`,
    tag: spec.tag ?? 'Operations',
    summary: spec.summary,
    access: spec.access,
    params: s.IdParams,
    body: spec.body,
    responses: {
      200: { description: 'Applied; the next read shows it.', schema: { type: 'object', properties: { conversation: s.Summary } } },
    },
    async handle(ctx, req) {
      const view = await loadConversation(ctx, req.params.id);
      authorize(req.principal, spec.action, view);
      const { def, arg } = spec.call(req.principal as Principal, view, req.body);
      const conversation = await ctx.conversations.update(view.conversationId, def, arg as never);
      return { status: 200, body: { conversation } };
    },
  });
}

const actor = (p: Principal, v: ConversationView) => ({ actor: actorOf(p, v) });
type Force = { force?: boolean };
type Transfer = { toQueueId?: string; toAgentId?: string; force?: boolean };

/** The lifecycle operations, each mapped to its workflow update; the actor always comes from the token. */
export const operationRoutes: readonly RouteSpec[] = [
  operation<Force>({
    path: 'pick',
    action: 'pick',
    summary: 'An agent of the queue picks an Open conversation (Open -> Active).',
    access: ['agent'],
    body: s.ForceBody,
    call: (p, _v, b) => call(m.pickUpdate, { agentId: p.kind === 'agent' ? p.agent.id : '', force: b.force ?? false }),
  }),
  operation({
    path: 'end',
    action: 'end',
    summary: 'The agent presses End, or the customer ends the chat (Active -> Wrap-up; Open/Waiting -> Closed for the customer).',
    access: ['agent', 'customer'],
    body: s.EmptyBody,
    call: (p, v) => (p.kind === 'customer' ? call(m.customerEndUpdate, actor(p, v)) : call(m.endUpdate, actor(p, v))),
  }),
  operation({
    path: 'close-tab',
    action: 'closeTab',
    summary: 'The agent closes the session tab (Active -> Waiting, Wrap-up -> Closed).',
    access: ['agent'],
    body: s.EmptyBody,
    call: (p, v) => call(m.closeTabUpdate, actor(p, v)),
  }),
  operation<Force>({
    path: 'reopen',
    action: 'reopen',
    summary: 'The agent reopens a Waiting conversation from My work items (Waiting -> Active).',
    access: ['agent'],
    body: s.ForceBody,
    call: (p, v, b) => call(m.reopenUpdate, { ...actor(p, v), force: b.force ?? false }),
  }),
  operation<Transfer>({
    path: 'transfer',
    action: 'transfer',
    summary: 'The agent (or the admin as supervisor) transfers an Active conversation to a queue or to another agent.',
    access: ['agent', 'admin'],
    body: s.TransferBody,
    call: (p, v, b) => call(m.transferUpdate, { ...b, ...actor(p, v) }),
  }),
  operation({
    path: 'revive',
    action: 'revive',
    summary: 'The customer revives a Waiting conversation within the revive window (Waiting -> Open).',
    access: ['customer'],
    body: s.EmptyBody,
    call: (p, v) => call(m.reviveUpdate, actor(p, v)),
  }),
  operation({
    path: 'disconnect',
    action: 'disconnect',
    summary: 'The customer’s session ended (Open -> Closed; otherwise recorded).',
    access: ['customer'],
    body: s.EmptyBody,
    call: (p, v) => call(m.disconnectUpdate, actor(p, v)),
  }),
  operation({
    path: 'read',
    action: 'markRead',
    summary: 'The assigned agent has read the customer’s messages (unread count to 0).',
    access: ['agent'],
    body: s.EmptyBody,
    call: (p, v) => call(m.markReadUpdate, actor(p, v)),
  }),
  operation<{ agentId: string; force?: boolean }>({
    path: 'assign',
    action: 'assign',
    tag: 'Supervisor',
    summary: 'The supervisor assigns an Open conversation to an agent (Open -> Active).',
    access: ['admin'],
    body: s.AssignBody,
    call: (p, v, b) => call(m.assignUpdate, { agentId: b.agentId, force: b.force ?? false, ...actor(p, v) }),
  }),
  operation({
    path: 'force-close',
    action: 'forceClose',
    tag: 'Supervisor',
    summary:
      'The supervisor ends the chat on the customer’s behalf (the customer-end path: Open/Waiting -> Closed, Active -> Wrap-up); 409 naming the state otherwise.',
    access: ['admin'],
    body: s.EmptyBody,
    call: (p, v) => call(m.customerEndUpdate, actor(p, v)),
  }),
];
