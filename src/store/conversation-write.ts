// The contract between a conversation's workflow and the store: the one write that follows each
// transition, and the matches routing makes on it. The workflow, its activities and routing read it.
import type { OfferTerms, TransitionRecord } from '../domain/operations';
import type { ConversationDetails } from '../domain/snapshot';
import type { Presence } from '../domain/presence';
import type { ConversationView, QueueEntry } from './types';

/** The read-model row a transition writes: all of it but what routing sets in the same transaction. */
export type ConversationWrite = Omit<ConversationView, 'waitingReason'>;

/** The parts of the workflow's snapshot the row has no column for (the transition log aside). */
export type DetailsWrite = Pick<
  ConversationDetails,
  | 'customer'
  | 'capacityHeld'
  | 'customerConnected'
  | 'enteredAt'
  | 'lastExchangeAt'
  | 'messageCount'
  | 'closedReason'
  | 'offer'
  | 'excludedAgents'
  | 'pastOffers'
  | 'declines'
  | 'requirements'
  | 'routing'
  | 'refusedSignals'
> & {
  /** Transitions recorded in the conversation's life (the log's length plus those it dropped); the write's `transition` is number this. */
  transitionCount: number;
};

/** One store write following a lifecycle transition, applied in one transaction. */
export interface ApplyConversationInput {
  /** The row to write (why it waits is routing's to set). */
  view: ConversationWrite;
  /** The rest of the snapshot, so the store answers reads in full (absent: writers that have none, the row alone). */
  details?: DetailsWrite | null;
  /** Drop the conversation's reservation (idempotent). */
  release: boolean;
  /** Put the conversation in `view.queueId` (idempotent: an existing entry is kept). */
  enqueue: QueueEntry | null;
  /** Take the conversation out of any queue (idempotent). */
  dequeue: boolean;
  /** The transition this write follows (its event says what caused it); none for a write that changes no state. */
  transition?: TransitionRecord | null;
  /** The chat message this write counts (its event carries the stored text). */
  messageId?: string | null;
  /**
   * What the store must grant before anything is written: the conversation's
   * own queue entry for this agent (claim: Open -> Active), or capacity on the
   * agent (reserve: reopen, direct transfer), or the reservation routing made
   * for this agent, still there (hold: an offer). A refusal is a StoreError with
   * its code, and nothing changes. Units are the view's.
   */
  acquire?: { kind: 'claim' | 'reserve' | 'hold'; agentId: string; force?: boolean; requireMembership?: boolean } | null;
  /**
   * Route on this write (the workflow always does): match the conversation it
   * queues to an agent right away (invariant 4 permitting), and give room it
   * frees to the most deserving waiting conversations of that agent's queues.
   * Without it (store-level callers), the outcome names queues to poke instead.
   */
  route?: boolean;
  /** An agent never to be pushed this conversation again (declined, missed, or transferred it away). */
  exclude?: string | null;
  /** An agent who let an offer expire: set to this presence, in the same transaction, before its room is refilled. */
  missed?: { agentId: string; presence: Presence } | null;
}

/** A match made by dispatch: capacity is already reserved and the entry dequeued. */
export interface Assignment {
  conversationId: string;
  agentId: string;
  queueId: string;
  units: number;
  /** In an offer-mode queue the match is an offer on these terms; null: the agent has it at once. */
  offer: OfferTerms | null;
}

/** What an applyConversation write did for routing. */
export interface ApplyOutcome {
  /** Routing on the write: the agent the conversation that entered its queue was matched to (capacity reserved). */
  matched: Assignment | null;
  /** Routing on the write: conversations the room this write freed was given to (capacity reserved), to tell each. */
  deliver: Assignment[];
  /** Routing on the write: why the conversation that entered its queue waits (null: matched, or not routed). */
  waiting: string | null;
  /** Queues whose dispatchers should look now (a plain write: the queue entered and the freed agents' queues). */
  watch: string[];
}

/**
 * The write that follows a match made on entering a queue, in the same
 * transaction (the assignment it commits); null: none (an offer, which the
 * conversation takes up itself).
 */
export type AfterMatch = (match: Assignment) => ApplyConversationInput | null;

/** What entering a queue with the assignment folded in did. */
export interface EnterOutcome extends ApplyOutcome {
  /** Whether the assignment the match made was written in the same transaction. */
  assigned: boolean;
}
