import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { STORE_WRITES_AS_ACTIVITIES } from './patches';
import { pokeSignal } from './messages';

/** Arguments of queueDispatcherWorkflow. */
export interface QueueDispatcherInput {
  queueId: string;
  /** Carried over continue-as-new: a poke arrived that was not served yet. */
  pending?: boolean;
}

const retry: wf.RetryPolicy = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
/** Runs from before STORE_WRITES_AS_ACTIVITIES dispatched through local activities, and replay so. */
const local = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
// A round is a few short store transactions and signals; a round lost with a killed worker is retried after this.
const remote = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/** The dispatch activities for this run (see STORE_WRITES_AS_ACTIVITIES for why not local ones). */
function acts(): Activities {
  return wf.patched(STORE_WRITES_AS_ACTIVITIES) ? remote : local;
}

/** Matches made per activity call: big enough to drain a burst, small enough to keep each transaction short. */
export const DISPATCH_BATCH = 100;
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;
const BLOCKED_RETRY_MS = 200;
const SWEEP_INTERVAL_MS = 60_000;
const MAX_BLOCKED_RETRY_MS = 10_000;

/**
 * One per queue (id `queue-dispatcher-<queueId>`), started on first poke. It
 * serialises routing for its queue: pokes ("something changed": a conversation
 * entered the queue, capacity was released, presence became eligible, an agent
 * joined) only set a flag, so any number of them between two rounds costs one
 * dispatch, and none is lost because the flag is checked after every round.
 */
export async function queueDispatcherWorkflow(input: QueueDispatcherInput): Promise<void> {
  let pending = input.pending ?? true;
  let idleRounds = 0;
  // When the oldest waiting entry reaches the queue's overflow limit, and when the queue next opens or
  // closes by its business hours (durable timers wake the dispatcher for both).
  let nextOverflowAt: number | null = null;
  let nextHoursChangeAt: number | null = null;
  wf.setHandler(pokeSignal, () => {
    pending = true;
  });
  for (;;) {
    // The periodic sweep is a safety net for a poke that never arrived (Temporal
    // unreachable when a change was made): work then waits a minute, not forever.
    const until = (at: number | null) => (at === null ? Infinity : Math.max(1, at - Date.now()));
    await wf.condition(() => pending, Math.min(SWEEP_INTERVAL_MS, until(nextOverflowAt), until(nextHoursChangeAt)));
    pending = false;
    const round = await acts().dispatchQueue({ queueId: input.queueId, limit: DISPATCH_BATCH, now: new Date().toISOString() });
    nextOverflowAt = round.nextOverflowAt === null ? null : Date.parse(round.nextOverflowAt);
    // Absent in a round answered before business hours existed (replay): no hours timer.
    nextHoursChangeAt = round.nextHoursChangeAt ? Date.parse(round.nextHoursChangeAt) : null;
    if (round.overflowed >= DISPATCH_BATCH) pending = true;
    if (round.more) {
      // Work that fits is still there: go again without waiting for a poke. If the
      // round made no match (rows locked by concurrent picks), back off a little first.
      pending = true;
      idleRounds = round.assigned === 0 ? idleRounds + 1 : 0;
      if (idleRounds > 0) await wf.sleep(Math.min(BLOCKED_RETRY_MS * 2 ** (idleRounds - 1), MAX_BLOCKED_RETRY_MS));
    } else {
      idleRounds = 0;
    }
    const info = wf.workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_AFTER_EVENTS) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof queueDispatcherWorkflow>({ queueId: input.queueId, pending });
    }
  }
}
