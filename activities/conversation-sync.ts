import type { ApplyConversationInput, CapacityStore } from '../src/store/types';

/** Read-model activities: keep the store's view of each conversation current. */
export function createConversationSyncActivities(store: CapacityStore) {
  return {
    /** Applies a transition's effects (release, dequeue, enqueue) and the new view in one transaction. */
    async applyConversation(input: ApplyConversationInput): Promise<void> {
      await store.applyConversation(input);
    },
  };
}
