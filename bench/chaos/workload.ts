/**
 * The chaos workload: customers start chats in offer-mode queues (some needing
 * a skill that relaxes after a while); agents accept, decline or let offers
 * expire, hold a chat for a few seconds, then end and close it, close the tab
 * (Waiting, then reopen or the customer ends), or transfer it to another queue;
 * agents set Away by a missed offer come back; offers stopped after too many
 * declines are picked; some customers disconnect while they wait. Every
 * operation carries an idempotency key and is retried with it while its
 * outcome is unknown. Bounded: a fixed number of chats, every loop stops at
 * the deadline.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Presence } from '../../src/domain/presence';
import { ConversationState as S } from '../../src/domain/states';
import type { ChatRequirement, Desk, DeskItem, Op, Outcome } from './desk';
import type { Ledger } from './ledger';

/** What to run. */
export interface WorkloadPlan {
  conversations: number;
  /** Pause between two starts. */
  startEveryMs: number;
  /** At most this many chats not Closed at once (the rest wait to start). */
  maxLive: number;
  /** Queues chats start in (chosen at random). */
  queues: readonly string[];
  /** Agents and the queues they serve (a transfer goes to another queue of its agent). */
  agents: readonly { id: string; queues: readonly string[] }[];
  /** Skill requirements of a new chat. */
  requirements(random: () => number): ChatRequirement[];
  seed: number;
  /** How often each agent looks at their work items. */
  tickMs: number;
}

/** Probabilities of what people do. */
const P = {
  accept: 0.55,
  decline: 0.2,
  /** The rest of offers are let expire; this share of those is accepted right at the countdown's end (races the expiry). */
  acceptAtExpiry: 0.25,
  end: 0.72,
  closeTabFirst: 0.1,
  /** Otherwise (at most once per chat) transfer to another queue. */
  reopenAfterWaiting: 0.4,
  customerDisconnects: 0.08,
  agentStepsAway: 0.03,
};

/** A small seeded generator (mulberry32), so a run's choices can be replayed from its printed seed. */
export function seeded(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Attempts per operation and per start under one key while the outcome is unknown. */
const RETRIES = 4;
const START_RETRIES = 10;

/** Drives the plan against a desk, recording every operation in the ledger. */
export class Workload {
  private readonly random: () => number;
  /** Conversation ids by start key. */
  readonly started = new Map<string, string>();
  private readonly busy = new Set<string>();
  private readonly decided = new Set<string>();
  private readonly holdUntil = new Map<string, number>();
  private readonly transferred = new Set<string>();
  private readonly awaySince = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private states = new Map<string, string>();
  private startsDone = false;
  private stopped = false;
  /** Once set: everyone finishes their chats (accept every offer, end everything, no transfers, pick what waits). */
  private finishing = false;
  /** Starts that got no conversation (refused or never answered). */
  failedStarts = 0;

  constructor(
    private readonly desk: Desk,
    private readonly plan: WorkloadPlan,
    private readonly ledger: Ledger,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.random = seeded(plan.seed);
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  private between(lo: number, hi: number): number {
    return lo + this.random() * (hi - lo);
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs[Math.floor(this.random() * xs.length)];
  }

  /** Conversations started and not Closed (nor left alone after an answer that said nothing was applied). */
  get live(): number {
    return [...this.started.values()].filter((id) => this.states.get(id) !== S.Closed && !this.ledger.frozen.has(id)).length;
  }

  /** Every chat started and every one Closed (or left alone). */
  get done(): boolean {
    return this.startsDone && this.live === 0;
  }

  /** From now on everyone finishes their chats instead of playing. */
  finish(): void {
    this.finishing = true;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs until every chat is done, stop() or the deadline; then waits for operations under way (each bounded). */
  async run(deadline: number): Promise<void> {
    const over = () => this.stopped || Date.now() > deadline || this.done;
    const loops = [this.starter(over), this.supervisor(over), ...this.plan.agents.map((a) => this.agent(a.id, a.queues, over))];
    await Promise.all(loops);
    await Promise.all([...this.inflight]);
  }

  /** Sends one operation after `afterMs`, retrying with the same key while its outcome is unknown. */
  private act(conversationId: string, op: Op, agentId: string | null, afterMs: number, toQueueId?: string): void {
    if (this.busy.has(conversationId) || this.ledger.frozen.has(conversationId)) return;
    this.busy.add(conversationId);
    const key = `${op}-${conversationId}-${Date.now().toString(36)}-${Math.floor(this.random() * 1e9).toString(36)}`;
    const task = (async () => {
      await delay(afterMs);
      const sentAt = Date.now();
      let first: Outcome | undefined;
      let outcome: Outcome = { kind: 'unknown', code: 'NOT_SENT' };
      let attempts = 0;
      let uncertain = false;
      while (attempts < RETRIES && !this.stopped) {
        attempts += 1;
        outcome = await this.desk
          .operate(conversationId, op, agentId, key, toQueueId)
          .catch((error: unknown): Outcome => ({ kind: 'unknown', code: (error as Error).message.slice(0, 80) }));
        first ??= outcome;
        if (outcome.kind !== 'unknown') break;
        uncertain = true;
        await delay(1_000 * 2 ** (attempts - 1));
      }
      this.ledger.add({ conversationId, op, key, sentAt, attempts, outcome, firstOutcome: first ?? outcome, uncertain });
    })().finally(() => {
      this.busy.delete(conversationId);
      this.inflight.delete(task);
    });
    this.inflight.add(task);
  }

  private async starter(over: () => boolean): Promise<void> {
    for (let i = 0; i < this.plan.conversations && !over(); i++) {
      while (this.live >= this.plan.maxLive && !over()) await delay(250);
      if (over()) break;
      const key = `chat-${this.plan.seed}-${i}`;
      const chat = { queueId: this.pick(this.plan.queues) ?? 'default', requirements: this.plan.requirements(this.random) };
      let id: string | undefined;
      // OUTCOME_UNKNOWN: the same key again finds the first start (README: Temporal trouble is a 503).
      for (let attempt = 0; attempt < START_RETRIES && id === undefined && !over(); attempt++) {
        const answer = await this.desk.start(key, chat).catch((error: unknown) => ({
          outcome: { kind: 'unknown', code: String(error) } as Outcome,
          conversationId: undefined,
        }));
        id = answer.conversationId;
        if (answer.outcome.kind === 'refused') break;
        if (id === undefined) await delay(1_000);
      }
      if (id === undefined) {
        this.failedStarts += 1;
      } else {
        this.started.set(key, id);
        this.states.set(id, S.Open);
        if (this.chance(P.customerDisconnects)) this.act(id, 'disconnect', null, this.between(2_000, 6_000));
      }
      await delay(this.between(0.5, 1.5) * this.plan.startEveryMs);
    }
    this.startsDone = true;
  }

  /** One agent: answers offers, works and closes their chats. */
  private async agent(agentId: string, queues: readonly string[], over: () => boolean): Promise<void> {
    while (!over()) {
      await delay(this.between(0.7, 1.3) * this.plan.tickMs);
      const items = await this.desk.workItems(agentId).catch(() => [] as DeskItem[]);
      for (const item of items) this.consider(agentId, queues, item);
    }
  }

  private consider(agentId: string, queues: readonly string[], item: DeskItem): void {
    const id = item.conversationId;
    const now = Date.now();
    if (item.state === S.Open && item.offerAgentId === agentId && item.offerExpiresAt) {
      const offer = `${id} ${agentId}`;
      if (this.decided.has(offer)) return;
      this.decided.add(offer);
      const left = Date.parse(item.offerExpiresAt) - now;
      if (this.finishing) return this.act(id, 'accept', agentId, this.between(100, 500));
      const r = this.random();
      if (r < P.accept) this.act(id, 'accept', agentId, this.between(200, Math.max(300, Math.min(1_500, left - 500))));
      else if (r < P.accept + P.decline) this.act(id, 'decline', agentId, this.between(200, 1_200));
      else if (this.chance(P.acceptAtExpiry)) this.act(id, 'accept', agentId, Math.max(0, left + this.between(-300, 300)));
      return;
    }
    if (item.agentId !== agentId) return;
    if (item.state === S.Active) {
      const until = this.holdUntil.get(id) ?? Date.parse(item.stateEnteredAt) + this.between(1_500, 5_000);
      this.holdUntil.set(id, until);
      if (now < until && !this.finishing) return;
      this.holdUntil.delete(id);
      const others = queues.filter((q) => q !== item.queueId);
      const r = this.random();
      if (this.finishing || r < P.end) this.act(id, 'end', agentId, 0);
      else if (r < P.end + P.closeTabFirst) this.act(id, 'closeTab', agentId, 0);
      else if (!this.transferred.has(id) && others.length) {
        this.transferred.add(id);
        this.act(id, 'transfer', agentId, 0, this.pick(others));
      } else this.act(id, 'end', agentId, 0);
    } else if (item.state === S.WrapUp) {
      this.act(id, 'closeTab', agentId, this.between(300, 1_000));
    } else if (item.state === S.Waiting) {
      const reopen = !this.finishing && this.chance(P.reopenAfterWaiting);
      this.act(id, reopen ? 'reopen' : 'customerEnd', reopen ? agentId : null, this.between(500, 2_000));
    }
  }

  /** Brings back agents a missed offer set Away, sends some away for a moment, picks what offers no longer reach, tracks states. */
  private async supervisor(over: () => boolean): Promise<void> {
    while (!over()) {
      await delay(1_000);
      this.states = await this.desk.states().catch(() => this.states);
      const agents = await this.desk.agents().catch(() => []);
      const now = Date.now();
      for (const a of agents) {
        if (a.chosenPresence === Presence.Available) {
          this.awaySince.delete(a.id);
          if (!this.finishing && this.chance(P.agentStepsAway)) void this.presence(a.id, Presence.Away);
          continue;
        }
        const since = this.awaySince.get(a.id) ?? now;
        this.awaySince.set(a.id, since);
        if (now - since > (this.finishing ? 0 : this.between(1_500, 4_000))) void this.presence(a.id, Presence.Available);
      }
      // Chats no longer pushed (declined and missed too often, or handed back to a queue whose only agents
      // handed it back) wait for a pick: an agent of the queue takes one.
      for (const queueId of new Set(this.plan.agents.flatMap((a) => a.queues))) {
        const member = this.pick(this.plan.agents.filter((a) => a.queues.includes(queueId)));
        if (!member) continue;
        const waiting = await this.desk.openWork(queueId, member.id).catch(() => [] as string[]);
        const ours = new Set(this.started.values());
        const target = this.pick(waiting.filter((id) => ours.has(id)));
        if (target && (this.finishing || this.chance(0.3))) this.act(target, 'pick', member.id, 0);
      }
    }
  }

  private async presence(agentId: string, presence: Presence): Promise<void> {
    this.awaySince.delete(agentId);
    const outcome = await this.desk.setPresence(agentId, presence).catch((e: unknown): Outcome => ({ kind: 'unknown', code: String(e) }));
    if (outcome.kind !== 'ok') this.log(`presence ${agentId} ${presence}: ${outcome.kind} ${outcome.code}`);
  }
}
