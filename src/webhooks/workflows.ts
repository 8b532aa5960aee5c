import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { webhookWorkflowId } from '../domain/webhooks';
import type { WebhookEndpoint } from '../store/webhook-registry';
import type * as workflows from '../../workflows';
import type { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery';
import { stopWebhookSignal, wakeWebhookSignal } from '../../workflows/webhook-messages';
import { WORKFLOW_TASK_TIMEOUT } from '../temporal/task-timeout';

// By name, so the API process never loads workflow code; `satisfies` keeps the name honest.
const WEBHOOK_WORKFLOW = 'webhookDeliveryWorkflow' satisfies keyof typeof workflows;

/** How the API and the worker's notifier reach the endpoints' delivery workflows. */
export interface WebhookWorkflows {
  /**
   * Wakes the endpoint's delivery workflow, starting it (after the endpoint's
   * stored cursor) when none runs: the notifier thereby also restarts a
   * workflow that was never started (Temporal unreachable at registration).
   */
  wake(endpoint: Pick<WebhookEndpoint, 'id' | 'cursor'>): Promise<void>;
  /** Tells the workflow of a deleted endpoint to end; false when none ran. */
  stop(endpointId: string): Promise<boolean>;
}

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
