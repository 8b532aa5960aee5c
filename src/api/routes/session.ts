import { Type } from '@sinclair/typebox';
import { unknownConversation } from '../http/errors';
import * as r from '../schemas/responses';
import { none, publicRoute, reply, route } from '../http/route';
import * as s from '../schemas/requests';

const me = route({
  method: 'get',
  path: '/api/me',
  tag: 'Session',
  summary:
    'Who the bearer token is: the admin; an agent with presence, queues and capacity used/total; or a customer with their conversation’s read model (state, agent, deadlines). Pages sign in with it.',
  access: ['admin', 'agent', 'customer'],
  params: s.NoParams,
  query: s.NoQuery,
  body: none,
  responses: {
    200: {
      description: 'The caller.',
      schema: Type.Union([
        s.closed({ kind: Type.Literal('admin') }),
        s.closed({ kind: Type.Literal('agent'), agent: r.AgentLoad }),
        s.closed({ kind: Type.Literal('customer'), conversation: r.WorkItem }),
      ]),
    },
  },
  async handle(ctx, req) {
    const principal = req.principal;
    switch (principal.kind) {
      case 'admin':
        return reply(200, { kind: 'admin' as const });
      case 'agent': {
        const reservations = await ctx.store.listReservations(principal.agent.id);
        const usedUnits = reservations.reduce((sum, x) => sum + x.units, 0);
        return reply(200, { kind: 'agent' as const, agent: { ...principal.agent, usedUnits, conversations: reservations.length } });
      }
      case 'customer': {
        const conversation = await ctx.store.getConversation(principal.conversationId);
        if (!conversation) throw unknownConversation(principal.conversationId);
        return reply(200, { kind: 'customer' as const, conversation });
      }
    }
  },
});

const uiConfig = publicRoute({
  method: 'get',
  path: '/api/ui-config',
  tag: 'Session',
  summary:
    'What the pages need to know about this deployment: the Temporal Web UI’s base URL (null if unknown), the namespace, and the queues a customer may start a chat in (id and name).',
  params: s.NoParams,
  query: s.NoQuery,
  body: none,
  responses: {
    200: {
      description: 'The pages’ configuration.',
      schema: s.closed({
        temporalUiUrl: s.nullable(Type.String()),
        namespace: Type.String(),
        queues: Type.Array(s.closed({ id: s.Id, name: Type.String() })),
      }),
    },
  },
  async handle(ctx) {
    const queues = (await ctx.store.listQueues()).map((q) => ({ id: q.id, name: q.name }));
    return reply(200, { ...ctx.live.ui, queues });
  },
});

/** The caller's identity and the pages' configuration. */
export const sessionRoutes = [me, uiConfig] as const;
