import { Type } from '@sinclair/typebox';
import type { QueueInput } from '../../store/types';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode, forbidden, unknownQueue } from '../http/errors';
import * as r from '../schemas/responses';
import { json, none, reply, route } from '../http/route';
import * as s from '../schemas/requests';

const queueReply = (description: string) => ({ description, schema: s.closed({ queue: r.Queue }) });

/** An overflow or out-of-hours queue must exist (an overflow may be the queue itself; out of hours may not, the store says why). */
async function requireTargets(ctx: ApiContext, queueId: string, input: Pick<QueueInput, 'overflow' | 'outOfHoursQueueId'>): Promise<void> {
  for (const target of [input.overflow?.toQueueId, input.outOfHoursQueueId]) {
    if (target != null && target !== queueId && !(await ctx.store.getQueue(target))) throw unknownQueue(target);
  }
}

const create = route({
  method: 'post',
  path: '/api/queues',
  tag: 'Queues',
  summary: 'Creates a queue (defaults: highestCapacity, Available and Busy agents eligible).',
  access: ['admin'],
  params: s.NoParams,
  query: s.NoQuery,
  body: json(s.CreateQueueBody),
  responses: { 201: { ...queueReply('Created.'), headers: { Location: { description: 'The queue’s URL.', required: true } } } },
  async handle(ctx, req) {
    if (await ctx.store.getQueue(req.body.id)) {
      throw new ApiError(ApiErrorCode.AlreadyExists, `Queue ${req.body.id} exists; PATCH /api/queues/${req.body.id} changes it.`);
    }
    await requireTargets(ctx, req.body.id, req.body);
    const queue = await ctx.changes.upsertQueue(req.body);
    return reply(201, { queue }, { Location: `/api/queues/${queue.id}` });
  },
});

const patch = route({
  method: 'patch',
  path: '/api/queues/:id',
  tag: 'Queues',
  summary: 'Changes a queue (omitted fields stay); its dispatcher re-runs.',
  access: ['admin'],
  params: s.IdParams,
  query: s.NoQuery,
  body: json(s.PatchQueueBody),
  responses: { 200: queueReply('Changed.') },
  async handle(ctx, req) {
    if (!(await ctx.store.getQueue(req.params.id))) throw unknownQueue(req.params.id);
    await requireTargets(ctx, req.params.id, req.body);
    return reply(200, { queue: await ctx.changes.upsertQueue({ ...req.body, id: req.params.id }) });
  },
});

const list = route({
  method: 'get',
  path: '/api/queues',
  tag: 'Queues',
  summary: 'Every queue with its depth, oldest wait and member count.',
  access: ['admin', 'agent'],
  params: s.NoParams,
  query: s.NoQuery,
  body: none,
  responses: {
    200: {
      description: 'All queues; oldestWaitMs is measured at the time of the answer.',
      schema: s.closed({ queues: Type.Array(r.QueueOverview) }),
    },
  },
  async handle(ctx) {
    const now = Date.now();
    const queues = (await ctx.store.listQueues()).map((q) => ({
      ...q,
      oldestWaitMs: q.oldestEnqueuedAt === null ? null : Math.max(0, now - Date.parse(q.oldestEnqueuedAt)),
    }));
    return reply(200, { queues });
  },
});

const openWorkItems = route({
  method: 'get',
  path: '/api/queues/:id/open-work-items',
  tag: 'Queues',
  summary: 'The Open conversations of a queue in service order: what its agents can pick (members and admin).',
  access: ['admin', 'agent'],
  params: s.IdParams,
  query: s.LimitQuery,
  body: none,
  responses: { 200: { description: 'Priority, then arrival.', schema: s.closed({ openWorkItems: Type.Array(r.QueueEntry) }) } },
  async handle(ctx, req) {
    if (!(await ctx.store.getQueue(req.params.id))) throw unknownQueue(req.params.id);
    if (req.principal.kind === 'agent' && !req.principal.agent.queues.includes(req.params.id)) {
      throw forbidden(`Agent ${req.principal.agent.id} is not a member of queue ${req.params.id}.`);
    }
    return reply(200, { openWorkItems: await ctx.store.listQueueEntries(req.params.id, req.query.limit ?? 100) });
  },
});

/** Queue administration and what waits in each queue. */
export const queueRoutes = [create, list, patch, openWorkItems] as const;
