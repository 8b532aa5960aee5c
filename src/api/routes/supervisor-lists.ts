import type { ConversationState } from '../../domain/states';
import { ALL_STATES } from '../../domain/states';
import type { RouteSpec } from '../route';
import { route } from '../route';
import * as s from '../schemas';

interface ListQuery {
  state?: ConversationState;
  queueId?: string;
  agentId?: string;
  limit?: number;
}

const list = route<unknown, Record<string, never>, ListQuery>({
  method: 'get',
  path: '/api/conversations',
  tag: 'Supervisor',
  summary: 'Conversations newest first, filtered by state, queue and agent (the supervisor’s list; from the read model).',
  access: ['admin'],
  query: {
    type: 'object',
    additionalProperties: false,
    properties: {
      state: { type: 'string', enum: ALL_STATES },
      queueId: s.Id,
      agentId: { ...s.Id, description: 'The agent who has it (or, once Closed, last had it).' },
      limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'At most this many (default 100).' },
    },
  },
  responses: { 200: { description: 'Newest first.', schema: s.listOf('conversations', s.WorkItem) } },
  async handle(ctx, req) {
    const { state, queueId, agentId, limit = 100 } = req.query;
    return { status: 200, body: { conversations: await ctx.store.listConversations({ state, queueId, agentId, limit }) } };
  },
});

/** The supervisor's conversation list. */
export const supervisorListRoutes: readonly RouteSpec[] = [list];
