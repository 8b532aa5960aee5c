import type { Registry } from 'prom-client';
import { Counter, Histogram } from 'prom-client';
import type { TransitionRecord } from '../domain/operations';
import { ActorKind, Operation } from '../domain/operations';
import { ConversationState as S } from '../domain/states';
import type { ApplyConversationInput, ApplyOutcome, Assignment, ConversationWrite } from '../store/conversation-write';

/** How a conversation got its agent: the `how` label of convoflow_assignments_total. */
export const AssignedHow = {
  /** The engine pushed it (auto-accept queue): where the match came from is convoflow_routing_matches_total's `source`. */
  Engine: 'engine',
  /** The agent accepted an offer (offer-mode queue). */
  Offer: 'offer',
  /** An agent picked it from Open work. */
  Pick: 'pick',
  /** A supervisor (or an operator's signal) named the agent. */
  Supervisor: 'supervisor',
} as const;

/** One of the AssignedHow values. */
export type AssignedHow = (typeof AssignedHow)[keyof typeof AssignedHow];

/** Where the store matched waiting work to an agent: the `source` label of convoflow_routing_matches_total. */
export const MatchSource = {
  /** The conversation entered its queue and an agent had room. */
  Enqueue: 'enqueue',
  /** Room another conversation's write freed went to it. */
  Release: 'release',
  /** A queue dispatcher's round (after a poke, or the periodic sweep). */
  Dispatcher: 'dispatcher',
  /** An agent's change (presence, capacity, queues) made room usable. */
  Agent: 'agent',
} as const;

/** One of the MatchSource values. */
export type MatchSource = (typeof MatchSource)[keyof typeof MatchSource];

/** Seconds from Open to Active: tens of milliseconds when an agent is free, up to an hour in a backed-up queue. */
export const ASSIGNMENT_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

// Conversations back in a queue (a transfer to a queue, a revive) whose Open time
// this process saw, until they are assigned; a bound so a lost conversation cannot grow it.
const MAX_REQUEUED = 10_000;

const OFFER_OUTCOME: Partial<Record<string, string>> = {
  [Operation.Offer]: 'offered',
  [Operation.Accept]: 'accepted',
  [Operation.Decline]: 'declined',
  [Operation.OfferExpire]: 'expired',
};

function howAssigned(t: TransitionRecord): AssignedHow {
  if (t.op === Operation.Pick) return AssignedHow.Pick;
  if (t.op === Operation.Accept) return AssignedHow.Offer;
  return t.actor.kind === ActorKind.Engine ? AssignedHow.Engine : AssignedHow.Supervisor;
}

/**
 * What routing did, counted where the store writes run (the worker, and the
 * API for agent changes). Labels are bounded: queue ids, never conversation
 * or agent ids.
 */
export class RoutingMetrics {
  private readonly assignments: Counter<'queue' | 'how'>;
  private readonly latency: Histogram<'queue'>;
  private readonly matches: Counter<'queue' | 'source' | 'kind'>;
  private readonly offers: Counter<'queue' | 'outcome'>;
  private readonly requeuedAt = new Map<string, string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.assignments = new Counter({
      name: 'convoflow_assignments_total',
      help: 'Conversations that went from Open to Active with an agent, by queue and how (engine, offer, pick, supervisor).',
      labelNames: ['queue', 'how'],
      registers,
    });
    this.latency = new Histogram({
      name: 'convoflow_assignment_latency_seconds',
      help: 'Time a conversation waited Open before it became Active (since it entered the queue), by the queue it was assigned from.',
      labelNames: ['queue'],
      buckets: ASSIGNMENT_LATENCY_BUCKETS,
      registers,
    });
    this.matches = new Counter({
      name: 'convoflow_routing_matches_total',
      help: 'Matches the store made between waiting work and an agent with room (capacity reserved), by queue, source (enqueue, release, dispatcher, agent) and kind (assign, offer).',
      labelNames: ['queue', 'source', 'kind'],
      registers,
    });
    this.offers = new Counter({
      name: 'convoflow_offers_total',
      help: 'Offers in offer-mode queues, by queue and outcome (offered, accepted, declined, expired).',
      labelNames: ['queue', 'outcome'],
      registers,
    });
  }

  /** Counts matches the store made (capacity reserved, each to be delivered to its conversation). */
  observeMatches(source: MatchSource, matches: readonly Assignment[]): void {
    for (const m of matches) this.matches.inc({ queue: m.queueId, source, kind: m.offer ? 'offer' : 'assign' });
  }

  /**
   * Counts what one conversation's committed store write did: the matches it
   * made, the offer it recorded or answered, and an Open -> Active transition
   * (an assignment, with its latency).
   */
  observeWrite(input: ApplyConversationInput, outcome: ApplyOutcome): void {
    if (outcome.matched) this.observeMatches(MatchSource.Enqueue, [outcome.matched]);
    this.observeMatches(MatchSource.Release, outcome.deliver);
    const view = input.view;
    const t = input.transition;
    const offerOutcome = t ? OFFER_OUTCOME[t.op] : undefined;
    if (offerOutcome) this.offers.inc({ queue: view.queueId, outcome: offerOutcome });
    if (t?.from === S.Open && t.to === S.Active) {
      this.assignments.inc({ queue: view.queueId, how: howAssigned(t) });
      const opened = this.openedAt(view);
      const waited = opened === undefined ? NaN : (Date.parse(view.stateEnteredAt) - Date.parse(opened)) / 1000;
      if (Number.isFinite(waited)) this.latency.observe({ queue: view.queueId }, Math.max(0, waited));
    }
    this.rememberRequeue(view);
  }

  /**
   * When the conversation entered Open. One that never had an agent has been
   * Open since it was created; one back in a queue entered Open at its last
   * Open write, which this process saw unless another worker wrote it (then
   * the assignment is counted but not timed).
   */
  private openedAt(view: ConversationWrite): string | undefined {
    return view.lastAgentId === null ? view.createdAt : this.requeuedAt.get(view.conversationId);
  }

  private rememberRequeue(view: ConversationWrite): void {
    this.requeuedAt.delete(view.conversationId);
    if (view.state !== S.Open || view.lastAgentId === null) return;
    this.requeuedAt.set(view.conversationId, view.stateEnteredAt);
    if (this.requeuedAt.size > MAX_REQUEUED) {
      const oldest = this.requeuedAt.keys().next();
      if (!oldest.done) this.requeuedAt.delete(oldest.value);
    }
  }
}
