import { isDeepStrictEqual } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { createRoutingActivities } from '../../activities/routing';
import type { Activities } from '../../activities';
import { invariantViolations } from '../../src/checks/invariants';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import type { Command } from '../../src/domain/operations';
import { ActorKind, Operation } from '../../src/domain/operations';
import type { Presence } from '../../src/domain/presence';
import { meetsAll } from '../../src/domain/skills';
import type { ConversationDetails, ConversationSnapshot, StartConversationInput } from '../../src/domain/snapshot';
import { newConversation } from '../../src/domain/snapshot';
import { ConversationState as S } from '../../src/domain/states';
import type { Deadline } from '../../src/domain/timers';
import { deadlines, OFFER_ACCEPT_GRACE_MS } from '../../src/domain/timers';
import { decide } from '../../src/domain/transition';
import { RoutingChanges } from '../../src/routing/changes';
import { Redelivery } from '../../src/routing/redelivery';
import type { Router } from '../../src/routing/router';
import { seedStore } from '../../src/store';
import { agentDirectoryOperations } from '../../src/store/agents/agent-directory';
import { capacityLedgerOperations } from '../../src/store/capacity/capacity-ledger';
import type { Operation as StoreOperation, Program, Steps, Tx } from '../../src/store/program';
import { readModelOperations } from '../../src/store/conversations/read-model';
import type { Backend, Store } from '../../src/store/store';
import { storeOver } from '../../src/store/store';
import type { AgentInput, AgentLoad, ConversationView, QueueEntry, QueueInput, QueueStats, Reservation } from '../../src/store/types';
import type { Assignment } from '../../src/store/conversation-write';
import { routed } from '../../src/sync/queue-entry';
import { ConversationSteps } from '../../workflows/conversation-steps';
import { Serializer } from '../../workflows/serializer';

/**
 * The system the model-based test drives: the conversations' own steps (the
 * code the conversation workflow runs, workflows/conversation-steps.ts), the
 * real activities, routing and store (SQLite or PostgreSQL), and everything
 * Temporal does between them made explicit, so the test chooses the order:
 * signals (matches, reroutes) wait in a mailbox until delivered, dropped or
 * duplicated; a store write can fail before its commit or lose its answer
 * after it (a worker killed there: the activity is retried, now or later);
 * timers fire when the test says, once due; dispatchers sweep when told.
 */

/** A Monday, half an hour before the hours queue opens. */
export const T0 = Date.parse('2026-01-05T08:30:00.000Z');
export const QUEUES = ['q-auto', 'q-offer', 'q-hours'] as const;
export const AGENTS = ['a1', 'a2', 'a3', 'a4'] as const;

export const SEED_QUEUES: QueueInput[] = [
  // Overflow after a minute to the offer queue (the dispatcher's timer, then a reroute signal).
  { id: 'q-auto', assignmentMethod: 'highestCapacity', overflow: { afterMs: 60_000, toQueueId: 'q-offer' } },
  { id: 'q-offer', assignmentMethod: 'roundRobin', offerMode: 'offer', offerTimeoutMs: 3_000, maxDeclines: 2, missedOfferPresence: 'Away' },
  {
    id: 'q-hours',
    assignmentMethod: 'leastActive',
    hours: { timeZone: 'UTC', weekly: { mon: [{ from: '09:00', to: '17:00' }], tue: [{ from: '09:00', to: '17:00' }] } },
  },
];

/** The agents (all Available until a run sets their presence): capacities, memberships and skills that make routing choose. */
export const SEED_AGENTS: AgentInput[] = [
  { id: 'a1', capacity: 20, queues: ['q-auto', 'q-offer'], skills: { french: 8 } },
  { id: 'a2', capacity: 30, queues: ['q-auto', 'q-hours'], skills: {} },
  { id: 'a3', capacity: 20, queues: ['q-offer', 'q-hours'], skills: { french: 3, refunds: 9 } },
  { id: 'a4', capacity: 10, queues: ['q-auto', 'q-offer', 'q-hours'], skills: { refunds: 5 } },
];

/** Migrates and seeds an empty store for a run (its clock at T0): the model's queues and agents, the hours queue's state. */
export async function seedModelStore(backend: Backend): Promise<void> {
  const store = storeOver(backend);
  await store.migrate();
  await seedStore(store, { queues: SEED_QUEUES, agents: SEED_AGENTS.map((a) => ({ ...a, presence: 'Available' })) });
  for (const q of QUEUES) await store.applyQueueHours(q, new Date(T0).toISOString());
}

/** The clock of one run, shared by the store (its `clock` option) and the system. */
export interface ModelTime {
  now: number;
}

/** How a conversation's next store write goes. */
export type Fault =
  | 'none'
  /** The transaction fails before its commit (a serialisation failure, a dropped connection): retried. */
  | 'failBeforeCommit'
  /** Committed, but the answer is lost with the worker: the activity runs again at once. */
  | 'lostAnswer'
  /** Committed, answer lost: the activity runs again only when the test resumes it (other actors go first). */
  | 'lostAnswerLater';

const INJECTED = 'injected before commit';

/** A backend whose next write transactions fail after their last statement, before the commit. */
export class FaultyBackend implements Backend {
  failNext = 0;
  constructor(private readonly inner: Backend) {}

  read<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    return this.inner.read(program);
  }
  write<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    return this.inner.write((tx) => {
      const body = program(tx);
      if (this.failNext <= 0) return body;
      this.failNext -= 1;
      return failAtEnd(body);
    });
  }
  steps<T, S>(steps: Steps<T, S>): Promise<T> {
    return this.inner.steps(steps);
  }
  migrate(): Promise<void> {
    return this.inner.migrate();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  onEvents(listener: () => void): () => void {
    return this.inner.onEvents(listener);
  }
  eventsWritten(): Promise<void> {
    return this.inner.eventsWritten();
  }
}

/** Runs the program to its end, then fails as PostgreSQL does on a serialisation failure (40001). */
function* failAtEnd<T>(body: Program<T>): Program<T> {
  yield* body;
  throw Object.assign(new Error(INJECTED), { code: '40001' });
}

const isInjected = (error: unknown): boolean => error instanceof Error && error.message === INJECTED;
const isRefusal = (error: unknown): boolean => error instanceof ApplicationFailure && error.nonRetryable === true && !!error.type;

/** What the checks read of the store. */
export interface StoreState {
  agents: AgentLoad[];
  queues: QueueStats[];
  reservations: Reservation[];
  entries: QueueEntry[];
  views: Map<string, ConversationView | null>;
}

/** A store operation's program, to run several in one read transaction. */
function programOf<A extends unknown[], T>(op: StoreOperation<A, T>, ...args: A): (tx: Tx) => Program<T> {
  if (op.mode === 'steps') throw new Error('a multi-step operation cannot be part of one read');
  return (tx) => op.program(tx, ...args);
}

/** A signal sent and not yet handled: to a conversation (a match, a reroute), or a poke to a queue's dispatcher. */
export type Mail =
  | {
      conversationId: string;
      command: Command;
      /** A reroute: the queue the dispatcher found the conversation waiting too long in. */
      decidedIn?: string;
    }
  | { poke: string };

/** One conversation as its workflow holds it. */
class ModelConversation {
  readonly lock = new Serializer();
  readonly steps: ConversationSteps;
  nextFault: Fault = 'none';
  /** Resumes a write whose answer was lost (the retry runs then). */
  parked: (() => void) | null = null;
  /** Steps waiting on this conversation, told when a write of it parks. */
  private readonly parkWaiters = new Set<() => void>();

  constructor(
    readonly id: string,
    start: StartConversationInput,
    private readonly system: ModelSystem,
  ) {
    this.steps = new ConversationSteps(newConversation(start, new Date(system.clock)), () => system.rules, {
      applyConversation: (input) =>
        this.retried(`applyConversation (${input.view.state})`, () => system.activities.applyConversation(input)),
      enterQueue: (input) => this.retried('enterQueue', () => system.activities.enterQueue({ ...input, config: system.rules })),
      now: () => new Date(system.clock),
      publish: () => undefined,
    });
  }

  get snapshot(): ConversationSnapshot {
    return this.steps.snapshot;
  }

  /** The workflow has returned: Closed with nothing left to run. */
  get done(): boolean {
    return this.snapshot.state === S.Closed && this.lock.idle;
  }

  get busy(): boolean {
    return !this.lock.idle;
  }

  /**
   * Queues `work` on the conversation's serializer and waits until it is done,
   * or until the conversation is stuck behind a write whose answer was lost.
   */
  async run<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | { ok: 'parked' }> {
    let waiter: (() => void) | undefined;
    const parked = new Promise<'parked'>((resolve) => {
      if (this.parked) resolve('parked');
      else this.parkWaiters.add((waiter = () => resolve('parked')));
    });
    const result = this.lock.run(work).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const first = await Promise.race([result, parked]);
    if (waiter) this.parkWaiters.delete(waiter);
    return first === 'parked' ? { ok: 'parked' } : first;
  }

  /** A store-writing activity as Temporal runs it: retried until it answers or refuses. */
  private async retried<T>(label: string, call: () => Promise<T>): Promise<T> {
    let fault = this.nextFault;
    this.nextFault = 'none';
    if (fault === 'failBeforeCommit') this.system.backend.failNext += 1;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 20) throw new Error(`${label} of ${this.id} kept failing`);
      let answer: T;
      try {
        answer = await call();
      } catch (error) {
        // A refusal ends the program before the injected failure: nothing else is to fail in its place.
        this.system.backend.failNext = 0;
        if (isRefusal(error)) throw error;
        if (isInjected(error)) continue;
        this.system.problems.push(`${label} of ${this.id} failed: ${String(error)}`);
        throw error;
      }
      if (fault === 'lostAnswer') {
        fault = 'none';
        continue;
      }
      if (fault === 'lostAnswerLater') {
        fault = 'none';
        await new Promise<void>((resume) => {
          this.parked = resume;
          for (const tell of this.parkWaiters) tell();
        });
        continue;
      }
      return answer;
    }
  }
}

/** What a step of the model can ask of the system; each answers a line for the failure report. */
export class ModelSystem {
  readonly conversations = new Map<string, ModelConversation>();
  readonly mailbox: Mail[] = [];
  /** Matches routing made during the current step (to check service order). */
  readonly matches: Assignment[] = [];
  /** Anything that must never happen, found while running (checked after every step). */
  readonly problems: string[] = [];
  /** What each step did, for the failure report. */
  readonly log: string[] = [];
  /** Whether this step's matches must follow service order strictly (false while two actors run at once). */
  strictOrder = true;
  /** The queue entries the last check read. */
  private entriesSeen: QueueEntry[] = [];
  readonly activities: Activities;
  readonly changes: RoutingChanges;
  private readonly redelivery: Redelivery;
  private counter = 0;

  private constructor(
    readonly store: Store,
    readonly backend: FaultyBackend,
    readonly rules: LifecycleConfig,
    private readonly time: ModelTime,
  ) {
    const router = this.router();
    this.activities = createActivities({ store, lifecycle: rules, router, redeliverAfterMs: 0 });
    this.redelivery = new Redelivery(store, router, { afterMs: 0 });
    this.changes = new RoutingChanges(store, router, (message) => this.problems.push(`routing change: ${message}`));
  }

  /** The routing port over the mailbox; a dispatcher round's own notes the queue its reroutes were decided in. */
  private router(decidedIn?: string): Router {
    return {
      // A dispatcher's pokes coalesce into one flag: one pending poke per queue.
      poke: async (queueIds) => {
        for (const q of queueIds) if (!this.mailbox.some((m) => 'poke' in m && m.poke === q)) this.mailbox.push({ poke: q });
      },
      deliver: async (a) => {
        this.matches.push(a);
        return this.send(a.conversationId, routed(a));
      },
      reroute: async (conversationId, toQueueId, reason, fromQueueId) =>
        this.send(
          conversationId,
          {
            op: Operation.Reroute,
            toQueueId,
            ...(reason && { reason }),
            ...(fromQueueId !== undefined && { fromQueueId }),
            actor: { kind: ActorKind.Engine },
          },
          decidedIn,
        ),
    };
  }

  /** The model's time: the store's clock and the workflows' (they move only when the test says). */
  get clock(): number {
    return this.time.now;
  }
  set clock(ms: number) {
    this.time.now = ms;
  }

  /** A system over `inner` (seeded by seedModelStore, its clock reading `time`), the agents set to `presences`. */
  static async open(inner: Backend, time: ModelTime, rules: LifecycleConfig, presences: readonly Presence[]): Promise<ModelSystem> {
    time.now = T0;
    const backend = new FaultyBackend(inner);
    const store = storeOver(backend);
    for (const [i, agent] of SEED_AGENTS.entries()) {
      const presence = presences[i] ?? 'Available';
      if (presence !== 'Available') await store.setPresence(agent.id, presence);
    }
    return new ModelSystem(store, backend, rules, time);
  }

  private send(conversationId: string, command: Command, decidedIn?: string): boolean {
    const c = this.conversations.get(conversationId);
    if (!c) {
      this.problems.push(`routing signalled ${conversationId}, which was never started`);
      return false;
    }
    // A workflow that has returned cannot be signalled: the caller releases the match.
    if (c.done) return false;
    this.mailbox.push({ conversationId, command, ...(decidedIn && { decidedIn }) });
    return true;
  }

  get ids(): string[] {
    return [...this.conversations.keys()];
  }

  conversation(index: number): ModelConversation | undefined {
    const ids = this.ids;
    return ids.length ? this.conversations.get(ids[index % ids.length] as string) : undefined;
  }

  /** Starts a conversation workflow: it enters its queue (and is matched there and then, if an agent has room). */
  async start(input: Omit<StartConversationInput, 'conversationId' | 'channel' | 'customer'>, fault: Fault): Promise<string> {
    const id = `c${++this.counter}`;
    const c = new ModelConversation(id, { ...input, conversationId: id, channel: 'chat', customer: { id: `cust-${id}` } }, this);
    this.conversations.set(id, c);
    c.nextFault = fault;
    const out = await c.run(() => c.steps.enterInOneWrite());
    return `${id} started: ${this.outcome(out)}`;
  }

  /** An update from a person: validated against the state now (a refusal is not queued), then run in order. */
  async act(c: ModelConversation, command: Command, fault: Fault): Promise<string> {
    if (!c.busy && c.snapshot.state !== S.Closed) {
      const decision = decide(c.snapshot, command, new Date(this.clock), this.rules);
      if (!decision.ok) return `${c.id} ${command.op} refused by the validator: ${decision.refusal.code}`;
    }
    if (c.done) return `${c.id} ${command.op}: the workflow has returned`;
    c.nextFault = fault;
    const out = await c.run(() => c.steps.execute(command));
    return `${c.id} ${command.op}: ${this.outcome(out)}`;
  }

  /** Handles (or loses, or duplicates) the oldest-but-`skip` signal in the mailbox. */
  async deliver(skip: number, how: 'deliver' | 'drop' | 'duplicate'): Promise<string> {
    if (!this.mailbox.length) return 'no mail';
    const [mail] = this.mailbox.splice(skip % this.mailbox.length, 1);
    if (!mail) return 'no mail';
    if ('poke' in mail) {
      // A lost poke is what the dispatchers' periodic sweep is for; a duplicate is one more round.
      if (how === 'drop') return `lost poke of ${mail.poke}`;
      const rounds = [];
      for (let i = 0; i < (how === 'duplicate' ? 2 : 1); i++) rounds.push(await this.dispatch(mail.poke));
      return `poke: ${rounds.join(', ')}`;
    }
    if (how === 'drop') return `lost ${mail.command.op} for ${mail.conversationId}`;
    const c = this.conversations.get(mail.conversationId) as ModelConversation;
    const lines = [];
    for (let i = 0; i < (how === 'duplicate' ? 2 : 1); i++) {
      const out = await c.run(() => {
        // An overflow or out-of-hours move is about the queue it was decided in: never from another one.
        const from = c.snapshot.queueId;
        return c.steps.execute(mail.command).then((summary) => {
          if (mail.decidedIn && from !== mail.decidedIn) {
            this.problems.push(`${c.id} was rerouted from ${from}, but the reroute was decided in ${mail.decidedIn}`);
          }
          return summary;
        });
      });
      lines.push(this.outcome(out));
    }
    return `${mail.command.op} to ${mail.conversationId}: ${lines.join(', ')}`;
  }

  /** Fires the conversation's earliest timer if it is due, as its workflow's loop does. */
  async fire(c: ModelConversation): Promise<string> {
    if (c.busy) return `${c.id} busy`;
    const d = deadlines(c.snapshot, this.rules)[0];
    if (!d || d.at > this.clock) return `${c.id}: no timer due`;
    const out = await c.run(() => this.fireDeadline(c, d));
    return `${c.id} ${d.op} fired: ${this.outcome(out)}`;
  }

  private async fireDeadline(c: ModelConversation, d: Deadline): Promise<unknown> {
    try {
      return await c.steps.execute({ op: d.op, at: d.at, actor: { kind: ActorKind.Timer } });
    } catch (error) {
      // The workflow fires the earliest deadline again at once while it stands: refused, it would never stop.
      const still = deadlines(c.snapshot, this.rules)[0];
      if (still && still.op === d.op && still.at === d.at) {
        this.problems.push(`${c.id}: timer ${d.op} due at ${new Date(d.at).toISOString()} is refused and still stands: ${String(error)}`);
      }
      throw error;
    }
  }

  /** Resumes a write whose answer was lost: the retry runs now, then whatever queued behind it, unless a write parks again. */
  async resume(c: ModelConversation): Promise<string> {
    const resume = c.parked;
    if (!resume) return `${c.id} not waiting on a write`;
    c.parked = null;
    resume();
    const out = await c.run(async () => undefined);
    return `${c.id} write retried${out.ok === 'parked' ? ', waiting on a lost answer again' : ''}`;
  }

  async presence(agentId: string, presence: Presence): Promise<string> {
    await this.changes.setPresence(agentId, presence);
    return `${agentId} ${presence}`;
  }

  /** One round of a queue's dispatcher, at the model's time. */
  async dispatch(queueId: string): Promise<string> {
    const { dispatchQueue } = createRoutingActivities(this.store, this.router(queueId), 0);
    const round = await dispatchQueue({ queueId, limit: 100, now: new Date(this.clock).toISOString() });
    return `dispatch ${queueId}: ${JSON.stringify(round)}`;
  }

  /**
   * A process's redelivery look (src/routing/redelivery.ts): matches not taken
   * up are sent again. Every match counts as overdue: the model's clock, which
   * stamps them, stays far behind the wall clock the look compares with.
   */
  async redeliver(): Promise<string> {
    return `redelivered ${await this.redelivery.sweep()}`;
  }

  /** A worker restart: signals not yet sent are lost, and every write whose answer was lost is retried. */
  async restart(): Promise<string> {
    // Pokes are signals too: lost with the process that would have sent them.
    const lost = this.mailbox.splice(0).length;
    let resumed = 0;
    for (const c of this.conversations.values()) {
      if (c.parked) {
        resumed += 1;
        await this.resume(c);
      }
    }
    return `restart: ${lost} signals lost, ${resumed} writes retried`;
  }

  /**
   * Brings the system to quiet as the running system would: lost answers
   * retried, signals and pokes delivered (each poke a dispatcher round), and
   * the periodic sweep of every dispatcher and every process's redelivery look
   * (the safety net for what was lost), until a sweep finds nothing to do.
   * Work only a sweep serves waited up to a sweep interval: see
   * docs/known-defects.md (work passed over for another queue's entries).
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      for (const c of this.conversations.values()) if (c.parked) await this.resume(c);
      for (let n = 0; n < 500 && this.mailbox.length; n++) await this.deliver(0, 'deliver');
      const before = await this.fingerprint();
      for (const q of QUEUES) await this.dispatch(q);
      await this.redeliver();
      const busy = [...this.conversations.values()].some((c) => c.busy || c.parked);
      if (!this.mailbox.length && !busy && (await this.fingerprint()) === before) return;
    }
    this.problems.push(`the system did not become quiet: ${this.mailbox.length} signals left`);
  }

  /** What a sweep could change: reservations, queue entries and the queues' open flags. */
  private async fingerprint(): Promise<string> {
    const { reservations, entries, queues } = await this.read();
    return JSON.stringify([reservations, entries, queues.map((q) => [q.id, q.open])]);
  }

  private outcome(out: Awaited<ReturnType<ModelConversation['run']>>): string {
    if (out.ok === 'parked') return 'waiting on a lost answer';
    if (out.ok) return 'ok';
    if (isRefusal(out.error)) return `refused ${(out.error as ApplicationFailure).type}`;
    this.problems.push(`unexpected failure: ${String(out.error)}`);
    return `failed ${String(out.error)}`;
  }

  /** What the store holds now, in one read transaction (one snapshot; one round of statements on PostgreSQL). */
  read(): Promise<StoreState> {
    const ids = this.ids;
    return this.backend.read(function* (tx) {
      const agents = yield* programOf(agentDirectoryOperations.listAgents)(tx);
      const queues = yield* programOf(agentDirectoryOperations.listQueues)(tx);
      const reservations = yield* programOf(capacityLedgerOperations.listReservations)(tx);
      const entries: QueueEntry[] = [];
      for (const q of QUEUES) entries.push(...(yield* programOf(readModelOperations.listQueueEntries, q, 1_000)(tx)));
      const views = new Map<string, ConversationView | null>();
      for (const id of ids) views.set(id, yield* programOf(readModelOperations.getConversation, id)(tx));
      return { agents, queues, reservations, entries, views };
    });
  }

  /**
   * Invariants that hold after every step, whatever is in flight: capacity
   * never exceeded, reservations add up and belong to known conversations,
   * nothing queued twice or queued once Closed, the read model as the
   * workflow wrote it, skills met by every push, and service order (a match
   * never passes over a more deserving conversation of its queue that fitted
   * the same agent). Run after every step, and only then: the entries it
   * reads are the next step's "before".
   */
  async stepViolations(): Promise<string[]> {
    const problems = [...this.problems];
    const { agents, entries, reservations, queues, views } = await this.read();
    // What was queued before this step: what the previous check read (nothing moves between steps).
    const before = this.entriesSeen;
    this.entriesSeen = entries;
    const snapshots = [...this.conversations.values()].map((c) => c.snapshot);
    // 1 and skills from the shared checker (2 and 3 hold only once quiet).
    problems.push(
      ...invariantViolations({ agents, reservations, queues }, snapshots).filter((p) => p.startsWith('1:') || p.startsWith('skills:')),
    );
    for (const a of agents) {
      const held = reservations.filter((r) => r.agentId === a.id).reduce((n, r) => n + r.units, 0);
      if (held !== a.usedUnits) problems.push(`${a.id} uses ${a.usedUnits} units but its reservations add up to ${held}`);
    }
    for (const r of reservations)
      if (!this.conversations.has(r.conversationId)) problems.push(`reservation of unknown ${r.conversationId}`);
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.conversationId)) problems.push(`${e.conversationId} is queued twice`);
      seen.add(e.conversationId);
      const c = this.conversations.get(e.conversationId);
      if (c && !c.busy && c.snapshot.state !== S.Open)
        problems.push(`${e.conversationId} is ${c.snapshot.state} but queued in ${e.queueId}`);
    }
    for (const c of this.conversations.values()) {
      if (c.busy) continue;
      const view = views.get(c.id);
      const s = c.snapshot;
      const want = { version: s.version, state: s.state, agentId: s.agentId, offerAgentId: s.offer?.agentId ?? null, queueId: s.queueId };
      const got = view && {
        version: view.version,
        state: view.state,
        agentId: view.agentId,
        offerAgentId: view.offerAgentId,
        queueId: view.queueId,
      };
      if (JSON.stringify(want) !== JSON.stringify(got))
        problems.push(`${c.id}: read model ${JSON.stringify(got)}, workflow ${JSON.stringify(want)}`);
      if (s.state === S.Closed && reservations.some((r) => r.conversationId === c.id))
        problems.push(`${c.id} is Closed but holds capacity`);
    }
    if (this.strictOrder) problems.push(...this.orderViolations(before, entries, agents, queues));
    return problems;
  }

  /** Service order (invariant 4) for the matches of this step, against the entries before it. */
  private orderViolations(
    before: QueueEntry[],
    after: QueueEntry[],
    agents: AgentLoad[],
    queues: { id: string; eligiblePresences: Presence[] }[],
  ): string[] {
    const problems: string[] = [];
    const waitingAfter = new Set(after.map((e) => e.conversationId));
    for (const m of this.matches) {
      const e = before.find((x) => x.conversationId === m.conversationId);
      const agent = agents.find((a) => a.id === m.agentId);
      const queue = queues.find((q) => q.id === m.queueId);
      // Entered and matched in this step (its key is not known here), or a revived conversation's preferred agent.
      if (!e || !agent || !queue || e.queueId !== m.queueId || e.preferredAgentId === m.agentId) continue;
      for (const other of before) {
        const c = this.conversations.get(other.conversationId);
        const better = other.priority < e.priority || (other.priority === e.priority && other.enqueuedAt < e.enqueuedAt);
        if (!c || other.queueId !== e.queueId || !better || !waitingAfter.has(other.conversationId)) continue;
        const s = c.snapshot;
        const fitted =
          other.pushable !== false &&
          other.units <= e.units &&
          other.preferredAgentId === null &&
          s.state === S.Open &&
          !s.offer &&
          !s.offersStopped &&
          !s.excludedAgents.includes(agent.id) &&
          queue.eligiblePresences.includes(agent.presence) &&
          agent.queues.includes(e.queueId) &&
          meetsAll(agent.skills, s.requirements);
        if (fitted) {
          problems.push(
            `4: ${m.conversationId} (priority ${e.priority}, since ${e.enqueuedAt}) went to ${agent.id} before ${other.conversationId} (priority ${other.priority}, since ${other.enqueuedAt}, ${other.units} units) in ${e.queueId}`,
          );
        }
      }
    }
    return problems;
  }

  /** Invariants of a quiet system: the shared checker (1-3, skills) and no entry for a conversation that holds capacity. */
  async quietViolations(): Promise<string[]> {
    const snapshots = [...this.conversations.values()].map((c) => c.snapshot);
    const { agents, reservations, queues, entries } = await this.read();
    const problems = invariantViolations({ agents, reservations, queues }, snapshots);
    for (const e of entries) {
      const s = this.conversations.get(e.conversationId)?.snapshot;
      if (s?.capacityHeld) problems.push(`${e.conversationId} holds capacity and is still queued in ${e.queueId}`);
    }
    // Reads from the store: what it answers for each conversation is what the workflow's query would (nothing signals here).
    const ids = this.ids;
    const details = await this.backend.read(function* (tx) {
      const out = new Map<string, ConversationDetails | null>();
      for (const id of ids) out.set(id, yield* programOf(readModelOperations.getConversationDetails, id)(tx));
      return out;
    });
    for (const c of this.conversations.values()) {
      // Both as the API answers them: JSON (a field left undefined is absent).
      const expected: unknown = JSON.parse(JSON.stringify({ ...c.snapshot, refusedSignals: [] }));
      const answered: unknown = JSON.parse(JSON.stringify(details.get(c.id) ?? null));
      if (!isDeepStrictEqual(answered, expected))
        problems.push(`reads: the store answers ${c.id} ${JSON.stringify(answered)}, the workflow ${JSON.stringify(expected)}`);
    }
    return problems;
  }

  /** Offers that stand past their expiry once every due timer fired (invariant 9: offers resolve). */
  expiredOffers(): string[] {
    return [...this.conversations.values()]
      .filter((c) => c.snapshot.offer && Date.parse(c.snapshot.offer.expiresAt) + OFFER_ACCEPT_GRACE_MS <= this.clock)
      .map((c) => `9: ${c.id}'s offer to ${c.snapshot.offer?.agentId} expired at ${c.snapshot.offer?.expiresAt} and still stands`);
  }

  /** Everything due fires (offers expire, requirements relax...), repeatedly, so every standing offer whose time passed resolves. */
  async fireAllDue(): Promise<void> {
    const expiries = [...this.conversations.values()].flatMap((c) =>
      c.snapshot.offer ? [Date.parse(c.snapshot.offer.expiresAt) + OFFER_ACCEPT_GRACE_MS] : [],
    );
    this.clock = Math.max(this.clock, ...expiries);
    for (let round = 0; round < 20; round++) {
      let fired = 0;
      for (const c of this.conversations.values()) {
        const d = deadlines(c.snapshot, this.rules)[0];
        if (d && d.at <= this.clock && !c.busy) {
          fired += 1;
          await this.fire(c);
        }
      }
      if (!fired) return;
      await this.settle();
    }
  }
}
