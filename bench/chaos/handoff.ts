/**
 * The offer hand-off: for each offer, from the store's reservation of the
 * agent's room to
 * - the moment its workflow **knows** it: the first event of its history that
 *   carries the match (the `offer` signal naming the agent, or the result of its
 *   own store write that made the match), durable from then on whether or not a
 *   worker runs (invariant 11's target: within 2 s, even across crashes);
 * - the moment the workflow **applied** it: the `conversation.offer` event with
 *   status `offered`, written in the same transaction as the read-model row the
 *   agent sees. This one needs a worker, so it includes the time the only
 *   worker of the run was down (printed, not held to the target).
 * The reservation time is the offer event's own `reservedAt` (the store's
 * transaction clock), or, for events without it, the latest the monitor sampled.
 */
import type { EventData, StoredEvent } from '../../src/domain/events';
import { EventType } from '../../src/domain/events';
import type { EventLog } from '../../src/store/events/event-log';
import { temporal } from '@temporalio/proto';
import { percentile } from '../stats';

type History = temporal.api.history.v1.IHistory;

/** One offer's hand-off. */
export interface Handoff {
  conversationId: string;
  agentId: string;
  reservedAt: string;
  appliedAt: string;
  /** Reservation to offer shown (needs a worker). */
  delayMs: number;
  /** When its history first carried the match (null: no history read, or not found). */
  knownAt: string | null;
  /** Reservation to the match in the workflow's history. */
  knownMs: number | null;
}

/** What the hand-off analysis found. */
export interface HandoffReport {
  offers: number;
  /** Offers whose reservation time is known (and so whose delays are). */
  measured: Handoff[];
  /** Offers applied whose reservation time is unknown (no `reservedAt`, and never sampled). */
  unobserved: number;
  /** Reservation to applied: p50, p99, worst. */
  p50Ms: number;
  p99Ms: number;
  worst: Handoff | null;
  /** Reservation to known: p50, p99, worst, over the offers whose history was read. */
  known: { measured: number; p50Ms: number; p99Ms: number; worst: Handoff | null; overTarget: Handoff[] };
  /** Offers applied later than the target (informational: includes worker downtime). */
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

const Event = temporal.api.enums.v1.EventType;

function json(payload: temporal.api.common.v1.IPayload | null | undefined): unknown {
  if (!payload?.data) return null;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return null;
  }
}

function millis(time: temporal.api.history.v1.IHistoryEvent['eventTime']): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.floor(Number(time?.nanos ?? 0) / 1e6);
}

/** When `history` first carries a match of the conversation to `agentId`, at or after `since` (ms). */
export function matchKnownAt(history: History, agentId: string, since: number): number | null {
  for (const e of history.events ?? []) {
    const at = millis(e.eventTime);
    if (at < since) continue;
    const type = Number(e.eventType);
    if (type === Event.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      const attrs = e.workflowExecutionSignaledEventAttributes;
      const input = json(attrs?.input?.payloads?.[0]) as { agentId?: string } | null;
      if ((attrs?.signalName === 'offer' || attrs?.signalName === 'assign') && input?.agentId === agentId) return at;
    }
    if (type === Event.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const result = json(e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]) as { matched?: { agentId?: string } } | null;
      if (result?.matched?.agentId === agentId) return at;
    }
  }
  return null;
}

/**
 * Matches every `offered` event with the reservation behind it (its own
 * `reservedAt`, else the latest sampled at or before it) and, given the
 * conversations' histories, with the moment the workflow knew it.
 */
export function offerHandoffs(
  events: readonly StoredEvent[],
  reservedAt: ReadonlyMap<string, ReadonlySet<string>>,
  histories: ReadonlyMap<string, History> = new Map(),
): HandoffReport {
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
    const sampled = [...(reservedAt.get(key) ?? [])].map(Date.parse).filter((t) => t <= appliedAt);
    const reserved = data.reservedAt ? Date.parse(data.reservedAt) : sampled.length ? Math.max(...sampled) : null;
    if (reserved === null) {
      unobserved += 1;
      continue;
    }
    const history = histories.get(`conversation-${e.conversationId}`);
    const known = history ? matchKnownAt(history, data.agentId, reserved) : null;
    measured.push({
      conversationId: e.conversationId,
      agentId: data.agentId,
      reservedAt: new Date(reserved).toISOString(),
      appliedAt: e.at,
      delayMs: appliedAt - reserved,
      knownAt: known === null ? null : new Date(known).toISOString(),
      knownMs: known === null ? null : Math.max(0, known - reserved),
    });
  }
  const worstBy = (list: Handoff[], key: (h: Handoff) => number) =>
    list.reduce<Handoff | null>((w, h) => (w === null || key(h) > key(w) ? h : w), null);
  const delays = measured.map((h) => h.delayMs);
  const withKnown = measured.filter((h) => h.knownMs !== null);
  const knownMs = (h: Handoff) => h.knownMs ?? 0;
  return {
    offers: applied.size,
    measured,
    unobserved,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    worst: worstBy(measured, (h) => h.delayMs),
    known: {
      measured: withKnown.length,
      p50Ms: percentile(withKnown.map(knownMs), 50),
      p99Ms: percentile(withKnown.map(knownMs), 99),
      worst: worstBy(withKnown, knownMs),
      overTarget: withKnown.filter((h) => knownMs(h) > HANDOFF_TARGET_MS).sort((a, b) => knownMs(b) - knownMs(a)),
    },
    overTarget: measured.filter((h) => h.delayMs > HANDOFF_TARGET_MS).sort((a, b) => b.delayMs - a.delayMs),
  };
}
