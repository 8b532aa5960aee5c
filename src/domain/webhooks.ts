import type { EventType } from './events';
import { ALL_EVENT_TYPES } from './events';

// Webhooks: an endpoint the admin registers receives, by HTTP POST, every
// event of the types it subscribes to, in commit order. Pure types and rules
// shared by the store, the workflow, the worker and the API.

/** Subscribes to every event type, present and future. */
export const ALL_TYPES_WILDCARD = '*';

/** What an endpoint subscribes to: some event types, or `["*"]` (all); see eventTypesProblem. */
export type WebhookEventTypes = (EventType | typeof ALL_TYPES_WILDCARD)[];

/**
 * An endpoint URL: http or https, a host name, IPv4 or [IPv6] address, an
 * optional port, path and query; no user name or password in it. Spelled
 * without \w or \d so that every regex engine reads it alike.
 */
export const WEBHOOK_URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://([A-Za-z0-9-]+([.][A-Za-z0-9-]+)*|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?([/?#][\\x21-\\x7e]*)?$';
/** Longest endpoint URL. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;
const URL_RULE = new RegExp(WEBHOOK_URL_PATTERN);

/** Why `url` cannot be an endpoint's URL, or null when it can. */
export function webhookUrlProblem(url: string): string | null {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters long`;
  if (!URL_RULE.test(url)) return 'must be an http:// or https:// URL (host, optional port, path and query; no user or password)';
  try {
    new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  return null;
}

/** Where one event's delivery to one endpoint stands. */
export const WebhookDeliveryStatus = {
  /** Attempted and not taken yet: being retried. */
  Pending: 'pending',
  /** The receiver answered 2xx. */
  Delivered: 'delivered',
  /** The retry window ran out (or the event was pruned first); delivery moved on to the next event. */
  Failed: 'failed',
} as const;

/** One of the delivery statuses. */
export type WebhookDeliveryStatus = (typeof WebhookDeliveryStatus)[keyof typeof WebhookDeliveryStatus];

/** Every delivery status. */
export const ALL_WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = Object.values(WebhookDeliveryStatus);

/** How an endpoint is doing. */
export const WebhookEndpointStatus = {
  Active: 'active',
  /** An event failed after the retry window, or events were pruned before it got them; cleared by its next delivery. */
  Failing: 'failing',
} as const;

/** One of the endpoint statuses. */
export type WebhookEndpointStatus = (typeof WebhookEndpointStatus)[keyof typeof WebhookEndpointStatus];

/** The workflow id of an endpoint's delivery workflow. */
export function webhookWorkflowId(endpointId: string): string {
  return `webhook-${endpointId}`;
}

/** The concrete event types `eventTypes` stands for (the wildcard: every one). */
export function subscribedTypes(eventTypes: readonly string[]): EventType[] {
  if (eventTypes.includes(ALL_TYPES_WILDCARD)) return [...ALL_EVENT_TYPES];
  return ALL_EVENT_TYPES.filter((t) => eventTypes.includes(t));
}

/** Whether an endpoint subscribed to `eventTypes` wants events of `type`. */
export function subscribesTo(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.includes(ALL_TYPES_WILDCARD) || eventTypes.includes(type);
}

/**
 * Why `eventTypes` is not a valid subscription, or null when it is: a
 * non-empty list of known event types without repeats, or exactly `["*"]`.
 */
export function eventTypesProblem(eventTypes: readonly string[]): string | null {
  if (eventTypes.length === 0) return 'must name at least one event type, or be ["*"]';
  if (eventTypes.includes(ALL_TYPES_WILDCARD)) return eventTypes.length === 1 ? null : '"*" must stand alone';
  const known: readonly string[] = ALL_EVENT_TYPES;
  const unknown = eventTypes.find((t) => !known.includes(t));
  if (unknown !== undefined) return `${JSON.stringify(unknown)} is not an event type (${ALL_EVENT_TYPES.join(', ')})`;
  if (new Set(eventTypes).size !== eventTypes.length) return 'must not repeat an event type';
  return null;
}
