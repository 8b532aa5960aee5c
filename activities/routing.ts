import type { Router } from '../src/routing/router';
import type { CapacityStore } from '../src/store/types';

/** Queue ids to poke after a store write: the conversation's new queue, and every queue of an agent who got room. */
export async function queuesToPoke(store: CapacityStore, enqueuedIn: string | null, releasedBy: string | null): Promise<string[]> {
  const queues: string[] = enqueuedIn ? [enqueuedIn] : [];
  if (releasedBy) queues.push(...((await store.getAgent(releasedBy))?.queues ?? []));
  return queues;
}

/** Routing activities: one dispatch round for a queue. */
export function createRoutingActivities(store: CapacityStore, router: Router) {
  return {
    /**
     * Matches queue heads to agents (atomically reserving in the store), then
     * signals each conversation. A match whose conversation has ended meanwhile
     * is released, and its agent's queues poked, so the capacity is not lost.
     */
    async dispatchQueue(input: { queueId: string; limit: number }): Promise<{ assigned: number }> {
      const assignments = await store.dispatch(input.queueId, input.limit);
      const delivered = await Promise.all(assignments.map((a) => router.deliver(a)));
      const orphaned = assignments.filter((_, i) => !delivered[i]);
      for (const a of orphaned) await store.releaseReservation(a.conversationId);
      if (orphaned.length) await router.poke(orphaned.flatMap((a) => [a.queueId]));
      return { assigned: assignments.length };
    },
  };
}
