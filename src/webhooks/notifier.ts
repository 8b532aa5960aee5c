import { subscribesTo } from '../domain/webhooks';
import type { Store } from '../store/store';
import type { WebhookEndpoint } from '../store/webhooks/webhook-registry';
import type { WebhookWorkflows } from './delivery-workflows';

/** What the notifier reads. */
export type NotifierStore = Pick<Store, 'onEvents' | 'listEvents' | 'eventLogBounds' | 'listWebhookEndpoints'>;

/** Tunables of the notifier. */
export interface WebhookNotifierOptions {
  /** Fewest milliseconds between two wake-ups of one endpoint (default 500: at most two a second, however many events). */
  minIntervalMs?: number;
  /**
   * An endpoint whose cursor has not moved since its last wake-up is busy (its
   * workflow reads again by itself once the delivery under way ends): it is
   * woken again only after this long (default 5 min), which also restarts a
   * workflow that should run and does not.
   */
  repeatAfterMs?: number;
  /** How long to wait before trying again after a read or a wake-up failed (default 5 s). */
  retryAfterMs?: number;
  /** Where trouble is reported (default: stderr). */
  report?: (message: string) => void;
}

/** An endpoint to wake: as last read, and whether for events past its cursor (else: the start-up look). */
interface Due {
  endpoint: Pick<WebhookEndpoint, 'id' | 'cursor'>;
  forEvents: boolean;
}

const PAGE = 1000;
const MAX_PAGES_PER_SCAN = 10;

/**
 * The worker's wake-ups for delivery workflows: after commits that wrote
 * events (Store.onEvents: this process on SQLite, every process on
 * PostgreSQL) it reads the new events' types and wakes the workflows of the
 * endpoints subscribed to any of them past their cursor, at most once per
 * `minIntervalMs` each (a burst of a thousand events is a signal or two, never
 * one per event), and not again while an endpoint is still on the delivery it
 * was woken for (a receiver down for a day costs a signal every few minutes,
 * not a history full of them). At start it wakes every endpoint once (events
 * committed while no worker ran), which also starts a workflow that should run
 * and does not. A lost wake-up costs latency only: each workflow also looks on
 * its own timer.
 */
export class WebhookNotifier {
  private readonly minIntervalMs: number;
  private readonly repeatAfterMs: number;
  private readonly retryAfterMs: number;
  private readonly report: (message: string) => void;
  /** The newest event id looked at. */
  private position = 0;
  private scanning = false;
  private again = false;
  private stopped = false;
  private readonly due = new Map<string, Due>();
  /** Each endpoint's last wake-up: its cursor then, and when. */
  private readonly woken = new Map<string, { cursor: number; at: number }>();
  private readonly sending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly store: NotifierStore,
    private readonly workflows: Pick<WebhookWorkflows, 'wake'>,
    options: WebhookNotifierOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.repeatAfterMs = options.repeatAfterMs ?? 5 * 60_000;
    this.retryAfterMs = options.retryAfterMs ?? 5_000;
    this.report = options.report ?? ((message) => console.error(`[webhooks] ${message}`));
  }

  /** Subscribes to commits and wakes every endpoint once. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.onEvents(() => this.scan());
    this.position = (await this.store.eventLogBounds()).latestId;
    for (const endpoint of await this.store.listWebhookEndpoints()) this.due.set(endpoint.id, { endpoint, forEvents: false });
    this.flush();
  }

  /** Stops listening; wake-ups already sent finish on their own. */
  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One scan at a time; a commit during a scan makes another follow it. */
  private scan(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    this.scanning = true;
    let failed = false;
    this.scanOnce()
      .catch((error: unknown) => {
        failed = true;
        this.report(`reading new events failed (next try in ${this.retryAfterMs} ms): ${(error as Error).message}`);
      })
      .finally(() => {
        this.scanning = false;
        if (this.stopped) return;
        if (failed) setTimeout(() => this.scan(), this.retryAfterMs).unref();
        else if (this.again) {
          this.again = false;
          this.scan();
        }
      });
  }

  private async scanOnce(): Promise<void> {
    for (let page = 0; page < MAX_PAGES_PER_SCAN; page++) {
      const events = await this.store.listEvents(this.position, PAGE);
      const last = events[events.length - 1];
      if (!last) return;
      // Endpoints are read after the events: a cursor read now is at least as new as
      // the workflow's last look, so an endpoint caught up before these events is seen so.
      const endpoints = await this.store.listWebhookEndpoints();
      for (const id of this.woken.keys()) if (!endpoints.some((e) => e.id === id)) this.woken.delete(id);
      for (const endpoint of endpoints) {
        if (events.some((e) => e.id > endpoint.cursor && subscribesTo(endpoint.eventTypes, e.type))) {
          this.due.set(endpoint.id, { endpoint, forEvents: true });
        }
      }
      this.position = last.id;
      this.flush();
      if (events.length < PAGE) return;
    }
    this.again = true;
  }

  /** Wakes every due endpoint whose interval has passed; a timer comes back for the others. */
  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    const now = Date.now();
    let soonest = Infinity;
    for (const [id, due] of this.due) {
      if (this.sending.has(id)) continue;
      const last = this.woken.get(id);
      if (last && last.cursor === due.endpoint.cursor && now - last.at < this.repeatAfterMs) {
        // Still on what it was woken for; it reads again by itself when that is done.
        this.due.delete(id);
        continue;
      }
      const readyAt = (last?.at ?? -Infinity) + this.minIntervalMs;
      if (readyAt > now) {
        soonest = Math.min(soonest, readyAt);
        continue;
      }
      this.due.delete(id);
      this.sending.add(id);
      // A wake-up for events past the cursor moves the cursor once acted on; the start-up look need not.
      this.woken.set(id, { cursor: due.forEvents ? due.endpoint.cursor : Number.NaN, at: now });
      this.workflows
        .wake(due.endpoint)
        .catch((error: unknown) => {
          this.report(
            `waking the delivery workflow of endpoint ${id} failed (next try in ${this.retryAfterMs} ms): ${(error as Error).message}`,
          );
          if (!this.due.has(id)) this.due.set(id, due);
          // Not a wake-up: the next try comes after retryAfterMs.
          this.woken.set(id, { cursor: Number.NaN, at: Date.now() + this.retryAfterMs - this.minIntervalMs });
        })
        .finally(() => {
          this.sending.delete(id);
          this.flush();
        });
    }
    if (soonest < Infinity) {
      this.timer = setTimeout(() => this.flush(), soonest - now);
      this.timer.unref();
    }
  }
}
