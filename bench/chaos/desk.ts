/**
 * What the chaos workload does to the system, over whichever transport the
 * harness uses: the HTTP API (`npm run chaos`, src/api) or the Temporal client
 * and the store directly (the kill-inside-a-task test). Each call answers what
 * a client can know about its effect.
 */
import type { Presence } from '../../src/domain/presence';
import type { ConversationState } from '../../src/domain/states';

/** What an answer says about whether the operation was applied. */
export type Outcome =
  /** Applied. */
  | { kind: 'ok' }
  /** Refused by the workflow or the API: nothing changed. */
  | { kind: 'refused'; code: string }
  /** No answer, or OUTCOME_UNKNOWN: it may have been applied; retry with the same key. */
  | { kind: 'unknown'; code: string }
  /** 503 TEMPORAL_UNAVAILABLE / STORE_UNAVAILABLE: the answer says nothing was applied. */
  | { kind: 'notApplied'; code: string };

/** The operations the workload sends, by their names in the transition log. */
export type Op = 'accept' | 'decline' | 'pick' | 'end' | 'closeTab' | 'transfer' | 'reopen' | 'customerEnd' | 'disconnect';

/** Operations only the customer sends; the others come from an agent. */
export const CUSTOMER_OPS: ReadonlySet<Op> = new Set<Op>(['customerEnd', 'disconnect']);

/** A conversation as an agent's desktop lists it (the store's read model). */
export interface DeskItem {
  conversationId: string;
  state: ConversationState;
  agentId: string | null;
  queueId: string;
  stateEnteredAt: string;
  offerAgentId: string | null;
  offerExpiresAt: string | null;
  offersStopped: boolean;
}

/** A skill requirement of a new conversation. */
export interface ChatRequirement {
  skill: string;
  minProficiency: number;
  relaxAfterMs: number | null;
}

/** A chat to start. */
export interface NewChat {
  queueId: string;
  requirements: ChatRequirement[];
}

/** The system as the workload sees it. */
export interface Desk {
  /** Starts a chat; `key` makes a retry find the first one. */
  start(key: string, chat: NewChat): Promise<{ outcome: Outcome; conversationId?: string }>;
  /** Sends `op` as `agentId` (or as the conversation's customer, for customer operations) with idempotency key `key`. */
  operate(conversationId: string, op: Op, agentId: string | null, key: string, toQueueId?: string): Promise<Outcome>;
  setPresence(agentId: string, presence: Presence): Promise<Outcome>;
  /** The agent's work items: their Active, Wrap-up and Waiting conversations, and offers standing for them. */
  workItems(agentId: string): Promise<DeskItem[]>;
  /** Open conversations waiting in a queue (what its agents may pick), as `agentId` sees them. */
  openWork(queueId: string, agentId: string): Promise<string[]>;
  /** Every agent's presence in force and chosen presence. */
  agents(): Promise<{ id: string; presence: Presence; chosenPresence: Presence }[]>;
  /** The state of every conversation the store knows. */
  states(): Promise<Map<string, ConversationState>>;
}
