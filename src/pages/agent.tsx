import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ALL_PRESENCES } from '../domain/presence';
import { api, messageOf } from './lib/api';
import type { StreamStatus } from './lib/event-stream';
import { followEvents } from './lib/event-stream';
import { clock, elapsed, shortId, stateLabel } from './lib/format';
import { Model, useModel, useNow } from './lib/model';
import type { PresenceNote } from './lib/presence';
import { applyPresence, presenceWhy } from './lib/presence';
import { observeServerTime, serverTime } from './lib/server-clock';
import { clearToken, loadToken, saveToken } from './lib/session';
import type { AgentLoad, ChatMessage, ConversationView, Me, Presence, QueueEntry, QueueStats, StoredEvent } from './lib/types';
import { Composer, ErrorBox, mount, SignIn, StatusLine } from './lib/ui';

const PAGE = 'agent';
const DAY_MS = 24 * 60 * 60 * 1000;
const WORK_STATES = ['Active', 'WrapUp', 'Waiting'];

interface OpenItem {
  conversationId: string;
  queueId: string;
  enqueuedAt: string;
}

/** A conversation offered to me (offer-mode queue): Open, my capacity reserved, until I answer or it expires. */
interface Offer {
  conversationId: string;
  queueId: string;
  /** Null until the conversation was read (an offer event does not carry it). */
  channel: string | null;
  customer: string | null;
  /** When the countdown ends (server time). */
  expiresAt: string | null;
  /** The countdown's full length: the offer's own timeout (its snapshot), else from the offer event's time. */
  totalMs: number | null;
}

interface DeskState {
  token: string;
  agent: AgentLoad;
  /** Why the engine last set my presence (a missed offer, automatic presence), while that presence stands. */
  presenceNote: PresenceNote | null;
  /** Offers standing for me, by conversation. */
  offers: Record<string, Offer>;
  /** What the offers' live region last said (a new offer, an expiry). */
  announcement: string;
  /** My conversations, work items and closed ones alike. */
  items: Record<string, ConversationView>;
  /** The Open work of my queues. */
  open: Record<string, OpenItem>;
  queues: QueueStats[];
  selected: string | null;
  messages: Record<string, ChatMessage[]>;
  customers: Record<string, string>;
  status: StreamStatus;
  error: string | null;
}

/** The agent desktop's state and what changes it: API answers and stream events. */
class Desk extends Model<DeskState> {
  private stream: { close(): void } | null = null;
  private markingRead = new Set<string>();

  private readonly onVisible = (): void => {
    const id = this.state.selected;
    if (id && document.visibilityState === 'visible' && (this.state.items[id]?.unreadCount ?? 0) > 0) this.markRead(id);
  };

  start(): void {
    // Messages that arrived while the tab was hidden count as read once the agent looks again.
    document.addEventListener('visibilitychange', this.onVisible);
    this.stream = followEvents(this.state.token, {
      load: () => this.load(),
      apply: (event) => {
        observeServerTime(event.at);
        this.apply(event);
        this.changed();
      },
      status: (status, detail) => {
        this.state.status = status;
        if (detail && status !== 'live') this.state.error = detail;
        this.changed();
      },
    });
  }

  stop(): void {
    document.removeEventListener('visibilitychange', this.onVisible);
    this.stream?.close();
  }

  private call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    return api<T>(this.state.token, method, path, body);
  }

  async load(): Promise<void> {
    const s = this.state;
    const me = await this.call<Me>('GET', '/api/me');
    if (me.kind !== 'agent') throw new Error('This is not an agent token.');
    s.agent = me.agent;
    const [work, closed, queues] = await Promise.all([
      this.call<{ workItems: ConversationView[] }>('GET', `/api/agents/${encodeURIComponent(s.agent.id)}/work-items`),
      this.call<{ closedWorkItems: ConversationView[] }>('GET', `/api/agents/${encodeURIComponent(s.agent.id)}/closed-work-items`),
      this.call<{ queues: QueueStats[] }>('GET', '/api/queues'),
    ]);
    const open = await Promise.all(
      s.agent.queues.map((q) => this.call<{ openWorkItems: QueueEntry[] }>('GET', `/api/queues/${encodeURIComponent(q)}/open-work-items`)),
    );
    s.items = {};
    const offers: Record<string, Offer> = {};
    for (const item of [...work.workItems, ...closed.closedWorkItems]) {
      // Work items include what is offered to me: Open, with me as the offer's agent.
      if (item.state === 'Open') {
        if (item.offerAgentId === s.agent.id) offers[item.conversationId] = offerFrom(item, s.offers[item.conversationId]);
      } else s.items[item.conversationId] = item;
    }
    s.offers = offers;
    if (s.presenceNote && s.presenceNote.presence !== s.agent.presence) s.presenceNote = null;
    s.open = {};
    for (const entry of open.flatMap((o) => o.openWorkItems)) s.open[entry.conversationId] = entry;
    s.queues = queues.queues;
    if (s.selected) await this.loadConversation(s.selected);
    for (const offer of Object.values(offers)) if (offer.customer === null) void this.loadOffer(offer.conversationId);
    this.changed();
  }

  /** Reads an offered conversation for what its notification shows besides the event: channel and customer. */
  private async loadOffer(id: string): Promise<void> {
    const answer = await this.call<{
      conversation: { channel: string; queueId: string; customer?: { id: string; name?: string }; offer?: { timeoutMs: number } | null };
    }>('GET', `/api/conversations/${encodeURIComponent(id)}`).catch(() => null);
    const offer = this.state.offers[id];
    if (!answer || !offer) return;
    const { channel, queueId, customer } = answer.conversation;
    offer.channel = channel;
    offer.queueId = queueId || offer.queueId;
    // The snapshot (not the read-model fallback) has the offer's terms.
    if (answer.conversation.offer?.timeoutMs) offer.totalMs = answer.conversation.offer.timeoutMs;
    if (customer) {
      offer.customer = customer.name ?? customer.id;
      this.state.customers[id] = offer.customer;
    }
    this.changed();
  }

  /** Re-reads /api/me for my chosen presence (which a presence event does not carry) and load, coalescing bursts. */
  private rereadMe(): void {
    if (this.meRefresh) return;
    this.meRefresh = setTimeout(() => {
      this.meRefresh = null;
      this.call<Me>('GET', '/api/me').then(
        (me) => {
          if (me.kind !== 'agent') return;
          Object.assign(this.state.agent, me.agent);
          this.changed();
        },
        () => undefined,
      );
    }, 200);
  }

  private meRefresh: ReturnType<typeof setTimeout> | null = null;

  private async loadConversation(id: string): Promise<void> {
    const [messages, snapshot] = await Promise.all([
      this.call<{ messages: ChatMessage[] }>('GET', `/api/conversations/${encodeURIComponent(id)}/messages`),
      this.call<{ conversation: { customer?: { id: string; name?: string } } }>(
        'GET',
        `/api/conversations/${encodeURIComponent(id)}`,
      ).catch(() => null),
    ]);
    this.state.messages[id] = messages.messages;
    const customer = snapshot?.conversation.customer;
    if (customer) this.state.customers[id] = customer.name ?? customer.id;
  }

  apply(e: StoredEvent): void {
    const s = this.state;
    const me = s.agent.id;
    switch (e.type) {
      case 'agent.presence': {
        if (e.agentId !== me) return;
        const { note, reread } = applyPresence(s.agent, e.data);
        s.presenceNote = note;
        if (reread) this.rereadMe();
        return;
      }
      case 'conversation.offer': {
        const id = e.conversationId as string;
        if (e.agentId !== me) return;
        if (e.data.status === 'offered') {
          const known = s.offers[id];
          s.offers[id] = {
            conversationId: id,
            queueId: e.queueId ?? known?.queueId ?? '',
            channel: known?.channel ?? null,
            customer: known?.customer ?? s.customers[id] ?? null,
            expiresAt: e.data.expiresAt,
            // The offer was made in the write this event comes from.
            totalMs: known?.totalMs ?? (e.data.expiresAt ? Math.max(1000, Date.parse(e.data.expiresAt) - Date.parse(e.at)) : null),
          };
          // It left its queue's Open work while offered.
          delete s.open[id];
          if (!known) {
            const left = e.data.expiresAt ? `: ${secondsLeft(e.data.expiresAt, serverTime(Date.now()))} seconds to accept or decline` : '';
            s.announcement = `New offer from ${this.queueName(e.queueId ?? '')} (conversation ${shortId(id)})${left}.`;
            void this.loadOffer(id);
          }
        } else if (s.offers[id]) {
          delete s.offers[id];
          if (e.data.status === 'expired') s.announcement = `The offer of conversation ${shortId(id)} expired.`;
          else if (e.data.status === 'withdrawn') s.announcement = `The offer of conversation ${shortId(id)} was withdrawn.`;
        }
        return;
      }
      case 'agent.capacity':
        if (e.agentId === me) Object.assign(s.agent, e.data);
        return;
      case 'queue.stats': {
        const queue = s.queues.find((q) => q.id === e.queueId);
        if (queue) Object.assign(queue, { depth: e.data.depth, oldestEnqueuedAt: e.data.oldestEnqueuedAt });
        // A conversation can leave a queue without an event this agent sees (overflow to a queue not theirs):
        // when the depth disagrees with the list, read the list again.
        const listed = Object.values(s.open).filter((o) => o.queueId === e.queueId).length;
        if (e.queueId && s.agent.queues.includes(e.queueId) && listed !== e.data.depth) this.refreshOpen(e.queueId);
        return;
      }
      case 'conversation.state': {
        const id = e.conversationId as string;
        if (e.data.from === 'Open') {
          delete s.open[id];
          // Ended (the customer left) or taken while offered: its offer event says so too; this covers a missed one.
          delete s.offers[id];
        }
        if (e.data.to === 'Open' && e.queueId && s.agent.queues.includes(e.queueId)) {
          s.open[id] = { conversationId: id, queueId: e.queueId, enqueuedAt: e.data.stateEnteredAt };
        }
        if (e.agentId === me) {
          const item = this.item(e);
          item.state = e.data.to;
          item.stateEnteredAt = e.data.stateEnteredAt;
          item.staleFlaggedAt = e.data.to === 'Closed' ? item.staleFlaggedAt : null;
          item.closedAt = e.data.to === 'Closed' ? e.data.stateEnteredAt : null;
        } else if (e.previousAgentId === me) this.drop(id);
        return;
      }
      case 'conversation.assigned':
      case 'conversation.transferred':
        if (e.agentId === me) this.item(e);
        else if (e.previousAgentId === me) this.drop(e.conversationId as string);
        return;
      case 'conversation.unread': {
        const item = s.items[e.conversationId as string];
        if (item) item.unreadCount = e.data.unreadCount;
        if (item && item.unreadCount > 0 && s.selected === item.conversationId) this.markRead(item.conversationId);
        return;
      }
      case 'conversation.stale': {
        const item = s.items[e.conversationId as string];
        if (item) item.staleFlaggedAt = e.data.staleFlaggedAt;
        return;
      }
      case 'conversation.deadline': {
        const item = s.items[e.conversationId as string];
        if (item) Object.assign(item, e.data);
        return;
      }
      case 'conversation.message': {
        const list = s.messages[e.conversationId as string];
        if (list && !list.some((m) => m.id === e.data.messageId)) {
          list.push({
            id: e.data.messageId,
            conversationId: e.conversationId as string,
            sender: e.data.sender,
            text: e.data.text,
            createdAt: e.data.createdAt,
          });
        }
        return;
      }
    }
  }

  private readonly openRefresh = new Map<string, ReturnType<typeof setTimeout>>();

  /** Re-reads one queue's Open work soon (coalescing bursts of queue events). */
  private refreshOpen(queueId: string): void {
    if (this.openRefresh.has(queueId)) return;
    this.openRefresh.set(
      queueId,
      setTimeout(() => {
        this.openRefresh.delete(queueId);
        this.call<{ openWorkItems: QueueEntry[] }>('GET', `/api/queues/${encodeURIComponent(queueId)}/open-work-items`).then(
          ({ openWorkItems }) => {
            const s = this.state;
            for (const [id, entry] of Object.entries(s.open)) if (entry.queueId === queueId) delete s.open[id];
            for (const entry of openWorkItems) s.open[entry.conversationId] = entry;
            this.changed();
          },
          () => undefined,
        );
      }, 300),
    );
  }

  /** My item for the event's conversation, created from the event when new to this page. */
  private item(e: StoredEvent): ConversationView {
    const id = e.conversationId as string;
    const item = (this.state.items[id] ??= newItem(id, e.agentId, e.queueId ?? '', e.at));
    item.agentId = e.agentId;
    if (e.queueId) item.queueId = e.queueId;
    return item;
  }

  queueName(id: string): string {
    return this.state.queues.find((q) => q.id === id)?.name ?? id;
  }

  /** The offer's countdown length: its own, else its queue's offer timeout as this page last read it. */
  offerTimeoutMs(offer: Offer): number {
    if (offer.totalMs) return offer.totalMs;
    const queue = this.state.queues.find((q) => q.id === offer.queueId);
    return queue && queue.offerTimeoutMs > 0 ? queue.offerTimeoutMs : 1000;
  }

  /** Accepts an offer: it becomes mine, Active, and opens. */
  async accept(id: string): Promise<boolean> {
    const ok = await this.act(async () => {
      await this.call('POST', `/api/conversations/${encodeURIComponent(id)}/accept`, {});
      const s = this.state;
      const offer = s.offers[id];
      delete s.offers[id];
      s.announcement = 'Accepted: it is in My work items.';
      // The stream's events follow; until then the answer is enough to list it.
      const item = (s.items[id] ??= newItem(id, s.agent.id, offer?.queueId ?? '', new Date().toISOString()));
      if (item.state === 'Open') item.state = 'Active';
      if (offer?.channel) item.channel = offer.channel as ConversationView['channel'];
    });
    if (!ok) {
      this.refreshOffers();
      return false;
    }
    return this.select(id);
  }

  /** Declines an offer (the reason is optional); it goes back to its queue, never offered to me again. */
  async decline(id: string, reason: string): Promise<boolean> {
    const ok = await this.act(async () => {
      await this.call('POST', `/api/conversations/${encodeURIComponent(id)}/decline`, reason ? { reason } : {});
      delete this.state.offers[id];
      this.state.announcement = 'Declined.';
    });
    if (!ok) this.refreshOffers();
    return ok;
  }

  /** Re-reads which offers stand for me (after a refused answer: the offer may have ended meanwhile). */
  private refreshOffers(): void {
    const s = this.state;
    this.call<{ workItems: ConversationView[] }>('GET', `/api/agents/${encodeURIComponent(s.agent.id)}/work-items`).then(
      ({ workItems }) => {
        const standing = workItems.filter((w) => w.state === 'Open' && w.offerAgentId === s.agent.id);
        const offers: Record<string, Offer> = {};
        for (const w of standing) offers[w.conversationId] = offerFrom(w, s.offers[w.conversationId]);
        s.offers = offers;
        this.changed();
      },
      () => undefined,
    );
  }

  private drop(id: string): void {
    delete this.state.items[id];
    if (this.state.selected === id) this.state.selected = null;
  }

  /** Runs an action; a refusal shows the API's message. Answers whether it worked. */
  async act(work: () => Promise<unknown>): Promise<boolean> {
    this.state.error = null;
    this.changed();
    try {
      await work();
      return true;
    } catch (error) {
      this.state.error = messageOf(error);
      return false;
    } finally {
      this.changed();
    }
  }

  select(id: string | null): Promise<boolean> {
    return this.act(async () => {
      const s = this.state;
      s.selected = id;
      if (id === null) return;
      const item = s.items[id];
      // Opening a Waiting work item reopens it (Waiting -> Active), as the agent dashboard does.
      if (item?.state === 'Waiting') await this.call('POST', `/api/conversations/${encodeURIComponent(id)}/reopen`, {});
      await this.loadConversation(id);
      if ((s.items[id]?.unreadCount ?? 0) > 0) this.markRead(id);
    });
  }

  /** Marks the selected conversation's messages read while the agent looks at it. */
  markRead(id: string): void {
    if (this.markingRead.has(id) || document.visibilityState !== 'visible') return;
    this.markingRead.add(id);
    this.call('POST', `/api/conversations/${encodeURIComponent(id)}/read`, {})
      .catch((error: unknown) => {
        this.state.error = messageOf(error);
        this.changed();
      })
      .finally(() => this.markingRead.delete(id));
  }

  operation(id: string, op: string, body: unknown = {}): Promise<boolean> {
    return this.act(() => this.call('POST', `/api/conversations/${encodeURIComponent(id)}/${op}`, body));
  }

  send(id: string, text: string): Promise<boolean> {
    return this.act(async () => {
      const { message } = await this.call<{ message: ChatMessage }>('POST', `/api/conversations/${encodeURIComponent(id)}/messages`, {
        text,
      });
      const list = (this.state.messages[id] ??= []);
      if (!list.some((m) => m.id === message.id)) list.push(message);
    });
  }

  setPresence(presence: Presence): Promise<boolean> {
    return this.act(async () => {
      const { agent } = await this.call<{ agent: Partial<AgentLoad> }>(
        'PUT',
        `/api/agents/${encodeURIComponent(this.state.agent.id)}/presence`,
        { presence },
      );
      // My choice now; automatic presence may still show Busy for it (the answer's presence is the one in force).
      Object.assign(this.state.agent, agent);
      this.state.presenceNote = null;
    });
  }
}

/** A conversation new to this page, from what an event or an answer says of it. */
function newItem(id: string, agentId: string | null, queueId: string, at: string): ConversationView {
  return {
    conversationId: id,
    state: 'Active',
    agentId,
    lastAgentId: null,
    queueId,
    channel: 'chat',
    priority: 0,
    units: 0,
    customerId: '',
    unreadCount: 0,
    createdAt: at,
    stateEnteredAt: at,
    closedAt: null,
    staleFlaggedAt: null,
    waitingTimeoutAt: null,
    reviveUntil: null,
    offerAgentId: null,
    offerExpiresAt: null,
    offersStopped: false,
    waitingReason: null,
    version: 0,
  };
}

/** An offer from my work items' read model (kept details of one already shown). */
function offerFrom(item: ConversationView, known: Offer | undefined): Offer {
  return {
    conversationId: item.conversationId,
    queueId: item.queueId,
    channel: item.channel,
    customer: known?.customer ?? null,
    expiresAt: item.offerExpiresAt,
    totalMs: known?.totalMs ?? null,
  };
}

/** Whole seconds left until `at` (rounded up: "1 s" until it is over). */
function secondsLeft(at: string, now: number): number {
  return Math.max(0, Math.ceil((Date.parse(at) - now) / 1000));
}

function WorkItemRow({ desk, item, now }: { desk: Desk; item: ConversationView; now: number }) {
  const s = desk.state;
  const label = s.customers[item.conversationId] ?? shortId(item.conversationId);
  return (
    <li>
      <button
        type="button"
        class={`item${s.selected === item.conversationId ? ' selected' : ''}`}
        aria-current={s.selected === item.conversationId ? 'true' : undefined}
        data-conversation={item.conversationId}
        onClick={() => void desk.select(item.conversationId)}
      >
        <span class="item-title" title={item.conversationId}>
          {label}
        </span>
        <span class={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
        <span class="muted" title="Time in state">
          {elapsed(item.stateEnteredAt, now)}
        </span>
        {item.unreadCount > 0 ? (
          <span class="badge unread" data-testid="unread" aria-label={`${item.unreadCount} unread`}>
            {item.unreadCount}
          </span>
        ) : null}
        {item.staleFlaggedAt ? <span class="badge stale">stale</span> : null}
      </button>
    </li>
  );
}

/** Where focus goes when the control that had it is gone (an answered or expired offer): the next offer, else My work items. */
function refocus(): void {
  const next = document.querySelector<HTMLElement>('[data-testid="offer"] button');
  (next ?? document.getElementById('my-work'))?.focus();
}

function OfferCard({ desk, offer }: { desk: Desk; offer: Offer }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  // Deadlines are server times: count on the server's clock.
  const now = serverTime(useNow(250));
  const card = useRef<HTMLElement>(null);
  // A layout effect: its cleanup runs while the card is still in the document (a passive one's runs after paint, too late).
  useLayoutEffect(() => {
    const element = card.current;
    return () => {
      // Unmounting while focus is inside (Decline pressed, or it expired under the agent's hands): keep the keyboard somewhere useful.
      if (element?.contains(document.activeElement)) setTimeout(refocus, 0);
    };
  }, []);
  const id = offer.conversationId;
  const total = desk.offerTimeoutMs(offer);
  const leftMs = offer.expiresAt ? Math.max(0, Date.parse(offer.expiresAt) - now) : 0;
  const seconds = offer.expiresAt ? secondsLeft(offer.expiresAt, now) : null;
  const titleId = `offer-title-${id}`;
  const queue = desk.queueName(offer.queueId);
  // While an answer is on its way the buttons say so (aria-disabled) but keep focus: a disabled button would drop it.
  const answer = (work: () => Promise<boolean>): void => {
    if (busy) return;
    setBusy(true);
    void work().finally(() => setBusy(false));
  };
  return (
    <li>
      <article class="offer" ref={card} aria-labelledby={titleId} data-testid="offer" data-conversation={id}>
        <h3 id={titleId}>
          {offer.customer ?? 'A customer'} · {offer.channel ?? 'conversation'} from {queue}
        </h3>
        <p class="offer-details">
          <span>
            Queue <strong data-testid="offer-queue">{queue}</strong>
          </span>
          <span>
            Channel <strong data-testid="offer-channel">{offer.channel ?? '…'}</strong>
          </span>
          <span class="muted" title={id}>
            {shortId(id)}
          </span>
        </p>
        {seconds !== null ? (
          <div class="countdown">
            <span role="timer" aria-live="off" data-testid="offer-countdown" data-seconds={seconds}>
              {seconds > 0 ? `${seconds} s left` : 'expiring…'}
            </span>
            <progress
              max={total}
              value={Math.min(total, leftMs)}
              aria-label={`Time left to accept: ${seconds} seconds`}
              data-testid="offer-progress"
            />
            {offer.expiresAt ? <span class="muted">until {clock(offer.expiresAt)}</span> : null}
          </div>
        ) : null}
        <form
          class="offer-actions"
          onSubmit={(e) => {
            e.preventDefault();
            answer(() => desk.decline(id, reason.trim()));
          }}
        >
          <button
            type="button"
            class="accept"
            aria-disabled={busy ? 'true' : undefined}
            onClick={() =>
              answer(() =>
                desk.accept(id).then((ok) => {
                  // The conversation opens: the reply box takes the keyboard (after the pane renders).
                  if (ok) setTimeout(() => document.getElementById('reply')?.focus(), 0);
                  return ok;
                }),
              )
            }
          >
            Accept
          </button>
          <label for={`decline-reason-${id}`}>Reason (optional)</label>
          <input
            id={`decline-reason-${id}`}
            value={reason}
            maxLength={500}
            placeholder="why you decline"
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" class="decline" aria-disabled={busy ? 'true' : undefined}>
            Decline
          </button>
        </form>
      </article>
    </li>
  );
}

/** The incoming offers, at the top of the desktop; the live region announces each new one (the countdown is not read out). */
function Offers({ desk }: { desk: Desk }) {
  const s = desk.state;
  const offers = Object.values(s.offers).sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''));
  return (
    <section class={`offers${offers.length ? ' has-offers' : ''}`} aria-labelledby={offers.length ? 'offers-title' : undefined}>
      <p class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="offer-announcement">
        {s.announcement}
      </p>
      {offers.length ? (
        <>
          <h2 id="offers-title">Incoming offer{offers.length > 1 ? `s (${offers.length})` : ''}</h2>
          <ul class="offer-list" data-testid="offers">
            {offers.map((offer) => (
              <OfferCard key={offer.conversationId} desk={desk} offer={offer} />
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function ConversationPane({ desk, id }: { desk: Desk; id: string }) {
  const s = desk.state;
  const item = s.items[id];
  const [queue, setQueue] = useState('');
  const [toAgent, setToAgent] = useState('');
  const log = useRef<HTMLDivElement>(null);
  const messages = s.messages[id] ?? [];
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView({ block: 'nearest' });
  }, [messages.length]);
  if (!item) return null;
  const active = item.state === 'Active';
  return (
    <section class="pane" aria-labelledby="pane-title">
      <header class="pane-head">
        <h2 id="pane-title">
          {s.customers[id] ?? shortId(id)} <span class={`badge state-${item.state}`}>{stateLabel(item.state)}</span>
        </h2>
        <div class="actions">
          {active ? (
            <button type="button" onClick={() => void desk.operation(id, 'end')}>
              End
            </button>
          ) : null}
          {item.state === 'Waiting' ? (
            <button type="button" onClick={() => void desk.operation(id, 'reopen')}>
              Reopen
            </button>
          ) : null}
          {active || item.state === 'WrapUp' ? (
            <button
              type="button"
              class="close-tab"
              aria-label="Close tab"
              title="Close tab"
              onClick={() => void desk.operation(id, 'close-tab')}
            >
              ✕ Close tab
            </button>
          ) : null}
        </div>
      </header>
      <div class="messages" ref={log} role="log" aria-live="polite" aria-label="Messages" data-testid="messages">
        {messages.map((m) => (
          <p key={m.id} class={`message from-${m.sender}`}>
            <span class="who">{m.sender === 'customer' ? 'Customer' : 'You'}</span> {m.text}
            <time class="muted" dateTime={m.createdAt}>
              {clock(m.createdAt)}
            </time>
          </p>
        ))}
      </div>
      <Composer id="reply" label="Reply" disabled={!active} send={(text) => desk.send(id, text)} />
      {active ? (
        <form
          class="transfer"
          onSubmit={(e) => {
            e.preventDefault();
            const body = toAgent.trim() ? { toAgentId: toAgent.trim() } : queue ? { toQueueId: queue } : null;
            if (body) void desk.operation(id, 'transfer', body);
          }}
        >
          <label for="transfer-queue">Transfer to queue</label>
          <select id="transfer-queue" value={queue} onChange={(e) => setQueue(e.currentTarget.value)}>
            <option value="">—</option>
            {s.queues.map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
          <label for="transfer-agent">or agent</label>
          <input id="transfer-agent" value={toAgent} placeholder="agent id" onInput={(e) => setToAgent(e.currentTarget.value)} />
          <button type="submit">Transfer</button>
        </form>
      ) : null}
    </section>
  );
}

function Desktop({ desk, onSignOut }: { desk: Desk; onSignOut: () => void }) {
  const s = useModel(desk);
  const now = useNow(1000);
  const mine = Object.values(s.items).filter((i) => i.agentId === s.agent.id);
  const work = mine.filter((i) => WORK_STATES.includes(i.state)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const closed = mine
    .filter((i) => i.state === 'Closed' && i.closedAt !== null && now - Date.parse(i.closedAt) < DAY_MS)
    .sort((a, b) => (b.closedAt ?? '').localeCompare(a.closedAt ?? ''));
  const open = Object.values(s.open).sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt));
  const queueName = (id: string) => desk.queueName(id);
  const why = presenceWhy(s.agent, s.presenceNote);
  return (
    <div class="desk">
      <header class="top">
        <h1>Agent desktop</h1>
        <span>
          {s.agent.name} · capacity <span data-testid="capacity">{`${s.agent.usedUnits}/${s.agent.capacity}`}</span>
        </span>
        <label for="presence">Presence</label>
        <select
          id="presence"
          value={s.agent.presence}
          aria-describedby={why ? 'presence-why' : undefined}
          onChange={(e) => void desk.setPresence(e.currentTarget.value as Presence)}
        >
          {ALL_PRESENCES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        {/* Always rendered (a live region must exist before it speaks): says why when the engine set the presence. */}
        <span
          id="presence-why"
          class="presence-why"
          role="status"
          data-testid="presence-why"
          title={why ? s.presenceNote?.reason : undefined}
        >
          {why ?? ''}
        </span>
        <StatusLine status={s.status} />
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <ErrorBox
        error={s.error}
        onDismiss={() => {
          s.error = null;
          desk.changed();
        }}
      />
      <Offers desk={desk} />
      <div class="columns">
        <nav class="lists" aria-label="Work">
          <section aria-labelledby="my-work">
            <h2 id="my-work" tabIndex={-1}>
              My work items
            </h2>
            <ul class="items" data-testid="my-work">
              {work.map((item) => (
                <WorkItemRow key={item.conversationId} desk={desk} item={item} now={now} />
              ))}
            </ul>
            {work.length === 0 ? <p class="muted">Nothing assigned.</p> : null}
          </section>
          <section aria-labelledby="open-work">
            <h2 id="open-work">Open work</h2>
            <ul class="items" data-testid="open-work">
              {open.map((entry) => (
                <li key={entry.conversationId} class="open-entry">
                  <span title={entry.conversationId}>{shortId(entry.conversationId)}</span>
                  <span class="muted">
                    {queueName(entry.queueId)} · waiting {elapsed(entry.enqueuedAt, now)}
                  </span>
                  <button
                    type="button"
                    onClick={() => void desk.operation(entry.conversationId, 'pick').then((ok) => ok && desk.select(entry.conversationId))}
                  >
                    Pick
                  </button>
                </li>
              ))}
            </ul>
            {open.length === 0 ? <p class="muted">No open work in your queues.</p> : null}
          </section>
          <section aria-labelledby="closed-work">
            <h2 id="closed-work">Closed work items</h2>
            <ul class="items" data-testid="closed-work">
              {closed.map((item) => (
                <li key={item.conversationId}>
                  <button
                    type="button"
                    class="item"
                    data-conversation={item.conversationId}
                    onClick={() => void desk.select(item.conversationId)}
                  >
                    <span class="item-title">{s.customers[item.conversationId] ?? shortId(item.conversationId)}</span>
                    <span class="muted">closed {item.closedAt ? clock(item.closedAt) : ''}</span>
                  </button>
                </li>
              ))}
            </ul>
            {closed.length === 0 ? <p class="muted">None in the past 24 hours.</p> : null}
          </section>
        </nav>
        <main class="main">
          {s.selected && s.items[s.selected] ? (
            <ConversationPane key={s.selected} desk={desk} id={s.selected} />
          ) : (
            <p class="muted placeholder">Pick open work or select a work item.</p>
          )}
        </main>
      </div>
    </div>
  );
}

function App() {
  const [desk, setDesk] = useState<Desk | null>(null);
  const signIn = async (token: string): Promise<void> => {
    const me = await api<Me>(token, 'GET', '/api/me');
    if (me.kind !== 'agent') throw new Error('That is not an agent token: the admin signs in on the supervisor page.');
    saveToken(PAGE, token);
    const next = new Desk({
      token,
      agent: me.agent,
      presenceNote: null,
      offers: {},
      announcement: '',
      items: {},
      open: {},
      queues: [],
      selected: null,
      messages: {},
      customers: {},
      status: 'connecting',
      error: null,
    });
    next.start();
    setDesk(next);
  };
  useEffect(() => {
    const saved = loadToken(PAGE);
    if (saved) signIn(saved).catch(() => clearToken(PAGE));
  }, []);
  useEffect(() => () => desk?.stop(), [desk]);
  if (!desk) return <SignIn title="Agent desktop" label="Agent token" onSignIn={signIn} />;
  return (
    <Desktop
      desk={desk}
      onSignOut={() => {
        desk.stop();
        clearToken(PAGE);
        setDesk(null);
      }}
    />
  );
}

mount(<App />);
