import type { EventLog } from '../store/events/event-log';
import type { WebhookRegistry } from '../store/webhooks/webhook-registry';
import { pruneEventsHeldForWebhooks } from '../webhooks/retention';

const LONGEST_INTERVAL_MS = 10 * 60 * 1000;
const SHORTEST_INTERVAL_MS = 1000;

/**
 * Prunes events older than `retentionMs` now and then periodically (a quarter
 * of the retention, at most every 10 minutes), keeping what a webhook
 * endpoint has not delivered yet for up to `maxHoldMs` (the webhooks' hard
 * cap). Several API processes may each run one: pruning is idempotent.
 * Returns the stop function.
 */
export function startEventRetention(
  log: Pick<EventLog, 'pruneEvents'> & Pick<WebhookRegistry, 'webhookRetentionFloor'>,
  retentionMs: number,
  options: { now?: () => number; intervalMs?: number; maxHoldMs?: number; report?: (message: string) => void } = {},
): () => void {
  const now = options.now ?? Date.now;
  const report = options.report ?? ((message: string) => console.error(`[events] ${message}`));
  const interval = options.intervalMs ?? Math.max(SHORTEST_INTERVAL_MS, Math.min(LONGEST_INTERVAL_MS, Math.floor(retentionMs / 4)));
  let running = false;
  const prune = (): void => {
    if (running) return;
    running = true;
    const at = now();
    pruneEventsHeldForWebhooks(log, new Date(at - retentionMs), { now: new Date(at), maxHoldMs: options.maxHoldMs })
      .catch((error: unknown) => report(`pruning the event log failed (next try in ${interval} ms): ${(error as Error).message}`))
      .finally(() => {
        running = false;
      });
  };
  prune();
  const timer = setInterval(prune, interval);
  timer.unref();
  return () => clearInterval(timer);
}
