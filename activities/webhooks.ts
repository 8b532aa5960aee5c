import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { EventType } from '../src/domain/events';
import { WebhookDeliveryStatus } from '../src/domain/webhooks';
import type { EventLog } from '../src/store/events/event-log';
import type { WebhookBatch, WebhookRegistry } from '../src/store/webhooks/webhook-registry';
import type { WebhookDeliveryOptions } from '../src/config/webhooks';
import { DEFAULT_WEBHOOK_DELIVERY } from '../src/config/webhooks';
import { webhookRequest } from '../src/webhooks/format';
import { openWebhookSecret } from '../src/webhooks/secret-box';
import type { WebhookSender } from '../src/webhooks/sender';
import { postWebhook } from '../src/webhooks/sender';

/** What the webhook activities need besides the store. */
export interface WebhookActivityOptions {
  /** The server secret (CONVOFLOW_SECRET): endpoint secrets are sealed under a key derived from it. */
  serverSecret: string;
  /** Retries and timeouts (defaults: DEFAULT_WEBHOOK_DELIVERY). */
  delivery?: Partial<WebhookDeliveryOptions>;
  /** How requests are sent (tests may pass their own). */
  send?: WebhookSender;
}

/** How one delivery activity ended (a failure that should be retried is thrown instead). */
export type WebhookDeliveryOutcome = 'delivered' | 'failed' | 'gone';

/** The failure type of an attempt the receiver did not take (retried until the window closes). */
export const WEBHOOK_DELIVERY_FAILED = 'WEBHOOK_DELIVERY_FAILED';

/** Which event of which endpoint. */
export interface WebhookEventRef {
  endpointId: string;
  eventId: number;
  eventType: EventType;
}

/** The running activity's cancellation signal, if this runs as an activity. */
function cancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/**
 * The activities of webhookDeliveryWorkflow. Each delivery reads its event
 * from the store when it sends it, so event payloads (message text) never
 * enter workflow history, and every attempt is recorded for the deliveries API.
 */
export function createWebhookActivities(store: WebhookRegistry & EventLog, options: WebhookActivityOptions | null) {
  const delivery: WebhookDeliveryOptions = { ...DEFAULT_WEBHOOK_DELIVERY, ...options?.delivery };
  const send = options?.send ?? postWebhook;

  return {
    /** The retry and wake-up settings of this worker (recorded in history, so a replay uses the same). */
    async getWebhookDeliveryOptions(): Promise<WebhookDeliveryOptions> {
      return delivery;
    },

    /** Records `afterId` as handled and answers the next events the endpoint subscribes to; null once it is deleted. */
    async nextWebhookEvents(input: { endpointId: string; afterId: number; limit: number }): Promise<WebhookBatch | null> {
      return store.nextWebhookEvents(input.endpointId, input.afterId, input.limit);
    },

    /**
     * One attempt to deliver one event: a 2xx answer is delivered; anything
     * else is recorded and thrown, so Temporal retries it with backoff. An event
     * pruned before it could be sent is failed at once; 'gone': the endpoint was deleted.
     */
    async deliverWebhookEvent(ref: WebhookEventRef): Promise<WebhookDeliveryOutcome> {
      const target = await store.getWebhookTarget(ref.endpointId);
      if (!target) return 'gone';
      const event = (await store.listEvents(ref.eventId - 1, 1))[0];
      if (!event || event.id !== ref.eventId) {
        const kept = await store.recordWebhookAttempt({
          ...ref,
          status: WebhookDeliveryStatus.Failed,
          attempted: false,
          httpStatus: null,
          error: 'the event was pruned before it could be delivered (held past the retention hard cap)',
        });
        return kept ? 'failed' : 'gone';
      }
      let httpStatus: number | null = null;
      let error: string | null = null;
      try {
        if (!options) throw new Error('this worker has no webhook configuration (the server secret)');
        const secret = openWebhookSecret(options.serverSecret, target.id, target.sealedSecret);
        const request = webhookRequest(event, secret, Math.floor(Date.now() / 1000));
        ({ status: httpStatus } = await send({
          url: target.url,
          ...request,
          timeoutMs: delivery.requestTimeoutMs,
          signal: cancellation(),
        }));
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
      const ok = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
      const status = ok ? WebhookDeliveryStatus.Delivered : WebhookDeliveryStatus.Pending;
      if (!(await store.recordWebhookAttempt({ ...ref, status, attempted: true, httpStatus, error }))) return 'gone';
      if (ok) return 'delivered';
      // Benign: a receiver's trouble is recorded for the deliveries API, not a worker warning on every retry.
      throw ApplicationFailure.create({
        type: WEBHOOK_DELIVERY_FAILED,
        message: `Event ${ref.eventId} was not delivered to endpoint ${ref.endpointId}: ${error ?? `HTTP ${httpStatus}`}.`,
        nonRetryable: false,
        category: ApplicationFailureCategory.BENIGN,
      });
    },

    /** Marks the event failed once its retry window is over, so delivery moves on; false once the endpoint is deleted. */
    async giveUpWebhookEvent(ref: WebhookEventRef): Promise<boolean> {
      return store.recordWebhookAttempt({ ...ref, status: WebhookDeliveryStatus.Failed, attempted: false, httpStatus: null, error: null });
    },
  };
}
