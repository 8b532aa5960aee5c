/**
 * Routing: how an Open conversation finds an agent. Everything it is made of,
 * in one index (the pieces live where their runtime needs them):
 *
 * - the port and its Temporal adapter: `Router` (poke a queue's dispatcher,
 *   hand a match to its conversation, reroute on overflow) and
 *   `createTemporalRouter` (src/temporal/router.ts);
 * - matching on the event, in the store transaction that causes it: a
 *   conversation entering its queue is matched there and then, and room a
 *   write frees goes to the most deserving waiting conversations
 *   (`matchEntry`, `fillAgent`: src/store/capacity/matching-programs.ts); whom a write
 *   concerns afterwards, `actOnWrite`, and agent, presence and queue writes,
 *   `RoutingChanges` (src/routing/changes.ts);
 * - the per-queue dispatcher workflow, the safety net off the hot path: it
 *   sweeps its queue, fires overflow timers and re-delivers matches a crash
 *   left undelivered, with its activity (`DispatchRun`, `matchOne`), `queueDispatcherWorkflow`
 *   (workflows/queue-dispatcher.ts), `createRoutingActivities`
 *   (activities/routing.ts);
 * - the vocabulary: `Presence` (src/domain/presence.ts) and
 *   `AssignmentMethod` (src/domain/assignment-method.ts).
 */
export type { Router } from './router';
export { actOnWrite, RoutingChanges } from './changes';
export {
  DispatchRun,
  fillAgent,
  matchEntry,
  matchOne,
  MAX_FILL_PER_WRITE,
  MAX_PASSES_PER_DISPATCH,
} from '../store/capacity/matching-programs';
export { Presence, ALL_PRESENCES, DEFAULT_ELIGIBLE_PRESENCES } from '../domain/presence';
export { AssignmentMethod, ALL_ASSIGNMENT_METHODS } from '../domain/assignment-method';
