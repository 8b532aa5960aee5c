import { Type } from '@sinclair/typebox';
import * as r from '../schemas/responses';
import { none, reply, route } from '../http/route';
import * as s from '../schemas/requests';
import { StuckMarker } from '../schemas/stuck';
import { stuckMarker } from '../workflow-stuck';

// The most stuck workflows matched against one page of the list: far more than ever expected at once.
const STUCK_LOOKUP_LIMIT = 1000;
/** A conversation in the supervisor's list: its read model, and whether its workflow is stuck. */
const SupervisorItem = s.closed({ ...r.WorkItem.properties, stuck: StuckMarker }, 'The read model, and the stuck marker.');

const list = route({
  method: 'get',
  path: '/api/conversations',
  tag: 'Supervisor',
  summary:
    'Conversations newest first, filtered by state, queue and agent (the supervisor’s list; from the read model), each with `stuck` set while its workflow tasks keep failing.',
  access: ['admin'],
  params: s.NoParams,
  query: s.closed({
    state: Type.Optional(s.StateSchema),
    queueId: Type.Optional(s.Id),
    agentId: Type.Optional(Type.String({ ...s.Id, description: 'The agent who has it (or, once Closed, last had it).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many (default 100).' })),
  }),
  body: none,
  responses: { 200: { description: 'Newest first.', schema: s.closed({ conversations: Type.Array(SupervisorItem) }) } },
  async handle(ctx, req) {
    const { state, queueId, agentId, limit = 100 } = req.query;
    const [conversations, stuck] = await Promise.all([
      ctx.store.listConversations({ state, queueId, agentId, limit }),
      ctx.store.listStuckWorkflows(STUCK_LOOKUP_LIMIT),
    ]);
    const byConversation = new Map(stuck.flatMap((e) => (e.conversationId === null ? [] : [[e.conversationId, stuckMarker(e)] as const])));
    return reply(200, { conversations: conversations.map((c) => ({ ...c, stuck: byConversation.get(c.conversationId) ?? null })) });
  },
});

/** The supervisor's conversation list. */
export const supervisorListRoutes = [list] as const;
