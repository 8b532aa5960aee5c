import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { Store } from '../src/store/store';
import { createConversationSyncActivities } from './conversation-sync';
import type { Router } from '../src/routing/router';
import { withStoreRefusals } from './refusal';
import { createRoutingActivities } from './routing';
import type { WebhookActivityOptions } from './webhooks';
import { createWebhookActivities } from './webhooks';

/** What the activities need from the outside world, injected so tests pass their own. */
export interface ActivityDeps {
  store: Store;
  /** The worker's lifecycle rules, handed to conversations started without their own. */
  lifecycle: LifecycleConfig;
  /** Reaches the queue dispatchers and conversations (push distribution). */
  router: Router;
  /** Re-deliver matches left undelivered this long (default REDELIVER_AFTER_MS). */
  redeliverAfterMs?: number;
  /** Webhook delivery: the server secret that opens endpoint secrets, retries and timeouts (absent: deliveries fail and retry). */
  webhooks?: WebhookActivityOptions;
}

/** Every activity the worker registers. */
export function createActivities({ store, lifecycle, router, redeliverAfterMs, webhooks }: ActivityDeps) {
  return withStoreRefusals({
    ...createConversationSyncActivities(store, router, lifecycle),
    ...createRoutingActivities(store, router, redeliverAfterMs),
    ...createWebhookActivities(store, webhooks ?? null),
    /** The lifecycle rules in force on this worker (recorded in history, so replay is stable). */
    async getLifecycleConfig(): Promise<LifecycleConfig> {
      return lifecycle;
    },
  });
}

/** The activity interface, as workflows see it through proxyActivities. */
export type Activities = ReturnType<typeof createActivities>;
