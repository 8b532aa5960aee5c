import type { CapacityLedger } from '../store/capacity/capacity-ledger';
import { deliverMatches } from './changes';
import type { Router } from './router';

/** One dispatch round's ask: which queue, how many matches at most, and the dispatcher's clock. */
export interface DispatchRoundInput {
  queueId: string;
  limit: number;
  /** The dispatcher's (workflow) time, the clock queue entries are stamped with. */
  now: string;
}

/** What a dispatch round did, and when the dispatcher must look again by itself. */
export interface DispatchRoundResult {
  assigned: number;
  redelivered: number;
  more: boolean;
  overflowed: number;
  nextOverflowAt: string | null;
  /** When the queue next opens or closes by its business hours (the dispatcher's timer). */
  nextHoursChangeAt: string | null;
}

/**
 * One round of a queue's dispatcher, the safety net off the hot path: applies the queue's business
 * hours, re-delivers matches older than `redeliverAfterMs` that a crash left undelivered, matches
 * queue heads to agents (atomically reserving in the store) and tells each conversation, wakes the
 * queues sharing its members, and moves on whatever waited past the overflow limit. A match whose
 * conversation has ended meanwhile is released and its queue poked again, so no capacity is lost.
 */
export async function dispatchRound(
  store: CapacityLedger,
  router: Router,
  input: DispatchRoundInput,
  redeliverAfterMs: number,
): Promise<DispatchRoundResult> {
  // Business hours first: a queue that has just opened is dispatched in this round, one just closed is not.
  const hours = await store.applyQueueHours(input.queueId, input.now);
  const stale = await store.listUndeliveredAssignments(input.queueId, new Date(Date.now() - redeliverAfterMs));
  const fresh = await store.dispatch(input.queueId, input.limit);
  await deliverMatches(router, store, [...stale, ...fresh]);
  // The service order spans an agent's queues: members of this queue may have passed over work in
  // their other queues for work here. Once that work is served, or this queue has just closed, it no
  // longer takes precedence: wake those queues' dispatchers now rather than at their next sweep.
  if (fresh.length > 0 || (hours.changed && !hours.open)) {
    const others = await store.queuesWithWorkSharingMembers(input.queueId);
    if (others.length) await router.poke(others);
  }
  // Rows locked by a concurrent claim are skipped, not waited for: say whether work that fits is still there.
  const more = fresh.length >= input.limit || (await store.hasDispatchableWork(input.queueId));
  // Whatever still waits past the queue's overflow limit moves on (after this round had its chance to place it).
  const overflow = await store.overflowDue(input.queueId, new Date(input.now), input.limit);
  const target = overflow.toQueueId;
  if (target) await Promise.all(overflow.due.map((e) => router.reroute(e.conversationId, target, overflow.reason, input.queueId)));
  return {
    assigned: fresh.length,
    redelivered: stale.length,
    more,
    overflowed: overflow.due.length,
    nextOverflowAt: overflow.nextAt,
    nextHoursChangeAt: hours.nextChangeAt,
  };
}
