import { actOnWrite } from '../src/routing/changes';
import type { Router } from '../src/routing/router';
import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { CapacityLedger } from '../src/store/capacity/capacity-ledger';
import type { ApplyConversationInput, Assignment } from '../src/store/conversation-write';
import type { EnterQueueAnswer, EnterQueueInput } from '../src/sync/queue-entry';
import { assignmentOnEntry, assignmentWrite, entryWrite } from '../src/sync/queue-entry';

/** Read-model activities: keep the store's view of each conversation current. */
export function createConversationSyncActivities(ledger: CapacityLedger, router: Router, lifecycle: LifecycleConfig) {
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

    /**
     * A new conversation enters its queue, and when routing assigns it there
     * and then (not an offer) it is Active in the same transaction: the
     * assignment is the one the workflow decides from the answer
     * (assignmentOnEntry, at the input's time, the workflow's). Without rules
     * of its own it runs under this worker's, answered back.
     */
    async enterQueue(input: EnterQueueInput): Promise<EnterQueueAnswer> {
      const config = input.config ?? lifecycle;
      const { snapshot, refusedSignals } = input;
      const outcome = await ledger.applyConversationThen(entryWrite(snapshot, config, refusedSignals), (match) => {
        const decision = assignmentOnEntry(snapshot, match, new Date(input.at), config);
        return decision && assignmentWrite(decision, config, refusedSignals);
      });
      await actOnWrite(router, ledger, outcome);
      return { matched: outcome.matched, waiting: outcome.waiting, assigned: outcome.assigned, config };
    },
  };
}
