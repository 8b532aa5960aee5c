import type { Presence } from './presence';
import type { ConversationState } from './states';

/** Who caused something: a person, the routing engine, a timer, or an operator. */
export const ActorKind = {
  Customer: 'customer',
  Agent: 'agent',
  Supervisor: 'supervisor',
  Engine: 'engine',
  Timer: 'timer',
  Operator: 'operator',
} as const;

/** One of the actor kinds. */
export type ActorKind = (typeof ActorKind)[keyof typeof ActorKind];

/** Who caused an operation; `id` names the agent, customer or supervisor. */
export interface Actor {
  kind: ActorKind;
  id?: string;
}

/** Names of every operation the lifecycle accepts (values are serialised). */
export const Operation = {
  Assign: 'assign',
  Pick: 'pick',
  End: 'end',
  CustomerEnd: 'customerEnd',
  Disconnect: 'disconnect',
  CloseTab: 'closeTab',
  Reopen: 'reopen',
  Revive: 'revive',
  Transfer: 'transfer',
  Message: 'message',
  MarkRead: 'markRead',
  WaitingTimeout: 'waitingTimeout',
  StaleFlag: 'staleFlag',
  StaleClose: 'staleClose',
  WrapUpRelease: 'wrapUpRelease',
  Reroute: 'reroute',
  /** The engine offers an Open conversation to an agent (offer mode); capacity is reserved meanwhile. */
  Offer: 'offer',
  /** The offered agent accepts (Open -> Active). */
  Accept: 'accept',
  /** The offered agent declines; the conversation keeps its place in the queue. */
  Decline: 'decline',
  /** Nobody answered the offer in time: a decline by the timer. */
  OfferExpire: 'offerExpire',
  /** A relaxable skill requirement has waited its time: the timer drops it and matching runs again. */
  Relax: 'relax',
} as const;

/** One of the operation names. */
export type Operation = (typeof Operation)[keyof typeof Operation];

/** Operations that people trigger (the rest are timers). */
export const PERSON_OPERATIONS = [
  Operation.Assign,
  Operation.Pick,
  Operation.End,
  Operation.CustomerEnd,
  Operation.Disconnect,
  Operation.CloseTab,
  Operation.Reopen,
  Operation.Revive,
  Operation.Transfer,
  Operation.Message,
  Operation.MarkRead,
  Operation.Accept,
  Operation.Decline,
] as const;

/** An operation a person triggers. */
export type PersonOperation = (typeof PERSON_OPERATIONS)[number];

/** Where a chat message comes from. */
export type MessageSender = 'customer' | 'agent';

/** A command to the lifecycle: one operation with its arguments and its actor. */
export type Command =
  | { op: typeof Operation.Assign; agentId: string; force?: boolean; actor: Actor }
  | { op: typeof Operation.Pick; agentId: string; force?: boolean; actor: Actor }
  | { op: typeof Operation.End; actor: Actor }
  | { op: typeof Operation.CustomerEnd; actor: Actor }
  | { op: typeof Operation.Disconnect; actor: Actor }
  | { op: typeof Operation.CloseTab; actor: Actor }
  | { op: typeof Operation.Reopen; force?: boolean; actor: Actor }
  | { op: typeof Operation.Revive; actor: Actor }
  | { op: typeof Operation.Transfer; to: TransferTarget; force?: boolean; actor: Actor }
  | { op: typeof Operation.Message; from: MessageSender; messageId: string; actor: Actor }
  | { op: typeof Operation.MarkRead; actor: Actor }
  | { op: typeof Operation.Reroute; toQueueId: string; reason?: RerouteReason; fromQueueId?: string; actor: Actor }
  | ({ op: typeof Operation.Offer; agentId: string; actor: Actor } & OfferTerms)
  | { op: typeof Operation.Accept; sentAt?: string; actor: Actor }
  | { op: typeof Operation.Decline; reason?: string; sentAt?: string; actor: Actor }
  | TimerCommand;

/** The operations a durable timer of the conversation fires. */
export type TimerOperation =
  | typeof Operation.WaitingTimeout
  | typeof Operation.StaleFlag
  | typeof Operation.StaleClose
  | typeof Operation.WrapUpRelease
  | typeof Operation.OfferExpire
  | typeof Operation.Relax;

/**
 * A timer's operation. `at` is the deadline the fired timer was started for:
 * the operation applies when that very deadline still stands, whatever the
 * workflow clock reads (the clock a task sees can differ between its first run
 * and a replay; what the workflow decides must not). Without `at` (a test, an
 * older caller) the clock decides whether it is due.
 */
export interface TimerCommand {
  op: TimerOperation;
  at?: number;
  actor: Actor;
}

/** How a queue in offer mode offers its conversations (travels with each offer, so a running offer keeps its terms). */
export interface OfferTerms {
  /** How long the agent has to accept. */
  timeoutMs: number;
  /** After this many declines and misses the conversation is no longer pushed (pick and supervisor assignment still work). */
  maxDeclines: number;
  /** The presence an agent who lets an offer expire is set to; null leaves it unchanged. */
  missedPresence: Presence | null;
}

/** One line of the transition log kept in every snapshot. */
export interface TransitionRecord {
  from: ConversationState | null;
  to: ConversationState;
  op: Operation | 'start';
  actor: Actor;
  at: string;
  agentId?: string | null;
  queueId?: string;
  reason?: string;
}

/** A refused signal, kept in the snapshot because a signal cannot answer. */
export interface RefusedSignalRecord {
  op: Operation;
  code: string;
  message: string;
  at: string;
}

/** Input of assign (engine, supervisor or operator names the agent). */
export interface AssignInput {
  agentId: string;
  force?: boolean;
  actor?: Actor;
}
/** Input of pick (an agent takes an Open conversation). */
export interface PickInput {
  agentId: string;
  force?: boolean;
}
/** Input of operations that need only to know who asked. */
export interface ActorInput {
  actor?: Actor;
}
/** Input of reopen (agent takes a Waiting conversation back). */
export interface ReopenInput {
  force?: boolean;
  actor?: Actor;
}
/** Where a transfer goes: back to a queue (Active -> Open) or straight to another agent (Active -> Active). */
export type TransferTarget = { queueId: string } | { agentId: string };

/** Input of transfer: exactly one of toQueueId and toAgentId. */
export interface TransferInput {
  toQueueId?: string;
  toAgentId?: string;
  /** A direct transfer may exceed the target agent's capacity only when forced. */
  force?: boolean;
  actor?: Actor;
}
/** Input of reroute: the routing engine moves an Open conversation to another queue (overflow). */
export interface RerouteInput {
  toQueueId: string;
  /** Why (default overflow): the conversation waited past its queue's limit, or the queue is outside its business hours. */
  reason?: RerouteReason;
  /** The queue the move was decided for: refused if the conversation has left it meanwhile (absent: from wherever it is). */
  fromQueueId?: string;
  actor?: Actor;
}
/** Why the engine moves a conversation to another queue. */
export type RerouteReason = 'overflow' | 'outOfHours';
/** Input of offer: the routing engine offers the conversation to an agent (its capacity is already reserved). */
export interface OfferInput extends OfferTerms {
  agentId: string;
  actor?: Actor;
}
/** Input of accept: the offered agent takes it; `sentAt` is when the API received the request (checked against the countdown). */
export interface AcceptInput {
  sentAt?: string;
  actor?: Actor;
}
/** Input of decline: the offered agent says no, optionally why. */
export interface DeclineInput {
  reason?: string;
  sentAt?: string;
  actor?: Actor;
}
/** Input of a chat message notification (the text itself may live in the store). */
export interface MessageInput {
  from: MessageSender;
  messageId: string;
  text?: string;
  actor?: Actor;
}
