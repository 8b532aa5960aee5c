import { defineSignal } from '@temporalio/workflow';

// The messages of webhookDeliveryWorkflow, defined once here (beside the
// conversation's in messages.ts); the worker's notifier and the API import
// these constants. Wire name = constant name minus its kind.

/** "Events it subscribes to were committed": look for them now (wake-ups coalesce into one look). */
export const wakeWebhookSignal = defineSignal<[]>('wakeWebhook');
/** The endpoint was deleted: stop delivering (an attempt in flight is cancelled) and end. */
export const stopWebhookSignal = defineSignal<[]>('stopWebhook');
