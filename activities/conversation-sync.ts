import { actOnWrite } from '../src/routing/changes';
import type { Router } from '../src/routing/router';
import type { CapacityLedger } from '../src/store/capacity/capacity-ledger';
import type { ApplyConversationInput, Assignment } from '../src/store/conversation-write';

/** Read-model activities: keep the store's view of each conversation current. */
export function createConversationSyncActivities(ledger: CapacityLedger, router: Router) {
  return {
    /**
     * One transition's store write, in one transaction: what the store must
     * grant (refused: nothing changes), the read-model row and its events, the
     * effects (release, dequeue, enqueue) and the routing they cause. Then tells
     * the conversations the freed room went to. Answers the agent the
     * conversation itself was matched to on entering its queue, if any, or why it waits.
     */
    async applyConversation(input: ApplyConversationInput): Promise<{ matched: Assignment | null; waiting: string | null }> {
      const outcome = await ledger.applyConversation(input);
      await actOnWrite(router, ledger, outcome);
      return { matched: outcome.matched, waiting: outcome.waiting };
    },
  };
}
