import type { Presence } from '../../domain/presence';
import type { AgentInput } from '../../store/types';
import type { Principal } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode, forbidden, unknownAgent, unknownQueue } from '../errors';
import type { RouteSpec } from '../route';
import { route } from '../route';
import * as s from '../schemas';
import { newAgentToken } from '../tokens';

type IdParams = { id: string };
type AgentFields = Omit<AgentInput, 'id'>;
const DAY_MS = 24 * 60 * 60 * 1000;

/** 403 unless the caller is the admin or this very agent. */
function requireSelfOrAdmin(principal: Principal | null, agentId: string): void {
  if (principal?.kind === 'admin') return;
  if (principal?.kind === 'agent' && principal.agent.id === agentId) return;
  throw forbidden('Only the agent themselves or the admin may do this.');
}

async function requireAgent(ctx: ApiContext, agentId: string): Promise<void> {
  if (!(await ctx.store.getAgent(agentId))) throw unknownAgent(agentId);
}

/** Checked before any write so a bad membership changes nothing (and leaves no token behind). */
async function requireQueues(ctx: ApiContext, queues: readonly string[] | undefined): Promise<void> {
  for (const queueId of queues ?? []) if (!(await ctx.store.getQueue(queueId))) throw unknownQueue(queueId);
}

const agentReply = (description: string) => ({ description, schema: { type: 'object', properties: { agent: s.Agent } } as const });

const create = route<AgentInput>({
  method: 'post',
  path: '/api/agents',
  tag: 'Agents',
  summary: 'Creates an agent and answers its bearer token, once (only its SHA-256 hash is stored).',
  access: ['admin'],
  body: s.CreateAgentBody,
  responses: {
    201: {
      description: 'Created.',
      schema: { type: 'object', properties: { agent: s.Agent, token: { type: 'string' } }, required: ['agent', 'token'] },
    },
  },
  async handle(ctx, req) {
    if (await ctx.store.getAgent(req.body.id)) {
      throw new ApiError(ApiErrorCode.AlreadyExists, `Agent ${req.body.id} exists; PATCH /api/agents/${req.body.id} changes it.`);
    }
    await requireQueues(ctx, req.body.queues);
    const { token, hash } = newAgentToken();
    // The token first (it has no foreign key): an agent never exists without one, and a failed create takes it back.
    await ctx.store.addAgentToken(req.body.id, hash);
    try {
      const agent = await ctx.changes.upsertAgent(req.body);
      return { status: 201, body: { agent, token }, headers: { Location: `/api/agents/${agent.id}` } };
    } catch (error) {
      if (!(await ctx.store.getAgent(req.body.id))) await ctx.store.deleteAgentToken(hash);
      throw error;
    }
  },
});

const patch = route<AgentFields, IdParams>({
  method: 'patch',
  path: '/api/agents/:id',
  tag: 'Agents',
  summary: 'Changes an agent’s name, capacity, queues or presence (omitted fields stay).',
  access: ['admin'],
  params: s.IdParams,
  body: s.PatchAgentBody,
  responses: { 200: agentReply('Changed.') },
  async handle(ctx, req) {
    await requireAgent(ctx, req.params.id);
    await requireQueues(ctx, req.body.queues);
    return { status: 200, body: { agent: await ctx.changes.upsertAgent({ ...req.body, id: req.params.id }) } };
  },
});

const list = route({
  method: 'get',
  path: '/api/agents',
  tag: 'Agents',
  summary: 'Every agent with presence and capacity used/total (admin as supervisor).',
  access: ['admin'],
  query: s.NoQuery,
  responses: { 200: { description: 'All agents.', schema: s.listOf('agents', s.AgentLoad) } },
  async handle(ctx) {
    return { status: 200, body: { agents: await ctx.store.listAgents() } };
  },
});

const presence = route<{ presence: Presence }, IdParams>({
  method: 'put',
  path: '/api/agents/:id/presence',
  tag: 'Agents',
  summary: 'Sets an agent’s presence (the agent themselves or the admin); queued work may be pushed at once.',
  access: ['admin', 'agent'],
  params: s.IdParams,
  body: s.PresenceBody,
  responses: { 200: agentReply('Set.') },
  async handle(ctx, req) {
    requireSelfOrAdmin(req.principal, req.params.id);
    const agent = await ctx.changes.setPresence(req.params.id, req.body.presence);
    if (!agent) throw unknownAgent(req.params.id);
    return { status: 200, body: { agent } };
  },
});

const workItems = route<unknown, IdParams>({
  method: 'get',
  path: '/api/agents/:id/work-items',
  tag: 'Agents',
  summary: 'My work items: the agent’s Active, Wrap-up and Waiting conversations, each with its unread count.',
  access: ['admin', 'agent'],
  params: s.IdParams,
  query: s.NoQuery,
  responses: { 200: { description: 'Oldest first.', schema: s.listOf('workItems', s.WorkItem) } },
  async handle(ctx, req) {
    requireSelfOrAdmin(req.principal, req.params.id);
    await requireAgent(ctx, req.params.id);
    return { status: 200, body: { workItems: await ctx.store.listWorkItems(req.params.id) } };
  },
});

const closedWorkItems = route<unknown, IdParams>({
  method: 'get',
  path: '/api/agents/:id/closed-work-items',
  tag: 'Agents',
  summary: 'Closed work items: the agent’s conversations closed in the past 24 hours.',
  access: ['admin', 'agent'],
  params: s.IdParams,
  query: s.NoQuery,
  responses: { 200: { description: 'Newest first.', schema: s.listOf('closedWorkItems', s.WorkItem) } },
  async handle(ctx, req) {
    requireSelfOrAdmin(req.principal, req.params.id);
    await requireAgent(ctx, req.params.id);
    const since = new Date(Date.now() - DAY_MS);
    return { status: 200, body: { closedWorkItems: await ctx.store.listClosedWorkItems(req.params.id, since) } };
  },
});

/** Agent administration, presence and work items. */
export const agentRoutes: readonly RouteSpec[] = [create, list, patch, presence, workItems, closedWorkItems];
