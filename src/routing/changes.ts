import type { Presence } from '../domain/presence';
import type { AgentDirectory } from '../store/agents/agent-directory';
import type { CapacityLedger } from '../store/capacity/capacity-ledger';
import type { AgentInput, AgentRecord, QueueInput, QueueRecord } from '../store/types';
import type { ApplyOutcome, Assignment } from '../store/conversation-write';
import type { Router } from './router';

/**
 * Whom a conversation's store write concerns besides the conversation itself:
 * the conversations the room it freed was given to (told once, by signal), and
 * the dispatchers that must look now (a queue whose overflow timer a waiting
 * conversation arms).
 */
export async function actOnWrite(router: Router, ledger: CapacityLedger, outcome: ApplyOutcome): Promise<void> {
  const delivered = await Promise.all(outcome.deliver.map((assignment) => router.deliver(assignment)));
  // A match for a conversation that no longer runs (terminated by an operator) is released, so no capacity leaks.
  const orphans = outcome.deliver.filter((_, i) => !delivered[i]);
  for (const a of orphans) await ledger.releaseReservation(a.conversationId, a.agentId);
  const watch = [...outcome.watch, ...orphans.map((a) => a.queueId)];
  if (watch.length) await router.poke([...new Set(watch)]);
}

/** Tells each match's conversation of it (a match whose conversation no longer runs is released and its queue poked). */
export function deliverMatches(router: Router, ledger: CapacityLedger, matches: Assignment[]): Promise<void> {
  return actOnWrite(router, ledger, { matched: null, deliver: matches, watch: [], waiting: null });
}

/**
 * Changes to agents and queues that can make room for queued work. Agent
 * changes route on the event: right after the write, the agent's free room
 * goes to the most deserving conversations waiting in its queues, and each is
 * told by signal (work conservation without waiting for a dispatcher). A
 * queue change pokes its dispatcher. The store write is the change: a signal
 * or poke that cannot reach Temporal is logged, not thrown; the dispatchers'
 * sweep re-delivers and routes the work instead.
 */
export class RoutingChanges {
  constructor(
    private readonly store: AgentDirectory & CapacityLedger,
    private readonly router: Router,
    private readonly log: (message: string) => void = (message) => console.warn(message),
  ) {}

  private async reach(what: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.log(`Could not ${what} (${(error as Error).message}); the dispatchers' next sweep will route the work.`);
    }
  }

  /** Gives the agent's free room to waiting work and tells each conversation. */
  private async fill(agentId: string): Promise<void> {
    const matches = await this.store.fillAgent(agentId);
    if (matches.length === 0) return;
    await this.reach(`tell ${matches.map((m) => m.conversationId).join(', ')} of their assignment`, () =>
      deliverMatches(this.router, this.store, matches),
    );
  }

  /** Sets an agent's presence; a presence that receives work gets it at once. */
  async setPresence(agentId: string, presence: Presence): Promise<AgentRecord | null> {
    const agent = await this.store.setPresence(agentId, presence);
    if (agent) await this.fill(agentId);
    return agent;
  }

  /** Creates or updates an agent; raised capacity or joined queues get work at once. */
  async upsertAgent(input: AgentInput): Promise<AgentRecord> {
    const agent = await this.store.upsertAgent(input);
    await this.fill(agent.id);
    return agent;
  }

  /**
   * Creates or updates a queue; pokes it (eligible presences or method may have changed) and the
   * queues sharing its members that have work (closed by new hours, its work no longer takes
   * precedence over theirs).
   */
  async upsertQueue(input: QueueInput): Promise<QueueRecord> {
    const queue = await this.store.upsertQueue(input);
    await this.reach(`poke the dispatchers of ${queue.id} and the queues sharing its members`, async () =>
      this.router.poke([queue.id, ...(await this.store.queuesWithWorkSharingMembers(queue.id))]),
    );
    return queue;
  }

  /** Pokes every queue: after a restart, work that arrived while nothing ran is routed. */
  async pokeAll(): Promise<void> {
    await this.router.poke((await this.store.listQueues()).map((q) => q.id));
  }
}
