/**
 * Routing: how an Open conversation finds an agent.
 *
 * - `engine/`: matching on the event, as programs that run inside the store
 *   transaction that causes it (the store provides transactions and rows): a
 *   conversation entering its queue is matched there and then (`matchEntry`),
 *   room a write frees goes to the most deserving waiting conversations
 *   (`fillAgent`), a dispatcher round matches queue heads (`DispatchRun`,
 *   `matchOne`); queue entries and business hours are its own.
 * - `changes.ts`: whom a write concerns afterwards (`actOnWrite`,
 *   `deliverMatches`), and agent, presence and queue writes (`RoutingChanges`).
 * - `dispatch-round.ts`: one round of a queue's dispatcher workflow
 *   (workflows/queue-dispatcher.ts), the safety net off the hot path: sweeps,
 *   overflow, hours, and matches a crash left undelivered.
 * - `redelivery.ts`: every process sends again matches whose signal was lost.
 * - `router.ts`: the port to the dispatchers and the conversations; its
 *   Temporal adapter is src/temporal/router.ts.
 * - the vocabulary: `Presence` (src/domain/presence.ts) and
 *   `AssignmentMethod` (src/domain/assignment-method.ts).
 */
export type { Router } from './router';
export { actOnWrite, deliverMatches, RoutingChanges } from './changes';
export { dispatchRound } from './dispatch-round';
export { DispatchRun, fillAgent, matchEntry, matchOne, MAX_FILL_PER_WRITE, MAX_PASSES_PER_DISPATCH } from './engine/matching-programs';
export { Presence, ALL_PRESENCES, DEFAULT_ELIGIBLE_PRESENCES } from '../domain/presence';
export { AssignmentMethod, ALL_ASSIGNMENT_METHODS } from '../domain/assignment-method';
