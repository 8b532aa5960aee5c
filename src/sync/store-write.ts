// What a conversation writes to the store after each transition: pure functions of its snapshot,
// shared by the workflow (which decides) and its activities (which write what it decided).
import type { LifecycleConfig } from '../domain/lifecycle-config';
import { Operation } from '../domain/operations';
import type { RefusedSignalRecord, TransitionRecord } from '../domain/operations';
import type { ConversationSnapshot } from '../domain/snapshot';
import { ConversationState as S } from '../domain/states';
import { deadlines } from '../domain/timers';
import type { Effects } from '../domain/transition';
import type { ApplyConversationInput, ConversationWrite, DetailsWrite } from '../store/conversation-write';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The read-model row for a snapshot, with the deadlines people are shown. */
export function toView(s: ConversationSnapshot, config: LifecycleConfig): ConversationWrite {
  const waiting = s.state === S.Waiting ? deadlines(s, config).find((d) => d.op === Operation.WaitingTimeout) : undefined;
  const waitingSince = s.enteredAt.Waiting;
  return {
    conversationId: s.conversationId,
    state: s.state,
    agentId: s.agentId,
    lastAgentId: s.lastAgentId,
    queueId: s.queueId,
    channel: s.channel,
    priority: s.priority,
    units: s.units,
    customerId: s.customer.id,
    unreadCount: s.unreadCount,
    createdAt: s.createdAt,
    stateEnteredAt: s.stateEnteredAt,
    closedAt: s.state === S.Closed ? s.stateEnteredAt : null,
    staleFlaggedAt: s.staleFlaggedAt,
    waitingTimeoutAt: waiting ? iso(waiting.at) : null,
    reviveUntil:
      s.state === S.Waiting && s.customerConnected && waitingSince ? iso(Date.parse(waitingSince) + config.reviveWindowMs) : null,
    offerAgentId: s.offer?.agentId ?? null,
    offerExpiresAt: s.offer?.expiresAt ?? null,
    offersStopped: s.offersStopped,
    version: s.version,
  };
}

/** What the row has no column for, so the store answers reads exactly as the workflow's query would. */
export function toDetails(s: ConversationSnapshot, refusedSignals: RefusedSignalRecord[]): DetailsWrite {
  return {
    customer: s.customer,
    capacityHeld: s.capacityHeld,
    customerConnected: s.customerConnected,
    enteredAt: s.enteredAt,
    lastExchangeAt: s.lastExchangeAt,
    messageCount: s.messageCount,
    closedReason: s.closedReason,
    offer: s.offer,
    excludedAgents: s.excludedAgents,
    pastOffers: s.pastOffers,
    declines: s.declines,
    requirements: s.requirements,
    routing: s.routing,
    refusedSignals,
    transitionCount: s.transitions.length + s.transitionsDropped,
  };
}

/** What the store write after a committed transition needs beyond the snapshot. */
export interface ApplyContext {
  config: LifecycleConfig;
  /** The agent a revived conversation prefers. */
  preferredAgentId: string | null;
  /** The transition log line the change added, if any (its event says what caused it). */
  record: TransitionRecord | null;
  /** The chat message the change counts. */
  messageId: string | null;
  /** The signals refused so far (kept beside the snapshot, answered with it). */
  refusedSignals: RefusedSignalRecord[];
}

/** The store write that follows a committed transition. */
export function toApplyInput(s: ConversationSnapshot, effects: Effects, context: ApplyContext): ApplyConversationInput {
  return {
    view: toView(s, context.config),
    details: toDetails(s, context.refusedSignals),
    release: effects.release,
    dequeue: effects.dequeue,
    enqueue: effects.enqueue
      ? {
          conversationId: s.conversationId,
          queueId: s.queueId,
          priority: s.priority,
          units: s.units,
          enqueuedAt: s.stateEnteredAt,
          preferredAgentId: context.preferredAgentId,
          pushable: !s.offersStopped,
          requirements: s.requirements.map((r) => ({ skill: r.skill, minProficiency: r.minProficiency })),
        }
      : null,
    exclude: effects.exclude,
    missed: effects.missed,
    transition: context.record,
    messageId: context.messageId,
  };
}
