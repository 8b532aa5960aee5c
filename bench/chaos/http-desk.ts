import type { Pool } from 'pg';
import type { Presence } from '../../src/domain/presence';
import type { ConversationState } from '../../src/domain/states';
import type { ApiClient, Reply } from '../split/http';
import type { Desk, DeskItem, NewChat, Op, Outcome } from './desk';

/** The route of each operation under /api/conversations/:id/, and whether the customer sends it. */
const ROUTES: Record<Op, { path: string; customer: boolean }> = {
  accept: { path: 'accept', customer: false },
  decline: { path: 'decline', customer: false },
  pick: { path: 'pick', customer: false },
  end: { path: 'end', customer: false },
  closeTab: { path: 'close-tab', customer: false },
  transfer: { path: 'transfer', customer: false },
  reopen: { path: 'reopen', customer: false },
  customerEnd: { path: 'end', customer: true },
  disconnect: { path: 'disconnect', customer: true },
};

type ErrorBody = { error?: { code?: string } };

/** What an HTTP answer says about whether the change was applied (README: "Temporal trouble is a 503"). */
export function outcomeOfReply(reply: Reply<ErrorBody>, ok: number): Outcome {
  if (reply.status === ok) return { kind: 'ok' };
  const code = reply.body.error?.code ?? `HTTP_${reply.status}`;
  if (reply.status === 503) return code === 'OUTCOME_UNKNOWN' ? { kind: 'unknown', code } : { kind: 'notApplied', code };
  // 429 applied nothing; any other 5xx is a bug whose effect is unknown.
  if (reply.status === 429) return { kind: 'notApplied', code };
  if (reply.status >= 500) return { kind: 'unknown', code };
  return { kind: 'refused', code };
}

/**
 * The chaos workload's desk over the HTTP API, as agent desktops and chat
 * widgets use it: agent tokens for agents, the customer token a start
 * answered for the customer, an Idempotency-Key on every change. Every answer
 * other than the expected one is counted by status and code.
 */
export class HttpDesk implements Desk {
  private readonly customerTokens = new Map<string, string>();
  /** Answers by "status code", for the report. */
  readonly statuses = new Map<string, number>();

  constructor(
    private readonly api: ApiClient,
    private readonly agentTokens: ReadonlyMap<string, string>,
    private readonly pg: Pool,
  ) {}

  private count(reply: Reply<ErrorBody>): void {
    const label = `${reply.status}${reply.body.error?.code ? ` ${reply.body.error.code}` : ''}`;
    this.statuses.set(label, (this.statuses.get(label) ?? 0) + 1);
  }

  private async send<T>(method: string, path: string, token: string | null, body?: unknown, key?: string): Promise<Reply<T & ErrorBody>> {
    try {
      const reply = await this.api.send<T & ErrorBody>(method, path, token, body, key ? { 'Idempotency-Key': key } : {});
      this.count(reply);
      return reply;
    } catch (error) {
      this.statuses.set('network error', (this.statuses.get('network error') ?? 0) + 1);
      throw error;
    }
  }

  private agentToken(agentId: string): string {
    const token = this.agentTokens.get(agentId);
    if (!token) throw new Error(`no token for ${agentId}`);
    return token;
  }

  async start(key: string, chat: NewChat): Promise<{ outcome: Outcome; conversationId?: string }> {
    const reply = await this.send<{ conversation?: { conversationId: string }; customerToken?: string }>(
      'POST',
      '/api/conversations',
      null,
      { customer: { id: `customer-${key}` }, queueId: chat.queueId, requirements: chat.requirements },
      key,
    ).catch(
      (error: unknown) =>
        ({ status: 0, body: { error: { code: `NETWORK ${(error as Error).message}` } } }) as Reply<
          ErrorBody & { conversation?: { conversationId: string }; customerToken?: string }
        >,
    );
    const outcome =
      reply.status === 0 ? ({ kind: 'unknown', code: reply.body.error?.code ?? 'NETWORK' } as Outcome) : outcomeOfReply(reply, 201);
    const id = reply.body.conversation?.conversationId;
    if (outcome.kind === 'ok' && id && reply.body.customerToken) this.customerTokens.set(id, reply.body.customerToken);
    return { outcome, conversationId: outcome.kind === 'ok' ? id : undefined };
  }

  async operate(conversationId: string, op: Op, agentId: string | null, key: string, toQueueId?: string): Promise<Outcome> {
    const route = ROUTES[op];
    const token = route.customer ? this.customerTokens.get(conversationId) : agentId && this.agentToken(agentId);
    if (!token) return { kind: 'refused', code: 'NO_TOKEN' };
    const body = op === 'transfer' ? { toQueueId } : {};
    try {
      return outcomeOfReply(await this.send('POST', `/api/conversations/${conversationId}/${route.path}`, token, body, key), 200);
    } catch (error) {
      return { kind: 'unknown', code: `NETWORK ${(error as Error).message}` };
    }
  }

  async setPresence(agentId: string, presence: Presence): Promise<Outcome> {
    return outcomeOfReply(await this.send('PUT', `/api/agents/${agentId}/presence`, this.agentToken(agentId), { presence }), 200);
  }

  async workItems(agentId: string): Promise<DeskItem[]> {
    const reply = await this.send<{ workItems?: DeskItem[] }>('GET', `/api/agents/${agentId}/work-items`, this.agentToken(agentId));
    return reply.body.workItems ?? [];
  }

  async openWork(queueId: string, agentId: string): Promise<string[]> {
    const reply = await this.send<{ openWorkItems?: { conversationId: string }[] }>(
      'GET',
      `/api/queues/${queueId}/open-work-items`,
      this.agentToken(agentId),
    );
    return (reply.body.openWorkItems ?? []).map((e) => e.conversationId);
  }

  async agents(): Promise<{ id: string; presence: Presence; chosenPresence: Presence }[]> {
    const reply = await this.send<{ agents?: { id: string; presence: Presence; chosenPresence: Presence }[] }>(
      'GET',
      '/api/agents',
      this.api.adminToken,
    );
    return reply.body.agents ?? [];
  }

  async states(): Promise<Map<string, ConversationState>> {
    const { rows } = await this.pg.query<{ conversation_id: string; state: ConversationState }>(
      'SELECT conversation_id, state FROM conversations',
    );
    return new Map(rows.map((r) => [r.conversation_id, r.state]));
  }
}
