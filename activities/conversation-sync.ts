import type { ApplyConversationInput, CapacityStore } from '../src/store/types';
import type { Router } from '../src/routing/router';
import { queuesToPoke } from './routing';

/** Read-model activities: keep the store's view of each conversation current. */
export function createConversationSyncActivities(store: CapacityStore, router: Router) {
  return {
    /**
     * Applies a transition's effects (release, dequeue, enqueue) and the new view
     * in one transaction, then pokes the dispatchers that may now have work: the
     * queue the conversation entered, and the queues of an agent who got room.
     */
    async applyConversation(input: ApplyConversationInput): Promise<void> {
      await store.applyConversation(input);
      if (!input.enqueue && !input.release) return;
      const releasedBy = input.release ? (input.view.agentId ?? input.view.lastAgentId) : null;
      const queues = await queuesToPoke(store, input.enqueue?.queueId ?? null, releasedBy);
      if (queues.length) await router.poke(queues);
    },
  };
}
