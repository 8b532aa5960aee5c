import fc from 'fast-check';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import type { Actor, Command } from '../../src/domain/operations';
import { ActorKind, Operation } from '../../src/domain/operations';
import { ALL_PRESENCES } from '../../src/domain/presence';
import type { Presence } from '../../src/domain/presence';
import type { Backend } from '../../src/store/store';
import type { Fault, ModelTime } from './system';
import { AGENTS, ModelSystem, QUEUES, T0 } from './system';

/**
 * The model-based test of conversations, routing and the store: fast-check
 * generates sequences of steps from every actor (customers, agents,
 * supervisors, timers, dispatchers, redelivery, worker restarts, store
 * faults), runs them against the system (test/model/system.ts) and checks
 * the invariants after every step and once the system is quiet. A failure
 * prints fast-check's seed and path and the shrunk list of steps with what
 * each did; MODEL_SEED, MODEL_PATH and MODEL_REPLAY (the replayPath printed
 * after the steps) run exactly that case again.
 */

const MINUTE = 60_000;
/** Wrap-up policies change when capacity is released: each run takes one. */
const RULES: LifecycleConfig[] = [
  DEFAULT_LIFECYCLE_CONFIG,
  { ...DEFAULT_LIFECYCLE_CONFIG, wrapUp: { policy: 'holdFor', holdForMs: MINUTE } } as LifecycleConfig,
  { ...DEFAULT_LIFECYCLE_CONFIG, wrapUp: { policy: 'release', holdForMs: 0 } } as LifecycleConfig,
];
const MAX_CONVERSATIONS = 6;

/** What a person asks of a conversation; who asks is resolved against its state when the step runs. */
type Ask =
  | { op: 'accept' | 'decline'; byOffered: boolean; agent: number }
  | { op: 'pick' | 'assign' | 'transferToAgent'; agent: number }
  | { op: 'end' | 'closeTab' | 'reopen'; bySupervisor: boolean }
  | { op: 'customerEnd' | 'disconnect' | 'revive' | 'markRead' }
  | { op: 'message'; fromAgent: boolean; n: number }
  | { op: 'transferToQueue'; queue: number };

type Action =
  | { kind: 'start'; queue: number; units: number; priority: number; skill: number; relax: boolean; fault: Fault }
  | { kind: 'act'; who: number; ask: Ask; fault: Fault }
  | { kind: 'deliver'; skip: number; how: 'deliver' | 'drop' | 'duplicate' }
  | { kind: 'presence'; agent: number; presence: Presence }
  | { kind: 'tick'; ms: number }
  | { kind: 'fire'; who: number; fault: Fault }
  | { kind: 'dispatch'; queue: number }
  | { kind: 'redeliver' }
  | { kind: 'resume'; who: number }
  | { kind: 'restart' }
  /** Two actors at once: their store transactions interleave (on PostgreSQL they contend for rows). */
  | { kind: 'together'; first: Action; second: Action };

const agentIndex = fc.nat(AGENTS.length - 1);
const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Fault>('none') },
  { weight: 1, arbitrary: fc.constantFrom<Fault>('failBeforeCommit', 'lostAnswer', 'lostAnswerLater') },
);
const ask: fc.Arbitrary<Ask> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constantFrom('accept' as const, 'decline' as const),
      byOffered: fc.constantFrom(true, true, false),
      agent: agentIndex,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('pick' as const, 'assign' as const, 'transferToAgent' as const), agent: agentIndex }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constantFrom('end' as const, 'closeTab' as const, 'reopen' as const), bySupervisor: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom('customerEnd' as const, 'disconnect' as const, 'revive' as const, 'markRead' as const) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('message' as const), fromAgent: fc.boolean(), n: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('transferToQueue' as const), queue: fc.nat(QUEUES.length - 1) }) },
);

const single: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      queue: fc.nat(QUEUES.length - 1),
      units: fc.constantFrom(5, 10, 20),
      priority: fc.constantFrom(1, 5),
      // 0: no requirement; 1: French 5+; 2: refunds 7+.
      skill: fc.constantFrom(0, 0, 1, 2),
      relax: fc.boolean(),
      fault,
    }),
  },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('act' as const), who: fc.nat(MAX_CONVERSATIONS - 1), ask, fault }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      skip: fc.nat(3),
      how: fc.constantFrom('deliver' as const, 'deliver' as const, 'drop' as const, 'duplicate' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('presence' as const),
      agent: agentIndex,
      presence: fc.constantFrom(...ALL_PRESENCES, 'Available', 'Available'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('tick' as const),
      ms: fc.constantFrom(1_000, 5_500, 30_000, 2 * MINUTE, 20 * MINUTE, 8 * 60 * MINUTE),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fire' as const), who: fc.nat(MAX_CONVERSATIONS - 1), fault }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dispatch' as const), queue: fc.nat(QUEUES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resume' as const), who: fc.nat(MAX_CONVERSATIONS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const) }) },
);

/** What may run beside another step: no time passing and no restart; no injected failure (it could hit the other's write). */
const concurrent: fc.Arbitrary<Action> = single
  .filter((a) => a.kind !== 'tick' && a.kind !== 'restart')
  .map((a) => ('fault' in a && a.fault === 'failBeforeCommit' ? { ...a, fault: 'none' as const } : a));

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: single },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('together' as const), first: concurrent, second: concurrent }) },
);

const agentActor = (id: string): Actor => ({ kind: ActorKind.Agent, id });
const SUPERVISOR: Actor = { kind: ActorKind.Supervisor, id: 'sup' };
const CUSTOMER: Actor = { kind: ActorKind.Customer };

/** The command a person sends for `ask`, given the conversation as it is now. */
function commandFor(ask: Ask, s: { agentId: string | null; lastAgentId: string | null; offer: { agentId: string } | null }): Command {
  const agentAt = (i: number) => AGENTS[i] as string;
  const holder = s.agentId ?? s.lastAgentId;
  const own = (bySupervisor: boolean): Actor => (bySupervisor || !holder ? SUPERVISOR : agentActor(holder));
  switch (ask.op) {
    case 'accept':
    case 'decline': {
      const by = ask.byOffered && s.offer ? s.offer.agentId : agentAt(ask.agent);
      return { op: ask.op === 'accept' ? Operation.Accept : Operation.Decline, actor: agentActor(by) };
    }
    case 'pick':
      return { op: Operation.Pick, agentId: agentAt(ask.agent), actor: agentActor(agentAt(ask.agent)) };
    case 'assign':
      return { op: Operation.Assign, agentId: agentAt(ask.agent), actor: SUPERVISOR };
    case 'transferToAgent':
      return { op: Operation.Transfer, to: { agentId: agentAt(ask.agent) }, actor: SUPERVISOR };
    case 'transferToQueue':
      return { op: Operation.Transfer, to: { queueId: QUEUES[ask.queue] as string }, actor: own(false) };
    case 'end':
      return { op: Operation.End, actor: own(ask.bySupervisor) };
    case 'closeTab':
      return { op: Operation.CloseTab, actor: own(ask.bySupervisor) };
    case 'reopen':
      return { op: Operation.Reopen, actor: own(ask.bySupervisor) };
    case 'customerEnd':
      return { op: Operation.CustomerEnd, actor: CUSTOMER };
    case 'disconnect':
      return { op: Operation.Disconnect, actor: CUSTOMER };
    case 'revive':
      return { op: Operation.Revive, actor: CUSTOMER };
    case 'markRead':
      return { op: Operation.MarkRead, actor: own(false) };
    case 'message':
      return ask.fromAgent
        ? { op: Operation.Message, from: 'agent', messageId: `m${ask.n}`, actor: own(false) }
        : { op: Operation.Message, from: 'customer', messageId: `m${ask.n}`, actor: CUSTOMER };
  }
}

async function perform(sys: ModelSystem, a: Action): Promise<string> {
  switch (a.kind) {
    case 'start': {
      const requirements =
        a.skill === 0
          ? []
          : [
              {
                skill: a.skill === 1 ? 'french' : 'refunds',
                minProficiency: a.skill === 1 ? 5 : 7,
                relaxAfterMs: a.relax ? 2 * MINUTE : null,
              },
            ];
      return sys.start({ queueId: QUEUES[a.queue] as string, units: a.units, priority: a.priority, requirements }, a.fault);
    }
    case 'act': {
      const c = sys.conversation(a.who);
      if (!c) return 'no conversation';
      const command = commandFor(a.ask, c.snapshot);
      return sys.act(c, command, a.fault);
    }
    case 'deliver':
      return sys.deliver(a.skip, a.how);
    case 'presence':
      return sys.presence(AGENTS[a.agent] as string, a.presence);
    case 'tick':
      sys.clock += a.ms;
      return `now ${new Date(sys.clock).toISOString()}`;
    case 'fire': {
      const c = sys.conversation(a.who);
      if (!c) return 'no conversation';
      c.nextFault = a.fault;
      return sys.fire(c);
    }
    case 'dispatch':
      return sys.dispatch(QUEUES[a.queue] as string);
    case 'redeliver':
      return sys.redeliver();
    case 'resume': {
      const c = sys.conversation(a.who);
      return c ? sys.resume(c) : 'no conversation';
    }
    case 'restart':
      return sys.restart();
    case 'together': {
      const [first, second] = await Promise.all([perform(sys, a.first), perform(sys, a.second)]);
      return `${first} | ${second}`;
    }
  }
}

/** How many conversations the action starts. */
const starts = (a: Action): number => (a.kind === 'start' ? 1 : a.kind === 'together' ? starts(a.first) + starts(a.second) : 0);

/** How often each kind of outcome happened (printed with MODEL_STATS=1: what the generated runs reach). */
const outcomes = new Map<string, number>();
function count(action: Action, line: string): void {
  if (action.kind === 'together') {
    const [first, second] = line.split(' | ');
    count(action.first, first ?? '');
    count(action.second, second ?? '');
    return;
  }
  const what = action.kind === 'act' ? `act ${action.ask.op}` : action.kind === 'deliver' ? `deliver ${line.split(' ')[0]}` : action.kind;
  const how = line.includes('refused')
    ? line.replace(/.*refused (by the validator: )?/, 'refused ')
    : line.includes(': ok')
      ? 'ok'
      : line.replace(/c\d+|\d+/g, '#');
  const key = `${what}: ${how}`.slice(0, 90);
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
}

interface Model {
  started: number;
}

/** One generated step: performs its action, then checks the invariants that hold whatever is in flight. */
class Step implements fc.AsyncCommand<Model, ModelSystem> {
  constructor(readonly action: Action) {}

  check(m: Readonly<Model>): boolean {
    const n = starts(this.action);
    return n > 0 ? m.started + n <= MAX_CONVERSATIONS : m.started > 0;
  }

  async run(m: Model, sys: ModelSystem): Promise<void> {
    m.started += starts(this.action);
    sys.matches.length = 0;
    // Service order is strict within one transaction; concurrent ones may pass over a head the other holds locked.
    sys.strictOrder = this.action.kind !== 'together';
    const line = await perform(sys, this.action);
    sys.log.push(`${this.toString()} -> ${line}`);
    count(this.action, line);
    const problems = await sys.stepViolations();
    if (problems.length) throw new Error(report(sys, problems));
  }

  toString(): string {
    return JSON.stringify(this.action);
  }
}

function report(sys: ModelSystem, problems: string[]): string {
  return `${problems.join('\n')}\n\nsteps run:\n${sys.log.join('\n')}`;
}

/**
 * Runs `runs` generated sequences, each on a store `open` answers seeded by
 * seedModelStore (its clock reading the run's time), closed by `close`. Quiet at the end: the invariants of a
 * quiet system, then every due timer fired and checked again (offers resolve).
 */
export async function checkModel(
  open: (time: ModelTime) => Promise<Backend>,
  close: (backend: Backend) => Promise<void>,
  runs: number,
): Promise<void> {
  const seed = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...RULES),
      fc.array(fc.constantFrom<Presence>(...ALL_PRESENCES, 'Available', 'Available'), {
        minLength: AGENTS.length,
        maxLength: AGENTS.length,
      }),
      fc.commands([action.map((a) => new Step(a))], {
        maxCommands: 40,
        size: '+1',
        ...(process.env.MODEL_REPLAY && { replayPath: process.env.MODEL_REPLAY }),
      }),
      async (rules, presences, steps) => {
        const time: ModelTime = { now: T0 };
        const backend = await open(time);
        try {
          const sys = await ModelSystem.open(backend, time, rules, presences);
          await fc.asyncModelRun(() => ({ model: { started: 0 }, real: sys }), steps);
          await sys.settle();
          let problems = await sys.quietViolations();
          if (!problems.length) {
            sys.log.push('-- quiet; every due timer fires --');
            await sys.fireAllDue();
            problems = [...sys.problems, ...(await sys.quietViolations()), ...(await sys.expiredOffers())];
          }
          if (problems.length) throw new Error(report(sys, [...sys.problems, ...problems]));
        } finally {
          await close(backend);
        }
      },
    ),
    { numRuns: runs, ...(seed !== undefined && { seed, path: process.env.MODEL_PATH }), endOnFailure: process.env.MODEL_SHRINK === '0' },
  );
  if (process.env.MODEL_STATS === '1') {
    console.log(
      [...outcomes.entries()]
        .sort()
        .map(([k, n]) => `${String(n).padStart(7)}  ${k}`)
        .join('\n'),
    );
  }
}
