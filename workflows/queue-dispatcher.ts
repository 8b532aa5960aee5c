import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DISPATCH_TIMER_KEPT, STORE_WRITES_AS_ACTIVITIES } from './patches';
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
  // The earliest deadline a running timer of this run will wake the loop at; timers are never
  // cancelled (a later deadline waits for it, an earlier one starts its own): see DISPATCH_TIMER_KEPT.
  let armedAt: number | null = null;
  let rang = false;
  const arm = (at: number): void => {
    if (armedAt !== null && armedAt <= at) return;
    armedAt = at;
    void wf.sleep(Math.max(1, at - Date.now())).then(
      () => {
        if (armedAt === at) armedAt = null;
        rang = true;
      },
      // Cancelled with the run (an operator's cancel): the wait below fails the same way.
      () => undefined,
    );
  };
  for (;;) {
    // The periodic sweep is a safety net for a poke that never arrived (Temporal
    // unreachable when a change was made): work then waits a minute, not forever.
    const until = (at: number | null) => (at === null ? Infinity : Math.max(1, at - Date.now()));
    const wait = Math.min(SWEEP_INTERVAL_MS, until(nextOverflowAt), until(nextHoursChangeAt));
    if (wf.patched(DISPATCH_TIMER_KEPT)) {
      if (!pending) arm(Date.now() + wait);
      await wf.condition(() => pending || rang);
      rang = false;
    } else {
      await wf.condition(() => pending, wait);
    }
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
