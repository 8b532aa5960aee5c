import type { Principal } from '../auth';
import { unknownConversation } from '../errors';
import type { RouteSpec } from '../route';
import { route } from '../route';
import * as s from '../schemas';

const me = route({
  method: 'get',
  path: '/api/me',
  tag: 'Session',
  summary:
    'Who the bearer token is: the admin; an agent with presence, queues and capacity used/total; or a customer with their conversation’s read model (state, agent, deadlines). Pages sign in with it.',
  access: ['admin', 'agent', 'customer'],
  query: s.NoQuery,
  responses: {
    200: {
      description: 'The caller.',
      schema: {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['admin', 'agent', 'customer'] }, agent: s.AgentLoad, conversation: s.WorkItem },
        required: ['kind'],
      },
    },
  },
  async handle(ctx, req) {
    const principal = req.principal as Principal;
    switch (principal.kind) {
      case 'admin':
        return { status: 200, body: { kind: 'admin' } };
      case 'agent': {
        const reservations = await ctx.store.listReservations(principal.agent.id);
        const usedUnits = reservations.reduce((sum, r) => sum + r.units, 0);
        return { status: 200, body: { kind: 'agent', agent: { ...principal.agent, usedUnits, conversations: reservations.length } } };
      }
      case 'customer': {
        const conversation = await ctx.store.getConversation(principal.conversationId);
        if (!conversation) throw unknownConversation(principal.conversationId);
        return { status: 200, body: { kind: 'customer', conversation } };
      }
    }
  },
});

const uiConfig = route({
  method: 'get',
  path: '/api/ui-config',
  tag: 'Session',
  summary:
    'What the pages need to know about this deployment: the Temporal Web UI’s base URL (null if unknown), the namespace, and the queues a customer may start a chat in (id and name).',
  access: 'public',
  query: s.NoQuery,
  responses: {
    200: {
      description: 'The pages’ configuration.',
      schema: {
        type: 'object',
        properties: {
          temporalUiUrl: { type: ['string', 'null'] },
          namespace: { type: 'string' },
          queues: { type: 'array', items: { type: 'object', properties: { id: s.Id, name: { type: 'string' } } } },
        },
        required: ['temporalUiUrl', 'namespace', 'queues'],
      },
    },
  },
  async handle(ctx) {
    const queues = (await ctx.store.listQueues()).map((q) => ({ id: q.id, name: q.name }));
    return { status: 200, body: { ...ctx.live.ui, queues } };
  },
});

/** The caller's identity and the pages' configuration. */
export const sessionRoutes: readonly RouteSpec[] = [me, uiConfig];
