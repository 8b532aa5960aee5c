import type { CapacityLedger } from '../store/capacity/capacity-ledger';
import { deliverMatches } from './changes';
import type { Router } from './router';

/** How often a process looks for matches their conversation has not taken up. */
export const REDELIVERY_EVERY_MS = 500;
/** How old an untaken match must be before it is sent again (a signal in flight normally lands well within this). */
export const REDELIVERY_AFTER_MS = 1_000;

/** What a redelivery loop needs besides the store and the router. */
export interface RedeliveryOptions {
  everyMs?: number;
  afterMs?: number;
  /** Where a look that failed (store or Temporal unreachable) is reported; the next look tries again. */
  log?: (message: string) => void;
}

/**
 * Sends again every match routing committed whose conversation has not taken
 * it up within a second: the signal that should have carried it was lost with
 * a process killed between the commit and the send, or Temporal was
 * unreachable. Every worker and API process runs one, so a match reaches its
 * workflow within about REDELIVERY_AFTER_MS + REDELIVERY_EVERY_MS of its commit
 * while any of them lives (a workflow ignores a match it already holds); one
 * whose conversation no longer runs is released. The per-queue dispatchers'
 * sweep remains the safety net behind it.
 */
export class Redelivery {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly everyMs: number;
  private readonly afterMs: number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly store: CapacityLedger,
    private readonly router: Router,
    options: RedeliveryOptions = {},
  ) {
    this.everyMs = options.everyMs ?? REDELIVERY_EVERY_MS;
    this.afterMs = options.afterMs ?? REDELIVERY_AFTER_MS;
    this.log = options.log ?? ((message) => console.warn(message));
  }

  /** One look: delivers what is overdue; answers how many matches it sent. */
  async sweep(): Promise<number> {
    const overdue = await this.store.listUndeliveredAssignments(null, new Date(Date.now() - this.afterMs));
    if (overdue.length) await deliverMatches(this.router, this.store, overdue);
    return overdue.length;
  }

  /** Looks every `everyMs` until stopped; a look never overlaps the previous one. */
  start(): this {
    const tick = (): void => {
      this.running = this.sweep().then(
        () => undefined,
        (error: unknown) => this.log(`Could not re-deliver untaken matches (${(error as Error).message}); trying again.`),
      );
      void this.running.then(() => {
        if (this.timer) this.timer = setTimeout(tick, this.everyMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.everyMs).unref();
    return this;
  }

  /** Stops looking; resolves once a look in progress has finished. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
