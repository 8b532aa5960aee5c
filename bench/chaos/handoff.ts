/**
 * The offer hand-off delay: for each offer, from the store's reservation of
 * the agent's room (`reservations.reserved_at`, as the monitor saw it) to the
 * moment the conversation's workflow applied the offer (the
 * `conversation.offer` event with status `offered` in the events outbox,
 * written in the same transaction as the read-model row the agent sees).
 */
import type { EventData, StoredEvent } from '../../src/domain/events';
import { EventType } from '../../src/domain/events';
import type { EventLog } from '../../src/store/event-log';
import { percentile } from '../stats';

/** One offer's hand-off. */
export interface Handoff {
  conversationId: string;
  agentId: string;
  reservedAt: string;
  appliedAt: string;
  delayMs: number;
}

/** What the hand-off analysis found. */
export interface HandoffReport {
  offers: number;
  /** Offers whose reservation the monitor saw (and so whose delay is known). */
  measured: Handoff[];
  /** Offers applied whose reservation was never seen (answered faster than the sampling, or released before it). */
  unobserved: number;
  p50Ms: number;
  p99Ms: number;
  worst: Handoff | null;
  /** Offers that took longer than the target. */
  overTarget: Handoff[];
}

/** The target: an offer an agent is shown is known to its workflow within 2 s (invariant 11). */
export const HANDOFF_TARGET_MS = 2_000;

/** Every event of the log, oldest first, read in pages. */
export async function allEvents(log: EventLog): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for (let after = 0; ;) {
    const page = await log.listEvents(after, 10_000);
    out.push(...page);
    const last = page[page.length - 1];
    if (!last || page.length < 10_000) return out;
    after = last.id;
  }
}

/** Matches every `offered` event with the reservation behind it (the latest seen at or before it). */
export function offerHandoffs(events: readonly StoredEvent[], reservedAt: ReadonlyMap<string, ReadonlySet<string>>): HandoffReport {
  const measured: Handoff[] = [];
  const applied = new Set<string>();
  let unobserved = 0;
  for (const e of events) {
    if (e.type !== EventType.ConversationOffer || !e.conversationId) continue;
    const data = e.data as EventData['conversation.offer'];
    if (data.status !== 'offered' || !data.agentId) continue;
    const key = `${e.conversationId} ${data.agentId}`;
    // The same offer shown again (its deadline changed) is not a new hand-off.
    if (applied.has(key)) continue;
    applied.add(key);
    const appliedAt = Date.parse(e.at);
    const candidates = [...(reservedAt.get(key) ?? [])].map(Date.parse).filter((t) => t <= appliedAt);
    if (candidates.length === 0) {
      unobserved += 1;
      continue;
    }
    const reserved = Math.max(...candidates);
    measured.push({
      conversationId: e.conversationId,
      agentId: data.agentId,
      reservedAt: new Date(reserved).toISOString(),
      appliedAt: e.at,
      delayMs: appliedAt - reserved,
    });
  }
  const delays = measured.map((h) => h.delayMs);
  const worst = measured.reduce<Handoff | null>((w, h) => (w === null || h.delayMs > w.delayMs ? h : w), null);
  return {
    offers: applied.size,
    measured,
    unobserved,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    worst,
    overTarget: measured.filter((h) => h.delayMs > HANDOFF_TARGET_MS).sort((a, b) => b.delayMs - a.delayMs),
  };
}
