import type { Client } from '@temporalio/client';
import type { WebhookNotifierOptions } from './notifier';
import { WebhookNotifier } from './notifier';
import type { NotifierStore } from './notifier';
import { temporalWebhookWorkflows } from './workflows';

/** Deadline of one wake-up call to Temporal, so an unreachable cluster never piles up calls. */
const WAKE_DEADLINE_MS = 10_000;

/** Starts the worker's webhook notifier over `store`, waking delivery workflows on `taskQueue`. */
export async function startWebhookNotifier(
  store: NotifierStore,
  client: Client,
  taskQueue: string,
  options: WebhookNotifierOptions = {},
): Promise<WebhookNotifier> {
  const notifier = new WebhookNotifier(store, temporalWebhookWorkflows(client, taskQueue, { deadlineMs: WAKE_DEADLINE_MS }), options);
  await notifier.start();
  return notifier;
}
