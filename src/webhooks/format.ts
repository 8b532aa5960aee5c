import type { StoredEvent } from '../domain/events';
import { signWebhook } from './signature';

/** The headers of every delivery. */
export const WebhookHeader = {
  EventId: 'Convoflow-Event-Id',
  EventType: 'Convoflow-Event-Type',
  /** Unix seconds when this attempt was signed (each retry is signed afresh). */
  Timestamp: 'Convoflow-Timestamp',
  /** `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
  Signature: 'Convoflow-Signature',
} as const;

const USER_AGENT = 'convoflow-webhooks/1';

/**
 * One delivery of `event`: the stored event as JSON (the very object the event
 * stream sends), signed with the endpoint's secret at `timestamp` (unix seconds).
 */
export function webhookRequest(event: StoredEvent, secret: string, timestamp: number): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event);
  return {
    body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      [WebhookHeader.EventId]: String(event.id),
      [WebhookHeader.EventType]: event.type,
      [WebhookHeader.Timestamp]: String(timestamp),
      [WebhookHeader.Signature]: signWebhook(secret, timestamp, body),
    },
  };
}
