import type { EventLog } from '../store/events/event-log';
import type { WebhookRegistry } from '../store/webhooks/webhook-registry';
import { DEFAULT_WEBHOOK_MAX_HOLD_MS } from '../config/webhooks';

/**
 * Prunes events committed before `before` the way every pruner of the events
 * outbox must (the API process's periodic prune calls this instead of
 * `pruneEvents(before)`): never an event a webhook endpoint has not handled
 * yet, unless it is older than `maxHoldMs` (default 7 days; the hard cap),
 * after which it goes anyway and the endpoints still waiting for it are marked
 * failing. Safe to race with deliveries and new endpoints: cursors only move
 * forward and a new endpoint starts after the newest event. Returns how many
 * events were deleted.
 */
export async function pruneEventsHeldForWebhooks(
  store: Pick<EventLog, 'pruneEvents'> & Pick<WebhookRegistry, 'webhookRetentionFloor'>,
  before: Date,
  options: { maxHoldMs?: number; now?: Date } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const holdCap = new Date(now.getTime() - (options.maxHoldMs ?? DEFAULT_WEBHOOK_MAX_HOLD_MS));
  const floor = await store.webhookRetentionFloor(before, holdCap);
  return floor === null ? store.pruneEvents(before) : store.pruneEvents(before, floor);
}
