/**
 * Watches the store while the chaos runs (every few hundred milliseconds):
 * agents over capacity (invariant 1), offers the read model still shows past
 * their expiry (what an agent sees: `offer_expires_at` against now), and the
 * time of every reservation it sees (`reservations.reserved_at`), for the offer
 * hand-off delay. Reservations come and go, so they are sampled while they
 * stand; an offer declined or expired faster than the sampling period is
 * missed and counted as such.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ConversationState } from '../../src/domain/states';
import type { Store } from '../../src/store/store';

/** An offer the read model showed past its expiry. */
export interface OverdueOffer {
  conversationId: string;
  agentId: string;
  expiresAt: string;
  /** The longest it was seen standing past its expiry, in ms. */
  overdueMs: number;
}

/** Samples the store until stopped. */
export class StoreMonitor {
  /** reserved_at values seen per "conversation agent". */
  readonly reservedAt = new Map<string, Set<string>>();
  readonly overCapacity = new Map<string, string>();
  readonly overdue = new Map<string, OverdueOffer>();
  samples = 0;
  errors = 0;
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly everyMs = 250,
    /** Offers are read every this many samples (a wider read than reservations). */
    private readonly offersEvery = 4,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.sample();
      } catch {
        this.errors += 1;
      }
      await delay(this.everyMs);
    }
  }

  /** One reading (also callable on its own). */
  async sample(): Promise<void> {
    const n = this.samples++;
    const now = Date.now();
    for (const r of await this.store.listReservations()) {
      const key = `${r.conversationId} ${r.agentId}`;
      const seen = this.reservedAt.get(key) ?? new Set<string>();
      seen.add(r.reservedAt);
      this.reservedAt.set(key, seen);
    }
    if (n % this.offersEvery !== 0) return;
    for (const a of await this.store.listAgents()) {
      if (a.usedUnits > a.capacity)
        this.overCapacity.set(a.id, `${a.id} held ${a.usedUnits} of ${a.capacity} units at ${new Date(now).toISOString()}`);
    }
    for (const c of await this.store.listConversations({ state: ConversationState.Open, limit: 1_000 })) {
      if (!c.offerAgentId || !c.offerExpiresAt) continue;
      const overdueMs = now - Date.parse(c.offerExpiresAt);
      if (overdueMs <= 0) continue;
      const key = `${c.conversationId} ${c.offerAgentId} ${c.offerExpiresAt}`;
      const before = this.overdue.get(key)?.overdueMs ?? 0;
      if (overdueMs > before)
        this.overdue.set(key, { conversationId: c.conversationId, agentId: c.offerAgentId, expiresAt: c.offerExpiresAt, overdueMs });
    }
  }

  /** Offers seen standing more than `graceMs` past their expiry. */
  overdueBeyond(graceMs: number): OverdueOffer[] {
    return [...this.overdue.values()].filter((o) => o.overdueMs > graceMs).sort((a, b) => b.overdueMs - a.overdueMs);
  }
}
