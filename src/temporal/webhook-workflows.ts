import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { webhookWorkflowId } from '../domain/webhooks';
import type { WebhookWorkflows } from '../webhooks/delivery-workflows';
import type { NotifierStore, WebhookNotifierOptions } from '../webhooks/notifier';
import { WebhookNotifier } from '../webhooks/notifier';
import type * as workflows from '../../workflows';
import type { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery';
import { stopWebhookSignal, wakeWebhookSignal } from '../../workflows/webhook-messages';
import { WORKFLOW_TASK_TIMEOUT } from './task-timeout';

// By name, so the API process never loads workflow code; `satisfies` keeps the name honest.
const WEBHOOK_WORKFLOW = 'webhookDeliveryWorkflow' satisfies keyof typeof workflows;

/** The delivery workflows on `taskQueue`; each call has a deadline of `deadlineMs` when given. */
export function temporalWebhookWorkflows(client: Client, taskQueue: string, options: { deadlineMs?: number } = {}): WebhookWorkflows {
  const within = <T>(fn: () => Promise<T>): Promise<T> =>
    options.deadlineMs === undefined ? fn() : client.withDeadline(Date.now() + options.deadlineMs, fn);
  return {
    wake: (endpoint) =>
      within(async () => {
        const workflowId = webhookWorkflowId(endpoint.id);
        try {
          await client.workflow.signalWithStart<typeof webhookDeliveryWorkflow, []>(WEBHOOK_WORKFLOW, {
            workflowId,
            taskQueue,
            workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
            args: [{ endpointId: endpoint.id, afterId: endpoint.cursor }],
            signal: wakeWebhookSignal,
            signalArgs: [],
            staticSummary: `Webhook deliveries for endpoint ${endpoint.id}`,
          });
        } catch (error) {
          // Two wake-ups racing to start it: the loser's still has to land.
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          await client.workflow.getHandle(workflowId).signal(wakeWebhookSignal);
        }
      }),
    stop: (endpointId) =>
      within(async () => {
        try {
          await client.workflow.getHandle(webhookWorkflowId(endpointId)).signal(stopWebhookSignal);
          return true;
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) return false;
          throw error;
        }
      }),
  };
}

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
