import type { Router } from '../src/routing/router';
import { queuesToPoke } from '../src/routing/changes';
import type { CapacityLedger } from '../src/store/capacity-ledger';
import type { ApplyConversationInput } from '../src/store/types';

/** Read-model activities: keep the store's view of each conversation current. */
export function createConversationSyncActivities(ledger: CapacityLedger, router: Router) {
  return {
    /**
     * Applies a transition's effects (release, dequeue, enqueue) and the new view
     * in one transaction, then pokes the dispatchers that may now have work.
     */
    async applyConversation(input: ApplyConversationInput): Promise<void> {
      const queues = queuesToPoke(await ledger.applyConversation(input));
      if (queues.length) await router.poke(queues);
    },
  };
}
