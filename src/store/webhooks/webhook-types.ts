import type { EventType } from '../../domain/events';
import type { WebhookDeliveryStatus, WebhookEndpointStatus, WebhookEventTypes } from '../../domain/webhooks';

// The records of the WebhookRegistry face (webhook-registry.ts).

/** A registered webhook endpoint (never with its secret). */
export interface WebhookEndpoint {
  id: string;
  url: string;
  eventTypes: WebhookEventTypes;
  description: string | null;
  createdAt: string;
  /** The newest event id when it was registered: it receives the events committed after it. */
  startAfterEventId: number;
  /** Every event with an id at or below this one is handled: delivered, failed, or not subscribed. */
  cursor: number;
  status: WebhookEndpointStatus;
  /** While failing: since when, and why. */
  failingSince: string | null;
  failingReason: string | null;
}

/** An endpoint as the API registers it; its signing secret arrives sealed (src/webhooks/secret-box.ts). */
export interface NewWebhookEndpoint {
  id: string;
  url: string;
  eventTypes: WebhookEventTypes;
  description: string | null;
  sealedSecret: string;
}

/** What the worker needs to deliver to an endpoint. */
export interface WebhookTarget {
  id: string;
  url: string;
  sealedSecret: string;
}

/** The next events an endpoint's workflow delivers, by id and type (the worker reads each event when it sends it). */
export interface WebhookBatch {
  events: { id: number; type: EventType }[];
  /** Every event up to this id is in `events` or not subscribed: the cursor once the batch is delivered. */
  through: number;
  /** Events after `through` may be waiting: read again at once. */
  more: boolean;
}

/** One delivery attempt's outcome, or the give-up after the retry window. */
export interface WebhookAttempt {
  endpointId: string;
  eventId: number;
  eventType: EventType;
  /** Pending: it failed and will be retried; delivered: 2xx; failed: given up. */
  status: WebhookDeliveryStatus;
  /** Whether a request was made (false for a give-up, or an event that was pruned first). */
  attempted: boolean;
  httpStatus: number | null;
  error: string | null;
}

/** One event's delivery to an endpoint, as the deliveries API shows it. */
export interface WebhookDelivery {
  eventId: number;
  eventType: EventType;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  firstAttemptAt: string;
  lastAttemptAt: string;
  completedAt: string | null;
}
