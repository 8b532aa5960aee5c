import { useEffect, useState } from 'preact/hooks';
import { ALL_EVENT_TYPES } from '../domain/events';
import { ALL_STATES } from '../domain/states';
import { api, messageOf } from './lib/api';
import type { StreamStatus } from './lib/event-stream';
import { followEvents } from './lib/event-stream';
import { clock, elapsed, shortId, stateLabel } from './lib/format';
import { Model, useModel, useNow } from './lib/model';
import type { PresenceNote } from './lib/presence';
import { applyPresence, presenceWhy } from './lib/presence';
import { observeServerTime, serverTime } from './lib/server-clock';
import { clearToken, loadToken, saveToken } from './lib/session';
import type { AgentLoad, ConversationState, ConversationView, Me, QueueStats, StoredEvent, StuckWorkflowItem, UiConfig } from './lib/types';
import { ErrorBox, mount, SignIn, StatusLine } from './lib/ui';

const PAGE = 'supervisor';
const LIST_LIMIT = 200;
// Stuck workflows are recorded by the workers (no stream event): re-read them this often.
const STUCK_REFRESH_MS = 15_000;
const STUCK_LIMIT = 1000;
const RUNBOOK = 'docs/runbook-stuck-workflows.md';
// The supervisor shows no message text: leave it out of the stream.
const STREAM_TYPES = ALL_EVENT_TYPES.filter((t) => t !== 'conversation.message').join(',');

interface Filter {
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

interface BoardState {
  token: string;
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
  status: StreamStatus;
  error: string | null;
}

/** An Open conversation no longer pushed to anyone: the supervisor should assign it. */
function needsAssignment(c: ConversationView): boolean {
  return c.state === 'Open' && c.offersStopped;
}

function matches(filter: Filter, c: ConversationView): boolean {
  return (
    (filter.state === '' || c.state === filter.state) &&
    (filter.queueId === '' || c.queueId === filter.queueId) &&
    (filter.agentId === '' || c.agentId === filter.agentId) &&
    (!filter.needsAssignment || needsAssignment(c))
  );
}

/** A queue's business hours in a word or two: always open, open until, closed until (local time of the browser). */
function hoursLabel(q: QueueStats): string {
  if (!q.hours) return 'Always open';
  const at = q.hoursChangeAt
    ? new Date(q.hoursChangeAt).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })
    : null;
  if (q.open) return at ? `Open until ${at}` : 'Open';
  const to = q.outOfHoursQueueId ? ` (to ${q.outOfHoursQueueId})` : '';
  return at ? `Closed until ${at}${to}` : `Closed${to}`;
}

/** The supervisor's board: queues, agents and conversations, kept live by the admin stream. */
class Board extends Model<BoardState> {
  private stream: { close(): void } | null = null;
  private stuckTimer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    this.stuckTimer = setInterval(() => void this.loadStuck().catch(() => undefined), STUCK_REFRESH_MS);
    this.stream = followEvents(
      this.state.token,
      {
        load: () => this.load(),
        apply: (event) => {
          observeServerTime(event.at);
          this.apply(event);
          this.changed();
        },
        status: (status) => {
          this.state.status = status;
          this.changed();
        },
      },
      `?types=${STREAM_TYPES}`,
    );
  }

  stop(): void {
    this.stream?.close();
    if (this.stuckTimer) clearInterval(this.stuckTimer);
  }

  private call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return api<T>(this.state.token, method, path, body);
  }

  async load(): Promise<void> {
    const [queues, agents, ui] = await Promise.all([
      this.call<{ queues: QueueStats[] }>('GET', '/api/queues'),
      this.call<{ agents: AgentLoad[] }>('GET', '/api/agents'),
      this.call<UiConfig>('GET', '/api/ui-config'),
    ]);
    this.state.queues = queues.queues;
    this.state.agents = agents.agents;
    this.state.ui = ui;
    await Promise.all([this.loadConversations(), this.loadStuck()]);
  }

  /** Reads the stuck workflows (recorded by the workers' monitors). */
  async loadStuck(): Promise<void> {
    const { count, stuckWorkflows } = await this.call<{ count: number; stuckWorkflows: StuckWorkflowItem[] }>(
      'GET',
      `/api/stuck-workflows?limit=${STUCK_LIMIT}`,
    );
    const byConversation: Record<string, StuckWorkflowItem> = {};
    for (const w of stuckWorkflows) if (w.conversationId !== null) byConversation[w.conversationId] = w;
    this.state.stuck = { count, byConversation };
    this.changed();
  }

  async loadConversations(): Promise<void> {
    const { state, queueId, agentId } = this.state.filter;
    const query = new URLSearchParams({ limit: String(LIST_LIMIT) });
    if (state) query.set('state', state);
    if (queueId) query.set('queueId', queueId);
    if (agentId) query.set('agentId', agentId);
    const { conversations } = await this.call<{ conversations: ConversationView[] }>('GET', `/api/conversations?${query.toString()}`);
    this.state.conversations = {};
    for (const c of conversations) this.state.conversations[c.conversationId] = c;
    for (const c of conversations)
      if (needsAssignment(c) && !this.state.declines[c.conversationId]) void this.loadDeclines(c.conversationId);
    this.changed();
  }

  /** Reads who declined or missed a conversation whose offers stopped (its snapshot's declines and exclusions). */
  private async loadDeclines(id: string): Promise<void> {
    const answer = await this.call<{ source: string; conversation: { declines?: number; excludedAgents?: string[] } }>(
      'GET',
      `/api/conversations/${encodeURIComponent(id)}`,
    ).catch(() => null);
    const c = answer?.conversation;
    if (!c || c.declines === undefined) return;
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
        const c = (s.conversations[id] ??= {
          conversationId: id,
          state: 'Open',
          agentId: null,
          lastAgentId: null,
          queueId: e.queueId ?? '',
          channel: 'chat',
          priority: 0,
          units: 0,
          customerId: '',
          unreadCount: 0,
          createdAt: e.at,
          stateEnteredAt: e.at,
          closedAt: null,
          staleFlaggedAt: null,
          waitingTimeoutAt: null,
          reviveUntil: null,
          offerAgentId: null,
          offerExpiresAt: null,
          offersStopped: false,
          waitingReason: null,
          version: 0,
        });
        c.agentId = e.agentId;
        if (e.queueId) c.queueId = e.queueId;
        if (e.type === 'conversation.state') {
          c.state = e.data.to;
          c.stateEnteredAt = e.data.stateEnteredAt;
          c.channel = e.data.channel;
          c.staleFlaggedAt = e.data.to === 'Closed' ? c.staleFlaggedAt : null;
          c.closedAt = e.data.to === 'Closed' ? e.data.stateEnteredAt : null;
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
      this.call<{ agents: AgentLoad[] }>('GET', '/api/agents').then(
        ({ agents }) => {
          this.state.agents = agents;
          this.changed();
        },
        () => undefined,
      );
    }, 300);
  }

  async act(work: () => Promise<unknown>): Promise<void> {
    this.state.error = null;
    this.changed();
    try {
      await work();
    } catch (error) {
      this.state.error = messageOf(error);
    }
    this.changed();
  }

  operation(id: string, op: 'assign' | 'transfer' | 'force-close', body: unknown = {}): Promise<void> {
    return this.act(() => this.call('POST', `/api/conversations/${encodeURIComponent(id)}/${op}`, body));
  }

  setFilter(patch: Partial<Filter>): Promise<void> {
    Object.assign(this.state.filter, patch);
    return this.act(() => this.loadConversations());
  }

  agentName(id: string): string {
    return this.state.agents.find((a) => a.id === id)?.name ?? id;
  }
}

/** What the Offer column says: a standing offer (to whom, until when), or that offers stopped and it needs assignment. */
function OfferCell({ board, c, now }: { board: Board; c: ConversationView; now: number }) {
  if (c.state !== 'Open') return null;
  if (c.offerAgentId) {
    const left = c.offerExpiresAt ? Math.max(0, Math.ceil((Date.parse(c.offerExpiresAt) - serverTime(now)) / 1000)) : null;
    return (
      <span class="badge offered" data-testid="offer">
        offered to {board.agentName(c.offerAgentId)}
        {c.offerExpiresAt ? ` until ${clock(c.offerExpiresAt)}` : ''}
        {left !== null ? ` (${left} s)` : ''}
      </span>
    );
  }
  if (!c.offersStopped) return null;
  const declines = board.state.declines[c.conversationId];
  const queue = board.state.queues.find((q) => q.id === c.queueId);
  const count = declines?.count ?? queue?.maxDeclines;
  const who = declines?.agents.length ? `Declined or missed by ${declines.agents.map((a) => board.agentName(a)).join(', ')}` : undefined;
  return (
    <span class="badge needs" data-testid="offer" title={who}>
      needs assignment{count !== undefined ? `: declined by ${count} agent${count === 1 ? '' : 's'}` : ': offers stopped'}
    </span>
  );
}

/** The marker of a conversation whose workflow is stuck: in words (not only a colour), the error in its tooltip. */
function StuckBadge({ w }: { w: StuckWorkflowItem }) {
  return (
    <span class="badge stuck" data-testid="stuck" title={`${w.cause}: ${w.message}`}>
      {`workflow stuck since ${clock(w.since)} (${w.attempts} failed attempts, ${w.cause}); operations fail until an operator fixes it`}
    </span>
  );
}

function ConversationRow({ board, c, now }: { board: Board; c: ConversationView; now: number }) {
  const s = board.state;
  const [agent, setAgent] = useState('');
  const [queue, setQueue] = useState('');
  const label = shortId(c.conversationId);
  const ui = s.ui;
  const link = ui?.temporalUiUrl
    ? `${ui.temporalUiUrl}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(`conversation-${c.conversationId}`)}`
    : null;
  const stuck = s.stuck.byConversation[c.conversationId];
  const rowClass = stuck ? 'stuck' : needsAssignment(c) ? 'needs-assignment' : undefined;
  return (
    <tr data-conversation={c.conversationId} class={rowClass}>
      <td title={c.conversationId}>
        {label}
        {stuck ? <StuckBadge w={stuck} /> : null}
      </td>
      <td data-testid="state">{stateLabel(c.state)}</td>
      <td>{c.queueId}</td>
      <td data-testid="agent">{c.agentId ?? '—'}</td>
      <td>
        <OfferCell board={board} c={c} now={now} />
      </td>
      <td>{elapsed(c.stateEnteredAt, now)}</td>
      <td data-testid="unread">{c.unreadCount}</td>
      <td>{c.staleFlaggedAt ? 'stale' : ''}</td>
      <td class="row-actions">
        {c.state === 'Open' ? (
          <>
            <select aria-label={`Agent to assign ${label} to`} value={agent} onChange={(e) => setAgent(e.currentTarget.value)}>
              <option value="">agent…</option>
              {s.agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!agent} onClick={() => void board.operation(c.conversationId, 'assign', { agentId: agent })}>
              Assign
            </button>
          </>
        ) : null}
        {c.state === 'Active' ? (
          <>
            <select aria-label={`Queue to transfer ${label} to`} value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
              <option value="">queue…</option>
              {s.queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={!queue}
              onClick={() => void board.operation(c.conversationId, 'transfer', { toQueueId: queue })}
            >
              Transfer
            </button>
          </>
        ) : null}
        {c.state !== 'Closed' ? (
          <button type="button" onClick={() => void board.operation(c.conversationId, 'force-close')}>
            Force close
          </button>
        ) : null}
        {link ? (
          <a href={link} target="_blank" rel="noopener noreferrer">
            Temporal
          </a>
        ) : null}
      </td>
    </tr>
  );
}

function BoardView({ board, onSignOut }: { board: Board; onSignOut: () => void }) {
  const s = useModel(board);
  const now = useNow(1000);
  const waiting = Object.values(s.conversations).filter(needsAssignment).length;
  const stuck = s.stuck.count;
  const rows = Object.values(s.conversations)
    .filter((c) => matches(s.filter, c))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.conversationId.localeCompare(b.conversationId));
  return (
    <div class="board">
      <header class="top">
        <h1>Supervisor</h1>
        <StatusLine status={s.status} />
        {s.ui && !s.ui.temporalUiUrl ? <span class="muted">Temporal UI: set TEMPORAL_UI_URL to link conversations.</span> : null}
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <p class={stuck ? 'stuck-note' : 'muted'} role={stuck ? 'alert' : 'status'} data-testid="stuck-workflows">
        {stuck
          ? `${stuck} stuck workflow${stuck === 1 ? '' : 's'}: ${stuck === 1 ? 'its' : 'their'} workflow tasks keep failing, and operations on ${stuck === 1 ? 'it' : 'them'} fail (WORKFLOW_STUCK) until an operator fixes ${stuck === 1 ? 'it' : 'them'}. See ${RUNBOOK}.`
          : 'No stuck workflows.'}
      </p>
      <ErrorBox
        error={s.error}
        onDismiss={() => {
          s.error = null;
          board.changed();
        }}
      />
      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <table data-testid="queues">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Depth</th>
              <th scope="col">Oldest wait</th>
              <th scope="col">Members available</th>
              <th scope="col">Hours</th>
            </tr>
          </thead>
          <tbody>
            {s.queues.map((q) => {
              const members = s.agents.filter((a) => a.queues.includes(q.id));
              const available = members.filter((a) => a.presence === 'Available').length;
              return (
                <tr key={q.id} data-queue={q.id}>
                  <th scope="row">{q.name}</th>
                  <td data-testid="depth">{q.depth}</td>
                  <td>{q.oldestEnqueuedAt ? elapsed(q.oldestEnqueuedAt, now) : '—'}</td>
                  <td>
                    {available} of {members.length}
                  </td>
                  <td data-testid="hours">{hoursLabel(q)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="agents-title">
        <h2 id="agents-title">Agents</h2>
        <table data-testid="agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Presence</th>
              <th scope="col">Capacity used</th>
              <th scope="col">Conversations</th>
            </tr>
          </thead>
          <tbody>
            {s.agents.map((a) => {
              const why = presenceWhy(a, s.presenceNotes[a.id] ?? null);
              return (
                <tr key={a.id} data-agent={a.id}>
                  <th scope="row">{a.name}</th>
                  <td data-testid="presence">
                    {a.presence}
                    {why ? (
                      <span class="muted presence-note" data-testid="presence-why">
                        {' '}
                        — {why}
                      </span>
                    ) : null}
                  </td>
                  <td data-testid="capacity">{`${a.usedUnits}/${a.capacity}`}</td>
                  <td data-testid="conversations">{a.conversations}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="conversations-title">
        <h2 id="conversations-title">Conversations</h2>
        <p class={waiting ? 'needs-note' : 'muted'} role="status" data-testid="needs-assignment">
          {waiting
            ? `${waiting} conversation${waiting === 1 ? '' : 's'} need${waiting === 1 ? 's' : ''} assignment: offers stopped after too many declines.`
            : 'No conversation waits for assignment.'}
        </p>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <label for="filter-state">State</label>
          <select
            id="filter-state"
            value={s.filter.state}
            onChange={(e) => void board.setFilter({ state: e.currentTarget.value as ConversationState | '' })}
          >
            <option value="">any</option>
            {ALL_STATES.map((st) => (
              <option key={st} value={st}>
                {stateLabel(st)}
              </option>
            ))}
          </select>
          <label for="filter-queue">Queue</label>
          <select id="filter-queue" value={s.filter.queueId} onChange={(e) => void board.setFilter({ queueId: e.currentTarget.value })}>
            <option value="">any</option>
            {s.queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
          <label for="filter-agent">Agent</label>
          <select id="filter-agent" value={s.filter.agentId} onChange={(e) => void board.setFilter({ agentId: e.currentTarget.value })}>
            <option value="">any</option>
            {s.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <input
            id="filter-needs"
            type="checkbox"
            checked={s.filter.needsAssignment}
            onChange={(e) => {
              // Client-side: the list already holds them (the server filters by state, queue and agent).
              s.filter.needsAssignment = e.currentTarget.checked;
              board.changed();
            }}
          />
          <label for="filter-needs">Needs assignment only</label>
        </form>
        <table data-testid="conversations">
          <thead>
            <tr>
              <th scope="col">Conversation</th>
              <th scope="col">State</th>
              <th scope="col">Queue</th>
              <th scope="col">Agent</th>
              <th scope="col">Offer</th>
              <th scope="col">In state for</th>
              <th scope="col">Unread</th>
              <th scope="col">Stale</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <ConversationRow key={c.conversationId} board={board} c={c} now={now} />
            ))}
          </tbody>
        </table>
        {rows.length === 0 ? <p class="muted">No conversations match.</p> : null}
      </section>
    </div>
  );
}

function App() {
  const [board, setBoard] = useState<Board | null>(null);
  const signIn = async (token: string): Promise<void> => {
    const me = await api<Me>(token, 'GET', '/api/me');
    if (me.kind !== 'admin') throw new Error('That is not the admin token.');
    saveToken(PAGE, token);
    const next = new Board({
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
    next.start();
    setBoard(next);
  };
  useEffect(() => {
    const saved = loadToken(PAGE);
    if (saved) signIn(saved).catch(() => clearToken(PAGE));
  }, []);
  useEffect(() => () => board?.stop(), [board]);
  if (!board) {
    return (
      <SignIn title="Supervisor" label="Admin token" onSignIn={signIn}>
        <p class="muted">
          The admin token is in <code>data/admin-token</code> (or <code>CONVOFLOW_ADMIN_TOKEN</code>).
        </p>
      </SignIn>
    );
  }
  return (
    <BoardView
      board={board}
      onSignOut={() => {
        board.stop();
        clearToken(PAGE);
        setBoard(null);
      }}
    />
  );
}

mount(<App />);
