import { Type } from '@sinclair/typebox';
import { none, reply, route } from '../http/route';
import * as s from '../schemas/requests';
import { StuckWorkflowItem } from '../schemas/stuck';

const list = route({
  method: 'get',
  path: '/api/stuck-workflows',
  tag: 'Supervisor',
  summary:
    'Workflows whose workflow tasks keep failing (at least 2 attempts in a row failed or timed out), longest-failing first: conversation, workflow and run, the conversation’s state, since when, attempts, the last error and its cause. Operations on such a conversation answer 500 WORKFLOW_STUCK until an operator fixes it (docs/runbook-stuck-workflows.md); an entry clears once its workflow makes progress again. Recorded by the workers’ monitors within about 30 s.',
  access: ['admin'],
  params: s.NoParams,
  query: s.closed({
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many (default 100); `count` is the total.' }),
    ),
  }),
  body: none,
  responses: {
    200: {
      description: 'Longest-failing first.',
      schema: s.closed({ count: Type.Integer({ minimum: 0 }), stuckWorkflows: Type.Array(StuckWorkflowItem) }),
    },
  },
  async handle(ctx, req) {
    const [count, entries] = await Promise.all([ctx.store.countStuckWorkflows(), ctx.store.listStuckWorkflows(req.query.limit ?? 100)]);
    const stuckWorkflows = entries.map(({ failingSince, ...e }) => ({ ...e, since: failingSince }));
    return reply(200, { count, stuckWorkflows });
  },
});

/** The admin's list of stuck workflows. */
export const stuckWorkflowRoutes = [list] as const;
