import { Type } from '@sinclair/typebox';
import * as r from '../response-schemas';
import type { Route } from '../route';
import { none, reply, route } from '../route';
import * as s from '../schemas';

const list = route({
  method: 'get',
  path: '/api/conversations',
  tag: 'Supervisor',
  summary: 'Conversations newest first, filtered by state, queue and agent (the supervisor’s list; from the read model).',
  access: ['admin'],
  params: s.NoParams,
  query: s.closed({
    state: Type.Optional(s.StateSchema),
    queueId: Type.Optional(s.Id),
    agentId: Type.Optional(Type.String({ ...s.Id, description: 'The agent who has it (or, once Closed, last had it).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many (default 100).' })),
  }),
  body: none,
  responses: { 200: { description: 'Newest first.', schema: s.closed({ conversations: Type.Array(r.WorkItem) }) } },
  async handle(ctx, req) {
    const { state, queueId, agentId, limit = 100 } = req.query;
    return reply(200, { conversations: await ctx.store.listConversations({ state, queueId, agentId, limit }) });
  },
});

/** The supervisor's conversation list. */
export const supervisorListRoutes: readonly Route[] = [list];
