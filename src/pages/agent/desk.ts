import { ConversationState, WORK_ITEM_STATES } from '../../domain/states';
import { blankConversation } from '../lib/conversations';
import type { PresenceNote } from '../lib/presence';
import { applyPresence } from '../lib/presence';
import type { SessionState } from '../lib/session-model';
import { SessionModel } from '../lib/session-model';
import { whoIs } from '../lib/session-page';
import type { Offer } from './offer';
import { applyOfferEvent, offeredTo, offerFrom, offerTimeoutMs } from './offer';
import type { AgentLoad, ChatMessage, ConversationView, Presence, QueueStats, StoredEvent } from '../lib/types';

/** An Open conversation of one of my queues, which I may pick. */
export interface OpenItem {
  conversationId: string;
  queueId: string;
  enqueuedAt: string;
}

export interface DeskState extends SessionState {
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
}

/** The lifecycle operations the desktop sends (POST /api/conversations/:id/<op>). */
export type DeskOperation = 'end' | 'reopen' | 'close-tab' | 'pick';

/** The agent desktop's state and what changes it: API answers and stream events. */
export class Desk extends SessionModel<DeskState> {
  private markingRead = new Set<string>();
  private meRefresh: ReturnType<typeof setTimeout> | null = null;
  private readonly openRefresh = new Map<string, ReturnType<typeof setTimeout>>();

  /** Signs in with an agent token: the desk of that agent. */
  static async open(token: string): Promise<Desk> {
    const me = await whoIs(token);
    if (me.kind !== 'agent') throw new Error('That is not an agent token: the admin signs in on the supervisor page.');
    return new Desk({
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
  }

  private readonly onVisible = (): void => {
    const id = this.state.selected;
    if (id && document.visibilityState === 'visible' && (this.state.items[id]?.unreadCount ?? 0) > 0) this.markRead(id);
  };

  override start(): void {
    // Messages that arrived while the tab was hidden count as read once the agent looks again.
    document.addEventListener('visibilitychange', this.onVisible);
    super.start();
  }

  override stop(): void {
    document.removeEventListener('visibilitychange', this.onVisible);
    super.stop();
  }

  async load(): Promise<void> {
    const s = this.state;
    const me = await this.call('get', '/api/me');
    if (me.kind !== 'agent') throw new Error('This is not an agent token.');
    s.agent = me.agent;
    const params = { id: s.agent.id };
    const [work, closed, queues] = await Promise.all([
      this.call('get', '/api/agents/:id/work-items', { params }),
      this.call('get', '/api/agents/:id/closed-work-items', { params }),
      this.call('get', '/api/queues'),
    ]);
    const open = await Promise.all(s.agent.queues.map((id) => this.call('get', '/api/queues/:id/open-work-items', { params: { id } })));
    s.items = {};
    const offers: Record<string, Offer> = {};
    for (const item of [...work.workItems, ...closed.closedWorkItems]) {
      // Work items include what is offered to me: Open, with me as the offer's agent.
      if (item.state !== ConversationState.Open) s.items[item.conversationId] = item;
      else if (offeredTo(item, s.agent.id)) offers[item.conversationId] = offerFrom(item, s.offers[item.conversationId]);
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
    const answer = await this.call('get', '/api/conversations/:id', { params: { id } }).catch(() => null);
    const offer = this.state.offers[id];
    if (!answer || !offer) return;
    const c = answer.conversation;
    offer.channel = c.channel;
    offer.queueId = c.queueId || offer.queueId;
    // The snapshot (not the read-model fallback) has the offer's terms.
    if ('offer' in c && c.offer?.timeoutMs) offer.totalMs = c.offer.timeoutMs;
    if ('customer' in c) {
      offer.customer = c.customer.name ?? c.customer.id;
      this.state.customers[id] = offer.customer;
    }
    this.changed();
  }

  /** Re-reads /api/me for my chosen presence (which a presence event does not carry) and load, coalescing bursts. */
  private rereadMe(): void {
    if (this.meRefresh) return;
    this.meRefresh = setTimeout(() => {
      this.meRefresh = null;
      this.call('get', '/api/me').then(
        (me) => {
          if (me.kind !== 'agent') return;
          Object.assign(this.state.agent, me.agent);
          this.changed();
        },
        () => undefined,
      );
    }, 200);
  }

  private async loadConversation(id: string): Promise<void> {
    const [messages, read] = await Promise.all([
      this.call('get', '/api/conversations/:id/messages', { params: { id } }),
      this.call('get', '/api/conversations/:id', { params: { id } }).catch(() => null),
    ]);
    this.state.messages[id] = messages.messages;
    const c = read?.conversation;
    if (c && 'customer' in c) this.state.customers[id] = c.customer.name ?? c.customer.id;
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
      case 'conversation.offer':
        if (e.agentId === me && applyOfferEvent(s, e, (id) => this.queueName(id))) void this.loadOffer(e.conversationId as string);
        return;
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
        if (e.data.from === ConversationState.Open) {
          delete s.open[id];
          // Ended (the customer left) or taken while offered: its offer event says so too; this covers a missed one.
          delete s.offers[id];
        }
        if (e.data.to === ConversationState.Open && e.queueId && s.agent.queues.includes(e.queueId)) {
          s.open[id] = { conversationId: id, queueId: e.queueId, enqueuedAt: e.data.stateEnteredAt };
        }
        if (e.agentId === me) {
          const item = this.item(e);
          const closed = e.data.to === ConversationState.Closed;
          item.state = e.data.to;
          item.stateEnteredAt = e.data.stateEnteredAt;
          item.staleFlaggedAt = closed ? item.staleFlaggedAt : null;
          item.closedAt = closed ? e.data.stateEnteredAt : null;
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
          const { messageId: id, sender, text, createdAt } = e.data;
          list.push({ id, conversationId: e.conversationId as string, sender, text, createdAt });
        }
        return;
      }
    }
  }

  /** Re-reads one queue's Open work soon (coalescing bursts of queue events). */
  private refreshOpen(queueId: string): void {
    if (this.openRefresh.has(queueId)) return;
    this.openRefresh.set(
      queueId,
      setTimeout(() => {
        this.openRefresh.delete(queueId);
        this.call('get', '/api/queues/:id/open-work-items', { params: { id: queueId } }).then(
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
    const item = (this.state.items[id] ??= blankConversation(id, e.at, {
      state: ConversationState.Active,
      agentId: e.agentId,
      queueId: e.queueId ?? '',
    }));
    item.agentId = e.agentId;
    if (e.queueId) item.queueId = e.queueId;
    return item;
  }

  /** The offer's countdown length: its own, else its queue's offer timeout as this page last read it. */
  offerTimeoutMs(offer: Offer): number {
    return offerTimeoutMs(offer, this.state.queues);
  }

  queueName(id: string): string {
    return this.state.queues.find((q) => q.id === id)?.name ?? id;
  }

  /** Accepts an offer: it becomes mine, Active, and opens. */
  async accept(id: string): Promise<boolean> {
    const ok = await this.act(async () => {
      await this.call('post', '/api/conversations/:id/accept', { params: { id }, body: {} });
      const s = this.state;
      const offer = s.offers[id];
      delete s.offers[id];
      s.announcement = 'Accepted: it is in My work items.';
      // The stream's events follow; until then the answer is enough to list it.
      const item = (s.items[id] ??= blankConversation(id, new Date().toISOString(), {
        state: ConversationState.Active,
        agentId: s.agent.id,
        queueId: offer?.queueId ?? '',
      }));
      if (item.state === ConversationState.Open) item.state = ConversationState.Active;
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
      await this.call('post', '/api/conversations/:id/decline', { params: { id }, body: reason ? { reason } : {} });
      delete this.state.offers[id];
      this.state.announcement = 'Declined.';
    });
    if (!ok) this.refreshOffers();
    return ok;
  }

  /** Re-reads which offers stand for me (after a refused answer: the offer may have ended meanwhile). */
  private refreshOffers(): void {
    const s = this.state;
    this.call('get', '/api/agents/:id/work-items', { params: { id: s.agent.id } }).then(
      ({ workItems }) => {
        const offers: Record<string, Offer> = {};
        for (const w of workItems) if (offeredTo(w, s.agent.id)) offers[w.conversationId] = offerFrom(w, s.offers[w.conversationId]);
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

  select(id: string | null): Promise<boolean> {
    return this.act(async () => {
      const s = this.state;
      s.selected = id;
      if (id === null) return;
      // Opening a Waiting work item reopens it (Waiting -> Active), as the agent dashboard does.
      if (s.items[id]?.state === ConversationState.Waiting)
        await this.call('post', '/api/conversations/:id/reopen', { params: { id }, body: {} });
      await this.loadConversation(id);
      if ((s.items[id]?.unreadCount ?? 0) > 0) this.markRead(id);
    });
  }

  /** Marks the selected conversation's messages read while the agent looks at it. */
  markRead(id: string): void {
    if (this.markingRead.has(id) || document.visibilityState !== 'visible') return;
    this.markingRead.add(id);
    this.call('post', '/api/conversations/:id/read', { params: { id }, body: {} })
      .catch((error: unknown) => {
        this.state.error = error instanceof Error ? error.message : String(error);
        this.changed();
      })
      .finally(() => this.markingRead.delete(id));
  }

  operation(id: string, op: DeskOperation): Promise<boolean> {
    return this.act(() => this.call('post', `/api/conversations/:id/${op}`, { params: { id }, body: {} }));
  }

  /** Transfers to a queue or an agent (Active only). */
  transfer(id: string, to: { toQueueId: string } | { toAgentId: string }): Promise<boolean> {
    return this.act(() => this.call('post', '/api/conversations/:id/transfer', { params: { id }, body: to }));
  }

  send(id: string, text: string): Promise<boolean> {
    return this.act(async () => {
      const { message } = await this.call('post', '/api/conversations/:id/messages', { params: { id }, body: { text } });
      const list = (this.state.messages[id] ??= []);
      if (!list.some((m) => m.id === message.id)) list.push(message);
    });
  }

  setPresence(presence: Presence): Promise<boolean> {
    return this.act(async () => {
      const { agent } = await this.call('put', '/api/agents/:id/presence', { params: { id: this.state.agent.id }, body: { presence } });
      // My choice now; automatic presence may still show Busy for it (the answer's presence is the one in force).
      Object.assign(this.state.agent, agent);
      this.state.presenceNote = null;
    });
  }

  /** My work items (Active, Wrap-up, Waiting), oldest first. */
  workItems(): ConversationView[] {
    return this.mine()
      .filter((i) => WORK_ITEM_STATES.includes(i.state))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** My conversations closed in the past `withinMs`, newest first. */
  closedItems(now: number, withinMs: number): ConversationView[] {
    return this.mine()
      .filter((i) => i.state === ConversationState.Closed && i.closedAt !== null && now - Date.parse(i.closedAt) < withinMs)
      .sort((a, b) => (b.closedAt ?? '').localeCompare(a.closedAt ?? ''));
  }

  private mine(): ConversationView[] {
    return Object.values(this.state.items).filter((i) => i.agentId === this.state.agent.id);
  }
}
