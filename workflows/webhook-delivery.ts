import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventType } from '../src/domain/events';
import { STORE_WRITES_AS_ACTIVITIES } from './patches';
import { stopWebhookSignal, wakeWebhookSignal } from './webhook-messages';

/** Arguments of webhookDeliveryWorkflow. */
export interface WebhookDeliveryInput {
  endpointId: string;
  /** Every event up to this id is handled: delivery continues after it. */
  afterId: number;
  /** Carried over continue-as-new: a wake-up arrived that was not served yet. */
  pending?: boolean;
}

const retry: wf.RetryPolicy = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
/** Runs from before STORE_WRITES_AS_ACTIVITIES read the store through local activities, and replay so. */
const localActivities = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });
// Store reads and bookkeeping: short transactions, retried after this when lost with a killed worker.
const storeActivities = wf.proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry });

/** The store's activities for this run (see STORE_WRITES_AS_ACTIVITIES for why not local ones). */
function store(): Activities {
  return wf.patched(STORE_WRITES_AS_ACTIVITIES) ? storeActivities : localActivities;
}

/** Events read per batch: one store read, then one delivery activity each. */
export const WEBHOOK_BATCH = 100;
const CONTINUE_AS_NEW_AFTER_EVENTS = 2_000;

/**
 * One per endpoint (id `webhook-<endpointId>`), started when it is registered.
 * Delivers the events the endpoint subscribes to in commit order, one at a
 * time: read the next batch after the cursor, deliver each (an activity
 * retried with exponential backoff for the retry window, then marked failed),
 * move the cursor. Its history is the cursor, so a worker or server restart
 * resumes at the very event it was on. Wake-ups (the worker's notifier, after
 * commits of subscribed types) only set a flag, and a durable timer looks
 * anyway every `wakeEveryMs`, in case a wake-up was lost. Ends when the
 * endpoint is deleted (the stop signal, or the store no longer knowing it).
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<void> {
  const { endpointId } = input;
  let cursor = input.afterId;
  let pending = input.pending ?? true;
  let stopped = false;
  let inFlight: wf.CancellationScope | null = null;
  wf.setHandler(wakeWebhookSignal, () => {
    pending = true;
  });
  wf.setHandler(stopWebhookSignal, () => {
    stopped = true;
    inFlight?.cancel();
  });

  const options = await store().getWebhookDeliveryOptions();
  const remote = wf.proxyActivities<Activities>({
    // A little over the request deadline: the activity answers by then itself.
    startToCloseTimeout: options.requestTimeoutMs + 5_000,
    scheduleToCloseTimeout: options.retryWindowMs,
    retry: { initialInterval: options.initialIntervalMs, backoffCoefficient: 2, maximumInterval: options.maximumIntervalMs },
  });

  /** Delivers one event: false when the workflow must end (deleted). */
  async function deliver(event: { id: number; type: EventType }): Promise<boolean> {
    const ref = { endpointId, eventId: event.id, eventType: event.type };
    wf.setCurrentDetails(`Delivering event **${event.id}** (${event.type}) to endpoint \`${endpointId}\``);
    const scope = new wf.CancellationScope();
    inFlight = scope;
    try {
      return (await scope.run(() => remote.deliverWebhookEvent(ref))) !== 'gone';
    } catch (error) {
      if (wf.isCancellation(error)) return false;
      // The retry window is over: the event is failed, and the next one's turn comes.
      return store().giveUpWebhookEvent(ref);
    } finally {
      inFlight = null;
    }
  }

  /** Continues as new when history grows long: between two deliveries, with the cursor, to go on reading at once. */
  async function continueAsNewIfLong(): Promise<void> {
    const info = wf.workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength <= CONTINUE_AS_NEW_AFTER_EVENTS) return;
    await wf.condition(wf.allHandlersFinished);
    await wf.continueAsNew<typeof webhookDeliveryWorkflow>({ endpointId, afterId: cursor, pending: true });
  }

  for (;;) {
    wf.setCurrentDetails(`Waiting after event **${cursor}** for endpoint \`${endpointId}\``);
    await wf.condition(() => pending || stopped, options.wakeEveryMs);
    if (stopped) return;
    pending = false;
    // Read until a read finds nothing: what committed while delivering is found without another wake-up
    // (the notifier does not wake an endpoint again while its cursor has not moved).
    for (let found = true; found;) {
      const batch = await store().nextWebhookEvents({ endpointId, afterId: cursor, limit: WEBHOOK_BATCH });
      if (batch === null) return;
      for (const event of batch.events) {
        if (stopped || !(await deliver(event))) return;
        cursor = event.id;
        await continueAsNewIfLong();
      }
      cursor = batch.through;
      found = batch.events.length > 0 || batch.more;
      await continueAsNewIfLong();
    }
  }
}
