import type { Presence } from '../domain/presence';
import type { AgentDirectory } from '../store/agent-directory';
import type { AgentInput, AgentRecord, ApplyOutcome, QueueInput, QueueRecord } from '../store/types';
import type { Router } from './router';

/**
 * Whom a conversation's store write concerns: the dispatcher of the queue it
 * entered, and those of every queue of an agent who got room back.
 */
export function queuesToPoke(outcome: ApplyOutcome): string[] {
  return [...(outcome.enqueuedIn ? [outcome.enqueuedIn] : []), ...(outcome.released?.queues ?? [])];
}

/**
 * Changes to agents and queues that can make room for queued work. Each writes
 * the store and then pokes the dispatchers concerned, so a conversation never
 * waits while an eligible agent has room (work conservation). The store write
 * is the change; a poke that cannot reach Temporal is logged, not thrown, and
 * the dispatchers' periodic sweep routes the work instead.
 */
export class RoutingChanges {
  constructor(
    private readonly store: AgentDirectory,
    private readonly router: Router,
    private readonly log: (message: string) => void = (message) => console.warn(message),
  ) {}

  private async poke(queueIds: string[]): Promise<void> {
    try {
      await this.router.poke(queueIds);
    } catch (error) {
      this.log(
        `Could not poke the dispatchers of ${queueIds.join(', ')} (${(error as Error).message}); their next sweep will route the work.`,
      );
    }
  }

  /** Sets an agent's presence; pokes the agent's queues (a presence may have become eligible). */
  async setPresence(agentId: string, presence: Presence): Promise<AgentRecord | null> {
    const agent = await this.store.setPresence(agentId, presence);
    if (agent) await this.poke(agent.queues);
    return agent;
  }

  /** Creates or updates an agent; pokes its queues (capacity raised, queues joined). */
  async upsertAgent(input: AgentInput): Promise<AgentRecord> {
    const agent = await this.store.upsertAgent(input);
    await this.poke(agent.queues);
    return agent;
  }

  /** Creates or updates a queue; pokes it (eligible presences or method may have changed). */
  async upsertQueue(input: QueueInput): Promise<QueueRecord> {
    const queue = await this.store.upsertQueue(input);
    await this.poke([queue.id]);
    return queue;
  }

  /** Pokes every queue: after a restart, work that arrived while nothing ran is routed. */
  async pokeAll(): Promise<void> {
    await this.router.poke((await this.store.listQueues()).map((q) => q.id));
  }
}
