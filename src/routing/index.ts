/**
 * Routing: how an Open conversation finds an agent. Everything it is made of,
 * in one index (the pieces live where their runtime needs them):
 *
 * - the port and its Temporal adapter: `Router` (poke a queue's dispatcher,
 *   hand a match to its conversation, reroute on overflow) and
 *   `createTemporalRouter` (src/temporal/router.ts);
 * - the rules for "something changed, whom to poke": `queuesToPoke` after a
 *   conversation's store write, `RoutingChanges` for agent, presence and
 *   queue writes (src/routing/changes.ts);
 * - the matching itself, one atomic store operation per match: choose the
 *   agent by presence, membership, free units and the queue's method, reserve,
 *   dequeue (`DispatchRun`, `matchOne`: src/store/matching-programs.ts);
 * - the per-queue dispatcher workflow that serialises matching for its queue
 *   and sweeps it, with its activity: `queueDispatcherWorkflow`
 *   (workflows/queue-dispatcher.ts), `createRoutingActivities`
 *   (activities/routing.ts);
 * - the vocabulary: `Presence` (src/domain/presence.ts) and
 *   `AssignmentMethod` (src/domain/assignment-method.ts).
 */
export type { Router } from './router';
export { queuesToPoke, RoutingChanges } from './changes';
export { createTemporalRouter } from '../temporal/router';
export { DispatchRun, matchOne, MAX_PASSES_PER_DISPATCH } from '../store/matching-programs';
export type { queueDispatcherWorkflow } from '../../workflows/queue-dispatcher';
export type { createRoutingActivities } from '../../activities/routing';
export { Presence, ALL_PRESENCES, DEFAULT_ELIGIBLE_PRESENCES } from '../domain/presence';
export { AssignmentMethod, ALL_ASSIGNMENT_METHODS } from '../domain/assignment-method';
