import fc from 'fast-check';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import type { Command } from '../../src/domain/operations';
import { ActorKind, Operation } from '../../src/domain/operations';
import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { newConversation } from '../../src/domain/snapshot';
import { deadlines } from '../../src/domain/timers';
import { decide } from '../../src/domain/transition';

// A model of the conversation workflow's timer loop (workflows/conversation.ts): it sleeps until
// the earliest deadline of the snapshot and fires that deadline's operation. A deadline whose
// operation is refused stays the earliest, so the loop would fire it again at once, for ever (a
// workflow that never goes quiet). Property: from any state that random operations from every
// actor reach, the earliest deadline, fired, applies and is gone (or moved later) afterwards.

const T0 = Date.parse('2026-01-01T09:00:00.000Z');
const AGENTS = ['alice', 'bob'] as const;
const customer = { kind: ActorKind.Customer, id: 'cust-1' };
const agent = (id: string) => ({ kind: ActorKind.Agent, id });
const supervisor = { kind: ActorKind.Supervisor, id: 'sup' };
const engine = { kind: ActorKind.Engine };

const CONFIGS: LifecycleConfig[] = [
  DEFAULT_LIFECYCLE_CONFIG,
  { ...DEFAULT_LIFECYCLE_CONFIG, wrapUp: { policy: 'holdFor', holdForMs: 60_000 } } as LifecycleConfig,
  { ...DEFAULT_LIFECYCLE_CONFIG, wrapUp: { policy: 'release', holdForMs: 0 } } as LifecycleConfig,
];

const agentId = fc.constantFrom(...AGENTS);
/** One step: an operation from someone, or time passing (with the timer loop firing what is due). */
type Step = { kind: 'command'; command: Command } | { kind: 'elapse'; ms: number };
const command: fc.Arbitrary<Command> = fc.oneof(
  agentId.map((id): Command => ({ op: Operation.Assign, agentId: id, actor: supervisor })),
  agentId.map((id): Command => ({ op: Operation.Assign, agentId: id, actor: engine })),
  agentId.map((id): Command => ({ op: Operation.Pick, agentId: id, actor: agent(id) })),
  fc.record({ id: agentId, timeoutMs: fc.constantFrom(3_000, 30_000), maxDeclines: fc.constantFrom(1, 3) }).map((o): Command => ({
    op: Operation.Offer,
    agentId: o.id,
    timeoutMs: o.timeoutMs,
    maxDeclines: o.maxDeclines,
    missedPresence: 'Away',
    actor: engine,
  })),
  agentId.map((id): Command => ({ op: Operation.Accept, actor: agent(id) })),
  agentId.map((id): Command => ({ op: Operation.Decline, actor: agent(id) })),
  agentId.map((id): Command => ({ op: Operation.End, actor: agent(id) })),
  fc.constant<Command>({ op: Operation.CustomerEnd, actor: customer }),
  fc.constant<Command>({ op: Operation.Disconnect, actor: customer }),
  agentId.map((id): Command => ({ op: Operation.CloseTab, actor: agent(id) })),
  fc.constant<Command>({ op: Operation.Reopen, actor: customer }),
  fc.constant<Command>({ op: Operation.Revive, actor: customer }),
  fc.constantFrom('default', 'billing').map((q): Command => ({ op: Operation.Transfer, to: { queueId: q }, actor: supervisor })),
  agentId.map((id): Command => ({ op: Operation.Transfer, to: { agentId: id }, actor: supervisor })),
  fc.record({ from: fc.constantFrom('customer' as const, 'agent' as const), n: fc.nat(1_000) }).map((m): Command => ({
    op: Operation.Message,
    from: m.from,
    messageId: `m${m.n}`,
    actor: m.from === 'customer' ? customer : agent('alice'),
  })),
  fc.constant<Command>({ op: Operation.MarkRead, actor: agent('alice') }),
  fc.constantFrom('billing', 'default').map((q): Command => ({ op: Operation.Reroute, toQueueId: q, reason: 'overflow', actor: engine })),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: command.map((c): Step => ({ kind: 'command', command: c })) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 10_000, 60_000, 3_600_000, 86_400_000).map((ms): Step => ({ kind: 'elapse', ms })) },
);

/** Fires the earliest deadline, as the workflow's loop does; returns the refusal or the new snapshot. */
function fire(s: ConversationSnapshot, config: LifecycleConfig): { s: ConversationSnapshot; problem: string | null } {
  const d = deadlines(s, config)[0];
  if (!d) return { s, problem: null };
  const decision = decide(s, { op: d.op, at: d.at, actor: { kind: ActorKind.Timer } }, new Date(d.at), config);
  if (!decision.ok)
    return {
      s,
      problem: `${d.op} due at ${new Date(d.at).toISOString()} is refused in ${s.state}: ${decision.refusal.code} ${decision.refusal.message}`,
    };
  const again = deadlines(decision.snapshot, config).find((x) => x.op === d.op && x.at <= d.at);
  if (again)
    return {
      s: decision.snapshot,
      problem: `${d.op} due at ${new Date(d.at).toISOString()} applied in ${s.state} but still stands in ${decision.snapshot.state}`,
    };
  return { s: decision.snapshot, problem: null };
}

describe('the timer loop of a conversation', () => {
  it('never meets a deadline that, fired, is refused or stays due (the workflow would fire it for ever)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIGS),
        fc.array(
          fc.record({
            skill: fc.constantFrom('french', 'refunds'),
            minProficiency: fc.integer({ min: 1, max: 10 }),
            relaxAfterMs: fc.constantFrom(null, 30_000, 120_000),
          }),
          { maxLength: 2 },
        ),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (config, requirements, steps) => {
          let now = T0;
          const unique = requirements.filter((r, i) => requirements.findIndex((x) => x.skill === r.skill) === i);
          let s = newConversation(
            { conversationId: 'c1', queueId: 'default', channel: 'chat', customer: { id: 'cust-1' }, requirements: unique },
            new Date(now),
          );
          for (const st of steps) {
            if (st.kind === 'command') {
              const decision = decide(s, st.command, new Date(now), config);
              if (decision.ok) s = decision.snapshot;
              continue;
            }
            const until = now + st.ms;
            // Bounded: every deadline fired moves on or ends, so a handful per step is plenty.
            for (let fired = 0; fired < 50; fired++) {
              const d = deadlines(s, config)[0];
              if (!d || d.at > until) break;
              now = Math.max(now, d.at);
              const out = fire(s, config);
              if (out.problem) throw new Error(out.problem);
              s = out.s;
            }
            now = until;
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
