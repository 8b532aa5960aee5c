import type { CapacityLedger } from '../store/capacity/capacity-ledger';
import type { RoutingMetrics } from './routing-metrics';
import { MatchSource } from './routing-metrics';

/**
 * The store the worker's activities write through, counting as they commit:
 * every conversation write (the transition it records, the matches it made on
 * entering a queue or freeing room, the assignment written with an entry) and every dispatch round's matches. It
 * wraps the store rather than the activities, so the count sits on the very
 * write that makes a conversation Active, and nothing in activities/ changes.
 */
export function observeWorkerStore<S extends CapacityLedger>(store: S, metrics: RoutingMetrics): S {
  return {
    ...store,
    async applyConversation(input) {
      const outcome = await store.applyConversation(input);
      metrics.observeWrite(input, outcome);
      return outcome;
    },
    async applyConversationThen(input, then) {
      // The write `then` answered, if the store applied it (the assignment made on entry): counted like a write of its own.
      let next: ReturnType<typeof then> = null;
      const outcome = await store.applyConversationThen(input, (match) => (next = then(match)));
      metrics.observeWrite(input, outcome);
      if (outcome.assigned && next) metrics.observeWrite(next, { matched: null, deliver: [], watch: [], waiting: null });
      return outcome;
    },
    async dispatch(queueId, limit) {
      const matches = await store.dispatch(queueId, limit);
      metrics.observeMatches(MatchSource.Dispatcher, matches);
      return matches;
    },
  };
}

/** The store the API's agent changes go through (RoutingChanges), counting the matches an agent's change made at once. */
export function observeAgentChanges<S extends CapacityLedger>(store: S, metrics: RoutingMetrics): S {
  return {
    ...store,
    async fillAgent(agentId) {
      const matches = await store.fillAgent(agentId);
      metrics.observeMatches(MatchSource.Agent, matches);
      return matches;
    },
  };
}
