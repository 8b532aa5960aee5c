import type { Request } from 'express';
import type { AgentRecord } from '../../store/types';
import type { Store } from '../../store/store';

/** What sign-in reads: an agent token's owner. */
type AgentLookup = Pick<Store, 'findAgentByTokenHash' | 'getAgent'>;
import type { Credentials } from '../../auth/credentials';
import { ApiError, ApiErrorCode } from './errors';
import { isAgentToken, sameSecret, sha256, verifyCustomerToken } from '../../auth/tokens';

/** Who is calling: the administrator (supervisor), an agent, or the customer of one conversation. */
export type Principal = { kind: 'admin' } | { kind: 'agent'; agent: AgentRecord } | { kind: 'customer'; conversationId: string };

/** Kinds of principal a route may admit. */
export type PrincipalKind = Principal['kind'];

function unauthorized(message: string): ApiError {
  return new ApiError(ApiErrorCode.Unauthorized, message);
}

/** Resolves bearer tokens to principals. */
export class Authenticator {
  constructor(
    private readonly store: AgentLookup,
    private readonly credentials: Credentials,
  ) {}

  /** The caller of a request; 401 when the token is missing or matches nothing. */
  async authenticate(req: Request): Promise<Principal> {
    const header = req.get('authorization');
    if (!header) throw unauthorized('Send a bearer token: Authorization: Bearer <token>.');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <token>".');
    const token = match[1];
    if (sameSecret(token, this.credentials.adminToken)) return { kind: 'admin' };
    const conversationId = verifyCustomerToken(this.credentials.secret, token);
    if (conversationId !== null) return { kind: 'customer', conversationId };
    if (isAgentToken(token)) {
      const agentId = await this.store.findAgentByTokenHash(sha256(token));
      const agent = agentId === null ? null : await this.store.getAgent(agentId);
      if (agent) return { kind: 'agent', agent };
    }
    throw unauthorized('The bearer token is not valid.');
  }
}
