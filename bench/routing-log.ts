import type { ReserveInput, ReserveOutcome } from '../src/store/types';
import type { ApplyConversationInput, ApplyOutcome, Assignment } from '../src/store/conversation-write';

/** One routing fact, in the order the store committed it. */
export type RoutingFact =
  | { kind: 'enqueue'; seq: number; conversationId: string; queueId: string; priority: number; enqueuedAt: string }
  | { kind: 'assign'; seq: number; conversationId: string; queueId: string; agentId: string; how: string };

/**
 * Records every queue entry and every reservation the worker's store calls
 * make (matching on enqueue, room given on release, dispatcher rounds, agent
 * fills, claims), in commit order. The SQLite store runs each transaction
 * synchronously inside its call, so the order calls settle in is the order
 * they committed in. Read by the fairness check.
 */
export class RoutingLog {
  readonly facts: RoutingFact[] = [];
  private seq = 0;
  enabled = false;

  private assign(a: Assignment, how: string): void {
    this.facts.push({ kind: 'assign', seq: this.seq++, conversationId: a.conversationId, queueId: a.queueId, agentId: a.agentId, how });
  }

  /** The timed store's observer. */
  readonly observe = (name: string, args: unknown[], result: unknown): void => {
    if (!this.enabled) return;
    if (name === 'applyConversation') {
      const input = args[0] as ApplyConversationInput;
      const outcome = result as ApplyOutcome;
      const e = input.enqueue;
      if (e) {
        this.facts.push({
          kind: 'enqueue',
          seq: this.seq++,
          conversationId: e.conversationId,
          queueId: e.queueId,
          priority: e.priority,
          enqueuedAt: e.enqueuedAt,
        });
      }
      if (outcome.matched) this.assign(outcome.matched, 'on enqueue');
      for (const a of outcome.deliver) this.assign(a, 'freed room');
    } else if (name === 'dispatch') {
      for (const a of result as Assignment[]) this.assign(a, 'dispatcher');
    } else if (name === 'fillAgent') {
      for (const a of result as Assignment[]) this.assign(a, 'agent fill');
    } else if (name === 'claim') {
      const input = args[0] as ReserveInput;
      const outcome = result as ReserveOutcome;
      if (outcome.ok)
        this.facts.push({
          kind: 'assign',
          seq: this.seq++,
          conversationId: input.conversationId,
          queueId: '?',
          agentId: input.agentId,
          how: 'claim',
        });
    }
  };

  clear(): void {
    this.facts.length = 0;
  }
}

/** What the fairness check found. */
export interface Inversions {
  assignments: number;
  /** Assignments that passed over an older waiting entry of the same queue and priority. */
  inverted: number;
  /** The most older entries one assignment passed over. */
  worst: number;
  example: string | null;
}

/**
 * Counts fairness inversions: a conversation given an agent while an older
 * entry of the same queue and priority (entered earlier, not yet given one)
 * still waited. Every entry of a benchmark queue needs the same units and no
 * agent is excluded, so the agent that took the younger one could have taken
 * the older one.
 */
export function fairnessInversions(facts: readonly RoutingFact[], queueIds?: ReadonlySet<string>): Inversions {
  const waiting = new Map<string, Map<string, { enqueuedAt: string; seq: number }>>();
  const keyOf = (queueId: string, priority: number) => `${queueId}\u0000${priority}`;
  const entryOf = new Map<string, { key: string; enqueuedAt: string; seq: number }>();
  let assignments = 0;
  let inverted = 0;
  let worst = 0;
  let example: string | null = null;
  for (const f of facts) {
    if (f.kind === 'enqueue') {
      if (queueIds && !queueIds.has(f.queueId)) continue;
      const key = keyOf(f.queueId, f.priority);
      const previous = entryOf.get(f.conversationId);
      if (previous) waiting.get(previous.key)?.delete(f.conversationId);
      const entry = { key, enqueuedAt: f.enqueuedAt, seq: f.seq };
      entryOf.set(f.conversationId, entry);
      let group = waiting.get(key);
      if (!group) waiting.set(key, (group = new Map()));
      group.set(f.conversationId, entry);
      continue;
    }
    const entry = entryOf.get(f.conversationId);
    if (!entry) continue;
    assignments += 1;
    const group = waiting.get(entry.key);
    group?.delete(f.conversationId);
    entryOf.delete(f.conversationId);
    let older = 0;
    let oldest: string | null = null;
    for (const [id, other] of group ?? []) {
      const before = other.enqueuedAt < entry.enqueuedAt || (other.enqueuedAt === entry.enqueuedAt && other.seq < entry.seq);
      if (before) {
        older += 1;
        oldest ??= id;
      }
    }
    if (older > 0) {
      inverted += 1;
      if (older > worst) {
        worst = older;
        example = `${f.conversationId} (entered ${entry.enqueuedAt}) got ${f.agentId} by ${f.how} while ${older} older ones waited, e.g. ${oldest}`;
      }
    }
  }
  return { assignments, inverted, worst, example };
}
