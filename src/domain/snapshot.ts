import type { OfferTerms, RefusedSignalRecord, TransitionRecord } from './operations';
import { ActorKind } from './operations';
import type { Channel, ConversationState } from './states';
import { DEFAULT_PRIORITY, DEFAULT_UNITS } from './defaults';
import { MAX_COUNT } from './limits';
import { ID_RULE, isId } from './ids';
import { isObject } from './json';
import type { Relaxation, SkillRequirement } from './skills';
import { requirementsError } from './skills';
import { ALL_CHANNELS, ConversationState as S } from './states';

/** The customer who started the conversation. */
export interface CustomerInfo {
  id: string;
  name?: string;
}

/** What starting a conversation needs. */
export interface StartConversationInput {
  conversationId: string;
  queueId: string;
  channel: Channel;
  customer: CustomerInfo;
  /** Lower is served first (default DEFAULT_PRIORITY). */
  priority?: number;
  /** Capacity units the conversation fills on its agent. */
  units?: number;
  /** Skills the agent must have (from the start request or the intake rule that routed it). */
  requirements?: SkillRequirement[];
  /** Why it entered this queue (the intake rule, the request, the default). */
  routedBy?: RoutedBy;
}

/** Why a conversation entered its first queue: the intake rule that matched (its id), or why none did. */
export interface RoutedBy {
  rule: string | null;
  reason: string;
}

/** What a supervisor reads of how a conversation was routed (Dynamics 365's routing diagnostics). */
export interface RoutingTrace {
  routedBy: RoutedBy;
  /** Requirements dropped after waiting their time. */
  relaxed: Relaxation[];
  /** Agents the engine pushed it to (assigned or offered), in order. */
  pushedTo: string[];
  /** Why it waits, as the store said when it last entered a queue (null: it did not wait). */
  waiting: string | null;
}

/** How many transitions and refused signals a snapshot keeps (oldest dropped). */
export const LOG_LIMIT = 200;

/** The full, JSON-serialisable state of one conversation. */
export interface ConversationSnapshot {
  conversationId: string;
  state: ConversationState;
  queueId: string;
  channel: Channel;
  priority: number;
  units: number;
  customer: CustomerInfo;
  /** The agent who has (or last had) the conversation; null while it was never assigned. */
  agentId: string | null;
  /** The agent who had it before it went back to a queue (revive prefers them). */
  lastAgentId: string | null;
  /** Whether the agent's capacity is reserved for this conversation right now. */
  capacityHeld: boolean;
  customerConnected: boolean;
  createdAt: string;
  stateEnteredAt: string;
  /** When each state was last entered. */
  enteredAt: Partial<Record<ConversationState, string>>;
  staleFlaggedAt: string | null;
  /** Last message between agent and customer (either way). */
  lastExchangeAt: string | null;
  unreadCount: number;
  messageCount: number;
  closedReason: string | null;
  /** The offer standing while Open in an offer-mode queue: its agent's capacity is reserved until it is answered. */
  offer: PendingOffer | null;
  /** Agents never pushed this conversation again: they declined or missed an offer of it, or handed it back to a queue. */
  excludedAgents: string[];
  /** How the latest offers ended, oldest first (bounded): an answer that comes too late is told which way it lost. */
  pastOffers: PastOffer[];
  /** Offers of it declined or missed so far (the queue's limit stops pushing). */
  declines: number;
  /** The skill requirements still in force (relaxed ones are dropped). */
  requirements: SkillRequirement[];
  /** How it was routed: why this queue, which skills were relaxed, whom it was pushed to, why it waits. */
  routing: RoutingTrace;
  /** Declines and misses reached the queue's limit: no longer pushed, waiting for a pick or the supervisor. */
  offersStopped: boolean;
  /** Increments on every change; orders read-model writes. */
  version: number;
  transitions: TransitionRecord[];
  /** Transitions dropped from the front of `transitions` to bound its size. */
  transitionsDropped: number;
}

/** An offer waiting for its agent's answer. */
export interface PendingOffer extends OfferTerms {
  agentId: string;
  offeredAt: string;
  expiresAt: string;
}

/** How an offer ended. */
export type OfferOutcome = 'accepted' | 'declined' | 'expired' | 'withdrawn';

/** An offer that no longer stands. */
export interface PastOffer {
  agentId: string;
  expiresAt: string;
  outcome: OfferOutcome;
}

/** How many ended offers a snapshot keeps. */
export const PAST_OFFERS_LIMIT = 20;

/** What the `snapshot` query answers: the snapshot, and the signals refused so far (kept beside it). */
export interface ConversationDetails extends ConversationSnapshot {
  refusedSignals: RefusedSignalRecord[];
}

/** The snapshot of a conversation that has just entered its queue. */
export function newConversation(input: StartConversationInput, now: Date): ConversationSnapshot {
  const at = now.toISOString();
  return {
    conversationId: input.conversationId,
    state: S.Open,
    queueId: input.queueId,
    channel: input.channel,
    priority: input.priority ?? DEFAULT_PRIORITY,
    units: input.units ?? DEFAULT_UNITS,
    customer: input.customer,
    agentId: null,
    lastAgentId: null,
    capacityHeld: false,
    customerConnected: true,
    createdAt: at,
    stateEnteredAt: at,
    enteredAt: { Open: at },
    staleFlaggedAt: null,
    lastExchangeAt: null,
    unreadCount: 0,
    messageCount: 0,
    closedReason: null,
    offer: null,
    excludedAgents: [],
    pastOffers: [],
    declines: 0,
    requirements: input.requirements ?? [],
    routing: { routedBy: input.routedBy ?? { rule: null, reason: 'no intake rule' }, relaxed: [], pushedTo: [], waiting: null },
    offersStopped: false,
    version: 1,
    transitions: [
      { from: null, to: S.Open, op: 'start', actor: { kind: ActorKind.Customer, id: input.customer.id }, at, queueId: input.queueId },
    ],
    transitionsDropped: 0,
  };
}

/** Fields added after the first release, with the values a snapshot carried over from an older run takes. */
const ADDED_LATER = {
  offer: null,
  excludedAgents: [],
  pastOffers: [],
  declines: 0,
  offersStopped: false,
  requirements: [],
  routing: { routedBy: { rule: null, reason: 'routed before routing traces' }, relaxed: [], pushedTo: [], waiting: null },
} satisfies Partial<ConversationSnapshot>;

/** A snapshot carried over continue-as-new from a run of an older version, with every field of this version. */
export function upgradeSnapshot(
  carried: Omit<ConversationSnapshot, keyof typeof ADDED_LATER> & Partial<ConversationSnapshot>,
): ConversationSnapshot {
  return { ...ADDED_LATER, ...carried };
}

/** Appends to a bounded log, returning the new log and how many entries fell off. */
export function appendBounded<T>(log: readonly T[], entry: T, limit = LOG_LIMIT): { log: T[]; dropped: number } {
  const next = [...log, entry];
  const dropped = Math.max(0, next.length - limit);
  return { log: dropped ? next.slice(dropped) : next, dropped };
}

/**
 * Validates the untrusted start input (from the API, the CLI or the Temporal UI);
 * returns an error message or null.
 */
export function startInputError(input: unknown): string | null {
  if (!isObject(input)) return 'start: expected an object';
  const i = input;
  if (!isId(i.conversationId)) return `start.conversationId: expected an id (${ID_RULE})`;
  if (!isId(i.queueId)) return `start.queueId: expected a queue id (${ID_RULE})`;
  if (!ALL_CHANNELS.some((c) => c === i.channel)) return `start.channel: expected one of ${ALL_CHANNELS.join(', ')}`;
  const c = i.customer;
  if (!isObject(c) || !isId(c.id)) return `start.customer.id: expected an id (${ID_RULE})`;
  if (c.name !== undefined && typeof c.name !== 'string') return 'start.customer.name: expected a string';
  for (const field of ['priority', 'units'] as const) {
    const v = i[field];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_COUNT)) {
      return `start.${field}: expected a whole number from 0 to ${MAX_COUNT}`;
    }
  }
  if (i.units === 0) return 'start.units: must be at least 1';
  if (i.requirements !== undefined) {
    const problem = requirementsError(i.requirements, 'start.requirements');
    if (problem) return problem;
  }
  return null;
}
