import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode, unknownAgent, unknownQueue } from '../http/errors';
import * as r from '../schemas/responses';
import { json, none, reply, route } from '../http/route';
import * as s from '../schemas/requests';
import { agentTokenCredentials, agentTokenFor } from './agent-tokens';

const DAY_MS = 24 * 60 * 60 * 1000;

async function requireAgent(ctx: ApiContext, agentId: string): Promise<void> {
  if (!(await ctx.store.getAgent(agentId))) throw unknownAgent(agentId);
}

/** Checked before any write so a bad membership changes nothing (and leaves no token behind). */
async function requireQueues(ctx: ApiContext, queues: readonly string[] | undefined): Promise<void> {
  for (const queueId of queues ?? []) if (!(await ctx.store.getQueue(queueId))) throw unknownQueue(queueId);
}

const agentReply = (description: string) => ({ description, schema: s.closed({ agent: r.Agent }) });

const create = route({
  method: 'post',
  path: '/api/agents',
  tag: 'Agents',
  summary:
    'Creates an agent and answers its bearer token, once (only its SHA-256 hash is stored); the token expires after CONVOFLOW_AGENT_TOKEN_TTL.',
  access: ['admin'],
  params: s.NoParams,
  query: s.NoQuery,
  body: json(s.CreateAgentBody),
  responses: {
    201: {
      description: 'Created.',
      schema: s.closed({ agent: r.Agent, token: Type.String(), tokenExpiresAt: s.nullable(Type.String({ format: 'date-time' })) }),
      headers: { Location: { description: 'The agent’s URL.', required: true } },
    },
  },
  credentials: agentTokenCredentials,
  async handle(ctx, req) {
    const existing = await ctx.store.getAgent(req.body.id);
    const issued = agentTokenFor(ctx, req.idempotency);
    // A keyed retry after a crash finds the agent it created, holding the token derived from the same key.
    const ours = existing !== null && req.idempotency !== null && (await ctx.store.findAgentByTokenHash(issued.hash)) === existing.id;
    if (existing && !ours) {
      throw new ApiError(ApiErrorCode.AlreadyExists, `Agent ${req.body.id} exists; PATCH /api/agents/${req.body.id} changes it.`);
    }
    await requireQueues(ctx, req.body.queues);
    // The token first (it has no foreign key): an agent never exists without one, and a failed create takes it back.
    await ctx.store.addAgentToken(req.body.id, issued.hash, issued.expiresAt);
    try {
      const agent = ours && existing ? existing : await ctx.changes.upsertAgent({ autoPresence: ctx.autoPresence, ...req.body });
      return reply(201, { agent, token: issued.token, tokenExpiresAt: issued.expiresAt }, { Location: `/api/agents/${agent.id}` });
    } catch (error) {
      if (!(await ctx.store.getAgent(req.body.id))) await ctx.store.deleteAgentToken(issued.hash);
      throw error;
    }
  },
});

const patch = route({
  method: 'patch',
  path: '/api/agents/:id',
  tag: 'Agents',
  summary: 'Changes an agent’s name, capacity, queues or presence (omitted fields stay).',
  access: ['admin'],
  params: s.IdParams,
  query: s.NoQuery,
  body: json(s.PatchAgentBody),
  responses: { 200: agentReply('Changed.') },
  async handle(ctx, req) {
    await requireAgent(ctx, req.params.id);
    await requireQueues(ctx, req.body.queues);
    return reply(200, { agent: await ctx.changes.upsertAgent({ ...req.body, id: req.params.id }) });
  },
});

const list = route({
  method: 'get',
  path: '/api/agents',
  tag: 'Agents',
  summary: 'Every agent with presence and capacity used/total (admin as supervisor).',
  access: ['admin'],
  params: s.NoParams,
  query: s.NoQuery,
  body: none,
  responses: { 200: { description: 'All agents.', schema: s.closed({ agents: Type.Array(r.AgentLoad) }) } },
  async handle(ctx) {
    return reply(200, { agents: await ctx.store.listAgents() });
  },
});

const presence = route({
  method: 'put',
  path: '/api/agents/:id/presence',
  tag: 'Agents',
  summary: 'Sets an agent’s presence (the agent themselves or the admin); queued work may be pushed at once.',
  access: ['admin', 'agent'],
  selfOnly: true,
  params: s.IdParams,
  query: s.NoQuery,
  body: json(s.PresenceBody),
  responses: { 200: agentReply('Set.') },
  async handle(ctx, req) {
    const agent = await ctx.changes.setPresence(req.params.id, req.body.presence);
    if (!agent) throw unknownAgent(req.params.id);
    return reply(200, { agent });
  },
});

const workItems = route({
  method: 'get',
  path: '/api/agents/:id/work-items',
  tag: 'Agents',
  summary: 'My work items: the agent’s Active, Wrap-up and Waiting conversations, each with its unread count.',
  access: ['admin', 'agent'],
  selfOnly: true,
  params: s.IdParams,
  query: s.NoQuery,
  body: none,
  responses: { 200: { description: 'Oldest first.', schema: s.closed({ workItems: Type.Array(r.WorkItem) }) } },
  async handle(ctx, req) {
    await requireAgent(ctx, req.params.id);
    return reply(200, { workItems: await ctx.store.listWorkItems(req.params.id) });
  },
});

const closedWorkItems = route({
  method: 'get',
  path: '/api/agents/:id/closed-work-items',
  tag: 'Agents',
  summary: 'Closed work items: the agent’s conversations closed in the past 24 hours.',
  access: ['admin', 'agent'],
  selfOnly: true,
  params: s.IdParams,
  query: s.NoQuery,
  body: none,
  responses: { 200: { description: 'Newest first.', schema: s.closed({ closedWorkItems: Type.Array(r.WorkItem) }) } },
  async handle(ctx, req) {
    await requireAgent(ctx, req.params.id);
    const since = new Date(Date.now() - DAY_MS);
    return reply(200, { closedWorkItems: await ctx.store.listClosedWorkItems(req.params.id, since) });
  },
});

/** Agent administration, presence and work items. */
export const agentRoutes = [create, list, patch, presence, workItems, closedWorkItems] as const;
