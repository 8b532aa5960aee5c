import type { EventType } from '../../domain/events';
import type { WebhookDeliveryStatus, WebhookEndpointStatus } from '../../domain/webhooks';
import {
  eventTypesProblem,
  subscribedTypes,
  webhookUrlProblem,
  WebhookDeliveryStatus as Delivery,
  WebhookEndpointStatus as Status,
} from '../../domain/webhooks';
import type { Program, Tx } from '../program';
import { all, one, placeholders, run } from '../program';
import { invalid, requireEntityId } from '../validation';
import { latestEventId } from '../events/event-programs';
import type { NewWebhookEndpoint, WebhookAttempt, WebhookBatch, WebhookDelivery, WebhookEndpoint, WebhookTarget } from './webhook-types';

/** A `webhook_endpoints` row. */
interface EndpointRow {
  id: string;
  url: string;
  event_types: string;
  description: string | null;
  sealed_secret: string;
  created_at: string;
  start_after_id: number | string;
  cursor_id: number | string;
  status: WebhookEndpointStatus;
  failing_since: string | null;
  failing_reason: string | null;
}

/** A `webhook_deliveries` row. */
interface DeliveryRow {
  event_id: number | string;
  event_type: EventType;
  status: WebhookDeliveryStatus;
  attempts: number | string;
  last_http_status: number | string | null;
  last_error: string | null;
  first_attempt_at: string;
  last_attempt_at: string;
  completed_at: string | null;
}

const ENDPOINT_COLUMNS = 'id, url, event_types, description, created_at, start_after_id, cursor_id, status, failing_since, failing_reason';
const DELIVERY_COLUMNS =
  'event_id, event_type, status, attempts, last_http_status, last_error, first_attempt_at, last_attempt_at, completed_at';
/** Deliveries kept per endpoint (the newest); older ones are trimmed as new ones complete. */
export const DELIVERIES_KEPT = 1000;
/** Event ids one batch read looks through at most, so an endpoint of rare types never scans the whole log in one transaction. */
const SCAN_WINDOW = 10_000;
const MAX_DESCRIPTION_LENGTH = 500;
const MAX_ERROR_LENGTH = 500;

function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    eventTypes: JSON.parse(row.event_types) as WebhookEndpoint['eventTypes'],
    description: row.description,
    createdAt: row.created_at,
    startAfterEventId: Number(row.start_after_id),
    cursor: Number(row.cursor_id),
    status: row.status,
    failingSince: row.failing_since,
    failingReason: row.failing_reason,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    eventId: Number(row.event_id),
    eventType: row.event_type,
    status: row.status,
    attempts: Number(row.attempts),
    lastHttpStatus: row.last_http_status === null ? null : Number(row.last_http_status),
    lastError: row.last_error,
    firstAttemptAt: row.first_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    completedAt: row.completed_at,
  };
}

function requireEventId(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(`${what} must be a whole number >= 0.`);
}

function validateEndpoint(input: NewWebhookEndpoint): void {
  requireEntityId(input.id, 'Webhook endpoint id');
  const urlProblem = typeof input.url === 'string' ? webhookUrlProblem(input.url) : 'must be a string';
  if (urlProblem !== null) throw invalid(`Webhook url ${urlProblem}.`);
  if (!Array.isArray(input.eventTypes)) throw invalid('Webhook eventTypes must be a list.');
  const problem = eventTypesProblem(input.eventTypes);
  if (problem !== null) throw invalid(`Webhook eventTypes ${problem}.`);
  if (input.description !== null && (typeof input.description !== 'string' || [...input.description].length > MAX_DESCRIPTION_LENGTH)) {
    throw invalid(`Webhook description must be at most ${MAX_DESCRIPTION_LENGTH} characters.`);
  }
  if (typeof input.sealedSecret !== 'string' || input.sealedSecret.length === 0) throw invalid('Webhook secret must be sealed.');
}

function* endpointRow(id: string): Program<EndpointRow | undefined> {
  return yield* one<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS}, sealed_secret FROM webhook_endpoints WHERE id = ?`, [id]);
}

/**
 * Registers an endpoint whose deliveries start after the newest event committed
 * now; an endpoint with this id already registered (a retried request) stands.
 */
export function* addWebhookEndpoint(tx: Tx, input: NewWebhookEndpoint): Program<WebhookEndpoint> {
  validateEndpoint(input);
  const latest = yield* latestEventId(tx);
  const after = Number(latest?.m ?? 0);
  yield* run(
    `INSERT INTO webhook_endpoints (id, url, event_types, description, sealed_secret, created_at, start_after_id, cursor_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [input.id, input.url, JSON.stringify(input.eventTypes), input.description, input.sealedSecret, tx.now, after, after, Status.Active],
  );
  return toEndpoint((yield* endpointRow(input.id)) as EndpointRow);
}

/** One endpoint, if registered. */
export function* getWebhookEndpoint(_tx: Tx, id: string): Program<WebhookEndpoint | null> {
  const row = yield* endpointRow(id);
  return row ? toEndpoint(row) : null;
}

/** Every endpoint, oldest first. */
export function* listWebhookEndpoints(_tx: Tx): Program<WebhookEndpoint[]> {
  const rows = yield* all<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`);
  return rows.map(toEndpoint);
}

/** Where and with which sealed secret to deliver. */
export function* getWebhookTarget(_tx: Tx, id: string): Program<WebhookTarget | null> {
  const row = yield* endpointRow(id);
  return row ? { id: row.id, url: row.url, sealedSecret: row.sealed_secret } : null;
}

/** Deletes an endpoint and its deliveries; whether it existed. */
export function* deleteWebhookEndpoint(_tx: Tx, id: string): Program<boolean> {
  const deleted = yield* run('DELETE FROM webhook_endpoints WHERE id = ?', [id]);
  yield* run('DELETE FROM webhook_deliveries WHERE endpoint_id = ?', [id]);
  return deleted > 0;
}

/**
 * Records `afterId` as the endpoint's cursor (never moving it back) and reads
 * the ids and types of the next events it subscribes to, at most `limit`,
 * looking through at most SCAN_WINDOW ids. `through` is the id up to which
 * every event is in the batch or not subscribed; when the batch is empty it is
 * recorded as the cursor too (the notifier then sees the endpoint caught up).
 * Null when the endpoint is gone.
 */
export function* nextWebhookEvents(tx: Tx, id: string, afterId: number, limit: number): Program<WebhookBatch | null> {
  requireEventId(afterId, 'Webhook cursor');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid(`Webhook batch limit must be 1-1000 (got ${limit}).`);
  yield* run('UPDATE webhook_endpoints SET cursor_id = ? WHERE id = ? AND cursor_id < ?', [afterId, id, afterId]);
  const row = yield* endpointRow(id);
  if (!row) return null;
  // Ids increase in commit order, so every id below the newest visible one has committed: none can appear behind `through` later.
  const latest = Number((yield* latestEventId(tx))?.m ?? 0);
  const upTo = Math.min(latest, afterId + SCAN_WINDOW);
  if (upTo <= afterId) return { events: [], through: afterId, more: false };
  const types = subscribedTypes(JSON.parse(row.event_types) as string[]);
  const rows = yield* all<{ id: number | string; type: EventType }>(
    `SELECT id, type FROM ${tx.dialect.eventLog} WHERE id > ? AND id <= ? AND type IN (${placeholders(types.length)}) ORDER BY id LIMIT ?`,
    [afterId, upTo, ...types, limit],
  );
  const events = rows.map((r) => ({ id: Number(r.id), type: r.type }));
  const last = events[events.length - 1];
  const through = events.length === limit && last ? last.id : upTo;
  if (events.length === 0) yield* run('UPDATE webhook_endpoints SET cursor_id = ? WHERE id = ? AND cursor_id < ?', [through, id, through]);
  return { events, through, more: through < latest };
}

/**
 * Records one attempt (or the give-up) of an event's delivery. Delivered and
 * failed move the cursor past the event; delivered clears a failing status,
 * failed sets it. False when the endpoint is gone.
 */
export function* recordWebhookAttempt(tx: Tx, attempt: WebhookAttempt): Program<boolean> {
  requireEventId(attempt.eventId, 'Event id');
  const row = yield* endpointRow(attempt.endpointId);
  if (!row) return false;
  const error = attempt.error === null ? null : attempt.error.slice(0, MAX_ERROR_LENGTH);
  const done = attempt.status !== Delivery.Pending;
  // Giving up is no attempt of its own: it keeps the last attempt's status and error.
  const counted = attempt.attempted ? 1 : 0;
  yield* run(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, status, attempts, last_http_status, last_error, first_attempt_at, last_attempt_at, completed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (endpoint_id, event_id) DO UPDATE SET
       status = excluded.status,
       attempts = webhook_deliveries.attempts + ?,
       last_http_status = CASE WHEN ? = 1 THEN excluded.last_http_status ELSE webhook_deliveries.last_http_status END,
       last_error = CASE WHEN ? = 1 OR excluded.last_error IS NOT NULL THEN excluded.last_error ELSE webhook_deliveries.last_error END,
       last_attempt_at = CASE WHEN ? = 1 THEN excluded.last_attempt_at ELSE webhook_deliveries.last_attempt_at END,
       completed_at = excluded.completed_at`,
    [
      attempt.endpointId,
      attempt.eventId,
      attempt.eventType,
      attempt.status,
      counted,
      attempt.httpStatus,
      error,
      tx.now,
      tx.now,
      done ? tx.now : null,
      counted,
      counted,
      counted,
      counted,
    ],
  );
  if (!done) return true;
  yield* run('UPDATE webhook_endpoints SET cursor_id = ? WHERE id = ? AND cursor_id < ?', [
    attempt.eventId,
    attempt.endpointId,
    attempt.eventId,
  ]);
  if (attempt.status === Delivery.Delivered) {
    yield* run(`UPDATE webhook_endpoints SET status = ?, failing_since = NULL, failing_reason = NULL WHERE id = ? AND status <> ?`, [
      Status.Active,
      attempt.endpointId,
      Status.Active,
    ]);
  } else {
    const reason = `event ${attempt.eventId} (${attempt.eventType}) was not delivered${error === null ? '' : `: ${error}`}`;
    yield* markFailing(tx, 'id = ?', [attempt.endpointId], reason.slice(0, MAX_ERROR_LENGTH));
  }
  yield* run(
    `DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND event_id <
       (SELECT event_id FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY event_id DESC LIMIT 1 OFFSET ?)`,
    [attempt.endpointId, attempt.endpointId, DELIVERIES_KEPT - 1],
  );
  return true;
}

function* markFailing(tx: Tx, where: string, params: (string | number)[], reason: string): Program<void> {
  yield* run(`UPDATE webhook_endpoints SET status = ?, failing_since = COALESCE(failing_since, ?), failing_reason = ? WHERE ${where}`, [
    Status.Failing,
    tx.now,
    reason,
    ...params,
  ]);
}

/** An endpoint's recent deliveries, newest event first. */
export function* listWebhookDeliveries(
  _tx: Tx,
  id: string,
  options: { limit: number; status?: WebhookDeliveryStatus },
): Program<WebhookDelivery[]> {
  const { limit, status } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERIES_KEPT) throw invalid(`Delivery limit must be 1-${DELIVERIES_KEPT}.`);
  const rows = yield* all<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = ?${status ? ' AND status = ?' : ''} ORDER BY event_id DESC LIMIT ?`,
    status ? [id, status, limit] : [id, limit],
  );
  return rows.map(toDelivery);
}

/**
 * The `keepAfterId` for pruning events older than `before`: the lowest cursor
 * of the endpoints, so nothing an endpoint has not handled is deleted, but
 * never below the newest event older than `holdCapBefore` (the hard cap):
 * endpoints that far behind lose those events and are marked failing. Null
 * when no endpoint holds anything back.
 */
export function* webhookRetentionFloor(tx: Tx, before: Date, holdCapBefore: Date): Program<number | null> {
  const lowest = yield* one<{ m: number | string | null }>('SELECT MIN(cursor_id) AS m FROM webhook_endpoints');
  if (lowest?.m === null || lowest?.m === undefined) return null;
  const capAt = new Date(Math.min(before.getTime(), holdCapBefore.getTime())).toISOString();
  const capRow = yield* one<{ m: number | string | null }>(`SELECT MAX(id) AS m FROM ${tx.dialect.eventLog} WHERE at < ?`, [capAt]);
  const cap = Number(capRow?.m ?? 0);
  const floor = Math.max(Number(lowest.m), cap);
  if (cap > Number(lowest.m)) {
    yield* markFailing(tx, 'cursor_id < ?', [cap], `events up to ${cap} were pruned before delivery (held past the retention hard cap)`);
  }
  return floor;
}
