import * as capacity from './capacity-programs';
import type { HoursState } from '../../domain/business-hours';
import * as hours from '../../routing/engine/hours-programs';
import * as matching from '../../routing/engine/matching-programs';
import type { Operations } from '../program';
import { read, steps, write } from '../program';
import type { OverflowDue, Reservation, ReserveInput, ReserveOutcome } from '../types';
import type { AfterMatch, ApplyConversationInput, ApplyOutcome, Assignment, EnterOutcome } from '../conversation-write';

/**
 * The capacity ledger: queue entries and the reservations that fill agents'
 * capacity. Every write is idempotent, so an activity retried after a crash
 * neither reserves twice nor loses a release.
 */
export interface CapacityLedger {
  /**
   * Open -> Active in one transaction: the conversation must still be queued (or
   * already reserved for this same agent, which makes a retry succeed), the agent
   * must exist and have room unless forced; then the entry is dequeued and the
   * capacity reserved. Exactly one of two racing claims wins.
   */
  claim(input: ReserveInput): Promise<ReserveOutcome>;
  /** Reserves capacity without a queue entry (reopen, direct transfer); idempotent for the same agent. */
  reserve(input: ReserveInput): Promise<ReserveOutcome>;
  /** Applies a transition atomically: what the store grants, the read-model row, effects and routing (see the input). */
  applyConversation(input: ApplyConversationInput): Promise<ApplyOutcome>;
  /**
   * `applyConversation(input)` and, when routing matched the conversation on
   * it, the write `then` answers for the match, in the same transaction: a new
   * conversation enters its queue and is Active in one commit.
   */
  applyConversationThen(input: ApplyConversationInput, then: AfterMatch): Promise<EnterOutcome>;
  /**
   * Drops a conversation's reservation outside a lifecycle write (a dispatch
   * match whose conversation ended meanwhile). Idempotent; with `agentId`, only
   * that agent's reservation is dropped. Returns what was released, if anything.
   */
  releaseReservation(conversationId: string, agentId?: string): Promise<Reservation | null>;
  /** All reservations (for invariant checks and supervisors), of one agent or all. */
  listReservations(agentId?: string): Promise<Reservation[]>;

  /**
   * Gives an agent's free room to the most deserving conversations waiting in
   * its eligible queues (after a presence or membership change made room
   * usable); answers the matches made, each with capacity reserved, to deliver.
   */
  fillAgent(agentId: string): Promise<Assignment[]>;
  /** Matches queue heads to eligible agents and reserves, each match atomic; at most `limit` matches. */
  dispatch(queueId: string, limit: number): Promise<Assignment[]>;
  /** Whether some entry of the queue fits an eligible member's free room now (a lock-free read). */
  hasDispatchableWork(queueId: string): Promise<boolean>;
  /**
   * Other queues sharing a member with `queueId` that have work fitting an eligible member now:
   * whom to wake when work this queue's members deferred to is served or the queue closes.
   */
  queuesWithWorkSharingMembers(queueId: string): Promise<string[]>;
  /** Routing's matches their conversation has not taken up: reserved at or before `reservedBefore`, in `queueId` (null: every queue). */
  listUndeliveredAssignments(queueId: string | null, reservedBefore: Date, limit?: number): Promise<Assignment[]>;
  /**
   * Entries to move on at `now`: every entry while the queue is closed and has
   * an open out-of-hours queue, else those that waited past its overflow
   * limit; and when the next one will be due.
   */
  overflowDue(queueId: string, now: Date, limit: number): Promise<OverflowDue>;
  /**
   * Opens or closes the queue as its business hours say at `now` (entries stop
   * or resume being pushed, a `queue.hours` event, why its conversations wait);
   * answers whether it is open and when that next changes.
   */
  applyQueueHours(queueId: string, now: string): Promise<HoursState & { changed: boolean }>;
}

/** The CapacityLedger operations. */
export const capacityLedgerOperations: Operations<CapacityLedger> = {
  claim: write(capacity.claim),
  reserve: write(capacity.reserve),
  applyConversation: write(capacity.applyConversation),
  applyConversationThen: write(capacity.applyConversationThen),
  releaseReservation: write(capacity.releaseReservation),
  listReservations: read(capacity.listReservations),
  fillAgent: write(matching.fillAgent),
  dispatch: steps((queueId: string, limit: number) => new matching.DispatchRun(queueId, limit)),
  hasDispatchableWork: read(matching.hasDispatchableWork),
  queuesWithWorkSharingMembers: read(matching.queuesWithWorkSharingMembers),
  listUndeliveredAssignments: read(matching.listUndeliveredAssignments),
  overflowDue: read(matching.overflowDue),
  applyQueueHours: write((tx, queueId: string, now: string) => hours.applyQueueHours(tx, queueId, now)),
};
