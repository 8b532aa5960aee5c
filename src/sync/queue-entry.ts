// A new conversation's entry into its queue in one store write: the write, and the assignment a
// match on entry commits, decided the same way by the workflow and by the enterQueue activity.
import type { LifecycleConfig } from '../domain/lifecycle-config';
import type { Command, RefusedSignalRecord } from '../domain/operations';
import { ActorKind, Operation } from '../domain/operations';
import type { ConversationSnapshot } from '../domain/snapshot';
import type { Decision, Effects } from '../domain/transition';
import { decide } from '../domain/transition';
import type { ApplyConversationInput, Assignment } from '../store/conversation-write';
import { toApplyInput } from './store-write';

/** What one transition's store write answers: the agent the conversation was matched to on entering a queue, or why it waits. */
export interface WriteAnswer {
  matched: Assignment | null;
  waiting: string | null;
}

/** What a new conversation sends to enter its queue in one write (the enterQueue activity). */
export interface EnterQueueInput {
  /** The new conversation's snapshot. */
  snapshot: ConversationSnapshot;
  /** The signals refused so far. */
  refusedSignals: RefusedSignalRecord[];
  /** The lifecycle rules it runs under; null: the worker's (answered back). */
  config: LifecycleConfig | null;
  /** The time an assignment on entry is decided at: the workflow's, when it entered. */
  at: string;
}

/** What entering in one write answers. */
export interface EnterQueueAnswer extends WriteAnswer {
  /** Whether the assignment the match made (`assignmentOnEntry` at the input's `at`) was written in the same transaction (not for an offer). */
  assigned: boolean;
  /** The rules the conversation runs under (the input's, or the worker's). */
  config: LifecycleConfig;
}

/** The effects of entering the queue. */
const ENTERED: Effects = { release: false, dequeue: false, enqueue: true, exclude: null, missed: null };

/** The store write of a new conversation entering its queue. */
export function entryWrite(
  s: ConversationSnapshot,
  config: LifecycleConfig,
  refusedSignals: RefusedSignalRecord[],
): ApplyConversationInput {
  const input = toApplyInput(s, ENTERED, {
    config,
    preferredAgentId: null,
    record: s.transitions[0] ?? null,
    messageId: null,
    refusedSignals,
  });
  return { ...input, acquire: null, route: true };
}

/**
 * The assignment that a match made on entering the queue commits at `at`:
 * the same decision in the store's transaction (enterQueue) and in the
 * workflow, which commits it from the answer without a write. Null for an
 * offer (the conversation takes it up itself) or a decision that refuses.
 */
export function assignmentOnEntry(
  entered: ConversationSnapshot,
  match: Assignment,
  at: Date,
  config: LifecycleConfig,
): Extract<Decision, { ok: true }> | null {
  if (match.offer) return null;
  // Matched on entry: it does not wait (noteWaiting with the store's answer, null).
  const s = { ...entered, routing: { ...entered.routing, waiting: null } };
  const decision = decide(s, routed(match), at, config);
  return decision.ok ? decision : null;
}

/** The store write of `assignmentOnEntry`'s decision. */
export function assignmentWrite(
  decision: Extract<Decision, { ok: true }>,
  config: LifecycleConfig,
  refusedSignals: RefusedSignalRecord[],
): ApplyConversationInput {
  const input = toApplyInput(decision.snapshot, decision.effects, {
    config,
    preferredAgentId: null,
    record: decision.record,
    messageId: null,
    refusedSignals,
  });
  return { ...input, acquire: decision.acquire && { ...decision.acquire, requireMembership: false }, route: true };
}

/** What the engine does with a match the store has just made (capacity already reserved): assign, or offer on the queue's terms. */
export function routed(match: Assignment): Command {
  const actor = { kind: ActorKind.Engine };
  return match.offer
    ? { op: Operation.Offer, agentId: match.agentId, ...match.offer, actor }
    : { op: Operation.Assign, agentId: match.agentId, actor };
}
