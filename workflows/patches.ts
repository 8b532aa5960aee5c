/**
 * Every `patched()` id the workflows use, in one place (the Temporal UI shows
 * them as markers in history). A patch id is forever: runs recorded with or
 * without it must keep replaying, so an id is never reused or renamed.
 */

/**
 * Store writes run as regular activities: each result is an event in history,
 * so a replay hands it to the workflow in the same task as the first run did.
 * Runs started before this patch wrote through local activities and replay that
 * way; they switch at their next new task. Why: the SDK records a local
 * activity's marker in one workflow task but, when it answers a query while the
 * activity finishes, hands the result to the workflow only in the next task
 * (with whatever update or signal arrived meanwhile, and that task's clock),
 * while a replay hands it over in the first: the command order diverges and the
 * workflow is stuck on nondeterminism (test/fixtures/histories/evidence).
 */
export const STORE_WRITES_AS_ACTIVITIES = 'store-writes-as-activities';

/**
 * A queue dispatcher keeps its durable timer running across pokes instead of
 * cancelling it whenever a poke wakes it first: a poke then costs no
 * TimerCanceled and no new TimerStarted, and the Java time-skipping test
 * server no longer sees a completion cancel a timer that fired while the task
 * was with the worker (it strands the run: "invalid history builder state for
 * action", temporalio/sdk-java#3088). Runs recorded before it wait the old way
 * until their next new task.
 */
export const DISPATCH_TIMER_KEPT = 'dispatch-timer-kept';

/**
 * A new conversation enters its queue and, when routing assigns it there and
 * then, becomes Active in one store transaction (the enterQueue activity, which
 * also answers the worker's rules when the start brought none): one activity
 * instead of three (getLifecycleConfig, the enqueue write, the Active write)
 * per pushed assignment. Runs recorded before it enter the old way.
 */
export const ENTER_IN_ONE_WRITE = 'enter-in-one-write';
