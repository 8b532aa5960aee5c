import { ALL_EVENT_TYPES } from '../../domain/events';
import { ConversationState } from '../../domain/states';
import { blankConversation, needsAssignment } from '../lib/conversations';
import type { PresenceNote } from '../lib/presence';
import { applyPresence } from '../lib/presence';
import type { SessionState } from '../lib/session-model';
import { SessionModel } from '../lib/session-model';
import { whoIs } from '../lib/session-page';
import type { AgentLoad, ConversationView, QueueStats, StoredEvent, StuckWorkflowItem, UiConfig } from '../lib/types';

const LIST_LIMIT = 200;
// Stuck workflows are recorded by the workers (no stream event): re-read them this often.
const STUCK_REFRESH_MS = 15_000;
const STUCK_LIMIT = 1000;
export const RUNBOOK = 'docs/runbook-stuck-workflows.md';
// The supervisor shows no message text: leave it out of the stream.
const STREAM_TYPES = ALL_EVENT_TYPES.filter((t) => t !== 'conversation.message').join(',');

export interface Filter {
  state: ConversationState | '';
  queueId: string;
  agentId: string;
  /** Only Open conversations whose offers stopped (declined by too many agents): they wait for a pick or an assignment. */
  needsAssignment: boolean;
}

/** Who declined or missed a conversation's offers, from its snapshot (the list's read model only says that offers stopped). */
interface Declines {
  count: number;
  agents: string[];
}

export interface BoardState extends SessionState {
  queues: QueueStats[];
  agents: AgentLoad[];
  conversations: Record<string, ConversationView>;
  /** Of conversations whose offers stopped. */
  declines: Record<string, Declines>;
  /** Why the engine last set each agent's presence. */
  presenceNotes: Record<string, PresenceNote | null>;
  /** Workflows whose workflow tasks keep failing: how many, and those of conversations by conversation id. */
  stuck: { count: number; byConversation: Record<string, StuckWorkflowItem> };
  filter: Filter;
  ui: UiConfig | null;
}

/** Whether a conversation passes the supervisor's filter. */
export function matches(filter: Filter, c: ConversationView): boolean {
  return (
    (filter.state === '' || c.state === filter.state) &&
    (filter.queueId === '' || c.queueId === filter.queueId) &&
    (filter.agentId === '' || c.agentId === filter.agentId) &&
    (!filter.needsAssignment || needsAssignment(c))
  );
}

/** A queue's business hours in a word or two: always open, open until, closed until (local time of the browser). */
export function hoursLabel(q: QueueStats): string {
  if (!q.hours) return 'Always open';
  const at = q.hoursChangeAt
    ? new Date(q.hoursChangeAt).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })
    : null;
  if (q.open) return at ? `Open until ${at}` : 'Open';
  const to = q.outOfHoursQueueId ? ` (to ${q.outOfHoursQueueId})` : '';
  return at ? `Closed until ${at}${to}` : `Closed${to}`;
}

/** The supervisor's board: queues, agents and conversations, kept live by the admin stream. */
export class Board extends SessionModel<BoardState> {
  private stuckTimer: ReturnType<typeof setInterval> | null = null;

  /** Signs in with the admin token. */
  static async open(token: string): Promise<Board> {
    const me = await whoIs(token);
    if (me.kind !== 'admin') throw new Error('That is not the admin token.');
    return new Board({
      token,
      queues: [],
      agents: [],
      conversations: {},
      declines: {},
      presenceNotes: {},
      stuck: { count: 0, byConversation: {} },
      filter: { state: '', queueId: '', agentId: '', needsAssignment: false },
      ui: null,
      status: 'connecting',
      error: null,
    });
  }

  override start(): void {
    this.stuckTimer = setInterval(() => void this.loadStuck().catch(() => undefined), STUCK_REFRESH_MS);
    super.start(`?types=${STREAM_TYPES}`);
  }

  override stop(): void {
    super.stop();
    if (this.stuckTimer) clearInterval(this.stuckTimer);
  }

  async load(): Promise<void> {
    const [queues, agents, ui] = await Promise.all([
      this.call('get', '/api/queues'),
      this.call('get', '/api/agents'),
      this.call('get', '/api/ui-config'),
    ]);
    this.state.queues = queues.queues;
    this.state.agents = agents.agents;
    this.state.ui = ui;
    await Promise.all([this.loadConversations(), this.loadStuck()]);
  }

  /** Reads the stuck workflows (recorded by the workers' monitors). */
  async loadStuck(): Promise<void> {
    const { count, stuckWorkflows } = await this.call('get', '/api/stuck-workflows', { query: { limit: STUCK_LIMIT } });
    const byConversation: Record<string, StuckWorkflowItem> = {};
    for (const w of stuckWorkflows) if (w.conversationId !== null) byConversation[w.conversationId] = w;
    this.state.stuck = { count, byConversation };
    this.changed();
  }

  async loadConversations(): Promise<void> {
    const { state, queueId, agentId } = this.state.filter;
    const query = { limit: LIST_LIMIT, state: state || undefined, queueId: queueId || undefined, agentId: agentId || undefined };
    const { conversations } = await this.call('get', '/api/conversations', { query });
    this.state.conversations = {};
    for (const c of conversations) this.state.conversations[c.conversationId] = c;
    for (const c of conversations)
      if (needsAssignment(c) && !this.state.declines[c.conversationId]) void this.loadDeclines(c.conversationId);
    this.changed();
  }

  /** Reads who declined or missed a conversation whose offers stopped (its snapshot's declines and exclusions). */
  private async loadDeclines(id: string): Promise<void> {
    const answer = await this.call('get', '/api/conversations/:id', { params: { id } }).catch(() => null);
    const c = answer?.conversation;
    // The snapshot has them; the read model (a stuck or evicted workflow) does not.
    if (!c || !('declines' in c)) return;
    this.state.declines[id] = { count: c.declines, agents: c.excludedAgents ?? [] };
    this.changed();
  }

  apply(e: StoredEvent): void {
    const s = this.state;
    switch (e.type) {
      case 'queue.stats': {
        const queue = s.queues.find((q) => q.id === e.queueId);
        if (queue) Object.assign(queue, { depth: e.data.depth, oldestEnqueuedAt: e.data.oldestEnqueuedAt });
        return;
      }
      case 'queue.hours': {
        const queue = s.queues.find((q) => q.id === e.queueId);
        if (queue) Object.assign(queue, { open: e.data.open, hoursChangeAt: e.data.changeAt, outOfHoursQueueId: e.data.outOfHoursQueueId });
        return;
      }
      case 'agent.presence': {
        const agent = s.agents.find((a) => a.id === e.agentId);
        if (!agent) return this.reloadAgentsSoon();
        const { note, reread } = applyPresence(agent, e.data);
        s.presenceNotes[agent.id] = note;
        if (reread) this.reloadAgentsSoon();
        return;
      }
      case 'agent.capacity': {
        const agent = s.agents.find((a) => a.id === e.agentId);
        if (agent) Object.assign(agent, e.data);
        else this.reloadAgentsSoon();
        return;
      }
      case 'conversation.offer': {
        // Its agentId is the offered agent, not who has the conversation: only the offer fields change.
        const c = s.conversations[e.conversationId as string];
        if (!c) return;
        const standing = e.data.status === 'offered';
        c.offerAgentId = standing ? e.data.agentId : null;
        c.offerExpiresAt = standing ? e.data.expiresAt : null;
        c.offersStopped = e.data.offersStopped;
        if (needsAssignment(c)) void this.loadDeclines(c.conversationId);
        return;
      }
      default: {
        const id = e.conversationId;
        if (!id) return;
        // A conversation new to the board enters with its state event; other events only patch known rows.
        if (!s.conversations[id] && e.type !== 'conversation.state') return;
        const c = (s.conversations[id] ??= blankConversation(id, e.at, {
          state: ConversationState.Open,
          agentId: null,
          queueId: e.queueId ?? '',
        }));
        c.agentId = e.agentId;
        if (e.queueId) c.queueId = e.queueId;
        if (e.type === 'conversation.state') {
          const closed = e.data.to === ConversationState.Closed;
          c.state = e.data.to;
          c.stateEnteredAt = e.data.stateEnteredAt;
          c.channel = e.data.channel;
          c.staleFlaggedAt = closed ? c.staleFlaggedAt : null;
          c.closedAt = closed ? e.data.stateEnteredAt : null;
        } else if (e.type === 'conversation.unread') c.unreadCount = e.data.unreadCount;
        else if (e.type === 'conversation.stale') c.staleFlaggedAt = e.data.staleFlaggedAt;
        else if (e.type === 'conversation.deadline') Object.assign(c, e.data);
      }
    }
  }

  private agentsRefresh: ReturnType<typeof setTimeout> | null = null;

  /** Re-reads the agents soon (a new agent; a chosen presence, which presence events do not carry), coalescing bursts. */
  private reloadAgentsSoon(): void {
    if (this.agentsRefresh) return;
    this.agentsRefresh = setTimeout(() => {
      this.agentsRefresh = null;
      this.call('get', '/api/agents').then(
        ({ agents }) => {
          this.state.agents = agents;
          this.changed();
        },
        () => undefined,
      );
    }, 300);
  }

  /** Assigns an Open conversation to an agent. */
  assign(id: string, agentId: string): Promise<boolean> {
    return this.act(() => this.call('post', '/api/conversations/:id/assign', { params: { id }, body: { agentId } }));
  }

  /** Moves an Active conversation to another queue. */
  transfer(id: string, toQueueId: string): Promise<boolean> {
    return this.act(() => this.call('post', '/api/conversations/:id/transfer', { params: { id }, body: { toQueueId } }));
  }

  /** Closes a conversation whatever its state. */
  forceClose(id: string): Promise<boolean> {
    return this.act(() => this.call('post', '/api/conversations/:id/force-close', { params: { id }, body: {} }));
  }

  setFilter(patch: Partial<Filter>): Promise<boolean> {
    Object.assign(this.state.filter, patch);
    return this.act(() => this.loadConversations());
  }

  agentName(id: string): string {
    return this.state.agents.find((a) => a.id === id)?.name ?? id;
  }
}
