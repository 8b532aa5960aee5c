import type { WebhookEndpoint } from '../store/webhooks/webhook-registry';

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
