import type { Static, TSchema } from '@sinclair/typebox';
import type { UpdateDefinition } from '@temporalio/common';
import type { ConversationSummary } from '../../domain/summary';
import type { ConversationView } from '../../store/types';
import * as m from '../../../workflows/messages';
import type { ConversationAction } from '../access';
import { actorOf, authorize, loadConversation } from '../access';
import type { Principal, PrincipalKind } from '../http/auth';
import { ApiError } from '../http/errors';
import * as r from '../schemas/responses';
import { json, reply, route } from '../http/route';
import * as s from '../schemas/requests';

/** Sends one update to the conversation of the request, with the update id derived from its Idempotency-Key. */
export interface Updater {
  update<A>(def: UpdateDefinition<ConversationSummary, [A]>, arg: A): Promise<ConversationSummary>;
}

interface OperationSpec<S extends TSchema, K extends PrincipalKind, Op extends string> {
  path: Op;
  action: ConversationAction;
  summary: string;
  access: readonly K[];
  body: S;
  tag?: string;
  /**
   * The typed update call: who (from the token, never the body), the read model,
   * the validated body, and when this API received the request (an offer's
   * answer is judged by it against the countdown the agent saw).
   */
  call(
    op: Updater,
    principal: Extract<Principal, { kind: K }>,
    view: ConversationView,
    body: Static<S>,
    receivedAt: string,
  ): Promise<ConversationSummary>;
}

/** One POST operation: load (404), authorize (403), then the update (its refusal maps to 409/404/403). */
function operation<S extends TSchema, K extends PrincipalKind, const Op extends string>(spec: OperationSpec<S, K, Op>) {
  return route({
    method: 'post',
    path: `/api/conversations/:id/${spec.path}` as `/api/conversations/:id/${Op}`,
    tag: spec.tag ?? 'Operations',
    summary: spec.summary,
    access: spec.access,
    params: s.IdParams,
    query: s.NoQuery,
    body: json(spec.body),
    responses: { 200: { description: 'Applied; the next read shows it.', schema: s.closed({ conversation: r.Summary }) } },
    async handle(ctx, req) {
      const receivedAt = new Date().toISOString();
      // Temporal dedupes updates by id: a retry whose first answer was lost is applied once.
      const updateId = req.idempotency?.derive('update');
      let view: ConversationView;
      try {
        view = await loadConversation(ctx, req.params.id);
        authorize(req.principal, spec.action, view);
      } catch (error) {
        // A retry of a request that was applied although its answer was lost (a transfer: the agent no
        // longer has the conversation) answers as the first attempt did, not with what changed since.
        const earlier = updateId && error instanceof ApiError ? await ctx.conversations.earlierOutcome(req.params.id, updateId) : null;
        if (earlier) return reply(200, { conversation: earlier });
        throw error;
      }
      const op: Updater = { update: (def, arg) => ctx.conversations.update(view.conversationId, def, arg, updateId) };
      return reply(200, { conversation: await spec.call(op, req.principal, view, req.body, receivedAt) });
    },
  });
}

const actor = (p: Principal, v: ConversationView) => ({ actor: actorOf(p, v) });

/** The lifecycle operations, each mapped to its workflow update; the actor always comes from the token. */
export const operationRoutes = [
  operation({
    path: 'pick',
    action: 'pick',
    summary: 'An agent of the queue picks an Open conversation (Open -> Active).',
    access: ['agent'],
    body: s.ForceBody,
    call: (op, p, _v, b) => op.update(m.pickUpdate, { agentId: p.agent.id, force: b.force ?? false }),
  }),
  operation({
    path: 'end',
    action: 'end',
    summary: 'The agent presses End, or the customer ends the chat (Active -> Wrap-up; Open/Waiting -> Closed for the customer).',
    access: ['agent', 'customer'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(p.kind === 'customer' ? m.customerEndUpdate : m.endUpdate, actor(p, v)),
  }),
  operation({
    path: 'close-tab',
    action: 'closeTab',
    summary: 'The agent closes the session tab (Active -> Waiting, Wrap-up -> Closed).',
    access: ['agent'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(m.closeTabUpdate, actor(p, v)),
  }),
  operation({
    path: 'reopen',
    action: 'reopen',
    summary: 'The agent reopens a Waiting conversation from My work items (Waiting -> Active).',
    access: ['agent'],
    body: s.ForceBody,
    call: (op, p, v, b) => op.update(m.reopenUpdate, { ...actor(p, v), force: b.force ?? false }),
  }),
  operation({
    path: 'transfer',
    action: 'transfer',
    summary: 'The agent (or the admin as supervisor) transfers an Active conversation to a queue or to another agent.',
    access: ['agent', 'admin'],
    body: s.TransferBody,
    call: (op, p, v, b) => op.update(m.transferUpdate, { ...b, ...actor(p, v) }),
  }),
  operation({
    path: 'revive',
    action: 'revive',
    summary: 'The customer revives a Waiting conversation within the revive window (Waiting -> Open).',
    access: ['customer'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(m.reviveUpdate, actor(p, v)),
  }),
  operation({
    path: 'disconnect',
    action: 'disconnect',
    summary: 'The customer’s session ended (Open -> Closed; otherwise recorded).',
    access: ['customer'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(m.disconnectUpdate, actor(p, v)),
  }),
  operation({
    path: 'read',
    action: 'markRead',
    summary: 'The assigned agent has read the customer’s messages (unread count to 0).',
    access: ['agent'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(m.markReadUpdate, actor(p, v)),
  }),
  operation({
    path: 'accept',
    action: 'accept',
    summary: 'The agent an offer stands for accepts it (Open -> Active, with the capacity already reserved).',
    access: ['agent'],
    body: s.EmptyBody,
    call: (op, p, v, _b, sentAt) => op.update(m.acceptUpdate, { ...actor(p, v), sentAt }),
  }),
  operation({
    path: 'decline',
    action: 'decline',
    summary:
      'The agent an offer stands for declines it: the reservation is released, the conversation keeps its place in line and is never offered to this agent again.',
    access: ['agent'],
    body: s.DeclineBody,
    call: (op, p, v, b, sentAt) =>
      op.update(m.declineUpdate, { ...actor(p, v), ...(b.reason === undefined ? {} : { reason: b.reason }), sentAt }),
  }),
  operation({
    path: 'assign',
    action: 'assign',
    tag: 'Supervisor',
    summary: 'The supervisor assigns an Open conversation to an agent (Open -> Active).',
    access: ['admin'],
    body: s.AssignBody,
    call: (op, p, v, b) => op.update(m.assignUpdate, { agentId: b.agentId, force: b.force ?? false, ...actor(p, v) }),
  }),
  operation({
    path: 'force-close',
    action: 'forceClose',
    tag: 'Supervisor',
    summary:
      'The supervisor ends the chat on the customer’s behalf (the customer-end path: Open/Waiting -> Closed, Active -> Wrap-up); 409 naming the state otherwise.',
    access: ['admin'],
    body: s.EmptyBody,
    call: (op, p, v) => op.update(m.customerEndUpdate, actor(p, v)),
  }),
] as const;
