import { Type } from '@sinclair/typebox';
import type { ApiContext } from '../context';
import { unknownAgent } from '../http/errors';
import type { Idempotency } from '../http/idempotency';
import * as r from '../schemas/responses';
import type { ReplayedCredentials } from '../http/route';
import { json, none, reply, route } from '../http/route';
import * as s from '../schemas/requests';
import { newAgentToken } from '../../auth/tokens';

/** A new agent token, its hash (what the store keeps) and when it expires. */
export interface IssuedAgentToken {
  token: string;
  hash: string;
  expiresAt: string | null;
}

/**
 * The token to issue for a request: derived from its Idempotency-Key when it
 * has one (so a replay can answer the same token, which is never stored), else random.
 */
export function agentTokenFor(ctx: ApiContext, idempotency: Idempotency | null): IssuedAgentToken {
  const { token, hash } = idempotency ? newAgentToken(ctx.credentials.secret, idempotency.derive('agent-token')) : newAgentToken();
  const ttl = ctx.limits.agentTokenTtlMs;
  return { token, hash, expiresAt: ttl === null ? null : new Date(Date.now() + ttl).toISOString() };
}

/** Answers carrying an agent token keep it out of the idempotency record; a replay derives it again from the key. */
export const agentTokenCredentials: ReplayedCredentials = {
  fields: ['token'],
  restore: (_stored, ctx, idempotency) => ({ token: agentTokenFor(ctx, idempotency).token }),
};

const issue = route({
  method: 'post',
  path: '/api/agents/:id/tokens',
  tag: 'Agents',
  summary:
    'Issues a new bearer token for an agent (the admin, for any agent including those from the configuration file; or the agent itself, to rotate). Answered once; `revokeOthers` signs the agent out everywhere else.',
  access: ['admin', 'agent'],
  selfOnly: true,
  params: s.IdParams,
  query: s.NoQuery,
  body: json(s.IssueTokenBody),
  responses: { 201: { description: 'Issued; only its hash is stored.', schema: r.IssuedToken } },
  credentials: agentTokenCredentials,
  async handle(ctx, req) {
    if (!(await ctx.store.getAgent(req.params.id))) throw unknownAgent(req.params.id);
    const issued = agentTokenFor(ctx, req.idempotency);
    await ctx.store.addAgentToken(req.params.id, issued.hash, issued.expiresAt);
    if (req.body.revokeOthers === true) await ctx.store.revokeAgentTokens(req.params.id, issued.hash);
    return reply(201, { agentId: req.params.id, token: issued.token, expiresAt: issued.expiresAt });
  },
});

const revoke = route({
  method: 'delete',
  path: '/api/agents/:id/tokens',
  tag: 'Agents',
  summary: 'Revokes every token of an agent, the calling one included: signs the agent out everywhere (the admin, or the agent itself).',
  access: ['admin', 'agent'],
  selfOnly: true,
  params: s.IdParams,
  query: s.NoQuery,
  body: none,
  responses: {
    200: {
      description: 'Revoked.',
      schema: s.closed({ agentId: s.Id, revoked: Type.Integer({ minimum: 0, description: 'Tokens revoked.' }) }),
    },
  },
  async handle(ctx, req) {
    if (!(await ctx.store.getAgent(req.params.id))) throw unknownAgent(req.params.id);
    return reply(200, { agentId: req.params.id, revoked: await ctx.store.revokeAgentTokens(req.params.id) });
  },
});

/** Issuing, rotating and revoking agent tokens. */
export const agentTokenRoutes = [issue, revoke] as const;
