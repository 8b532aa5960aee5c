import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AcceptInput,
  ActorInput,
  AssignInput,
  DeclineInput,
  MessageInput,
  OfferInput,
  PickInput,
  ReopenInput,
  RerouteInput,
  TransferInput,
} from '../src/domain/operations';
import type { ConversationDetails } from '../src/domain/snapshot';
import type { ConversationSummary } from '../src/domain/summary';

// Every message of the conversation workflow is defined here, once; the API,
// the dispatcher and the tests import these constants. Wire name = constant
// name minus its kind. Updates answer the caller (and a validator refusal is
// not written to history); signals are fire-and-forget for the Temporal UI,
// the CLI and senders that cannot wait.

/** Supervisor or operator assigns an Open conversation to a named agent. */
export const assignUpdate = defineUpdate<ConversationSummary, [AssignInput]>('assign');
/** An agent picks an Open conversation from their queue. */
export const pickUpdate = defineUpdate<ConversationSummary, [PickInput]>('pick');
/** The agent presses End (Active -> Wrap-up). */
export const endUpdate = defineUpdate<ConversationSummary, [ActorInput]>('end');
/** The customer ends the chat. */
export const customerEndUpdate = defineUpdate<ConversationSummary, [ActorInput]>('customerEnd');
/** The customer's session disconnected. */
export const disconnectUpdate = defineUpdate<ConversationSummary, [ActorInput]>('disconnect');
/** The agent closes the session tab (X). */
export const closeTabUpdate = defineUpdate<ConversationSummary, [ActorInput]>('closeTab');
/** The agent reopens a Waiting conversation from My work items. */
export const reopenUpdate = defineUpdate<ConversationSummary, [ReopenInput]>('reopen');
/** The customer revives a Waiting conversation. */
export const reviveUpdate = defineUpdate<ConversationSummary, [ActorInput]>('revive');
/** The agent transfers an Active conversation to a queue. */
export const transferUpdate = defineUpdate<ConversationSummary, [TransferInput]>('transfer');
/** The agent has read the customer's messages. */
export const markReadUpdate = defineUpdate<ConversationSummary, [ActorInput]>('markRead');

/** The offered agent accepts the standing offer (Open -> Active). */
export const acceptUpdate = defineUpdate<ConversationSummary, [AcceptInput]>('accept');
/** The offered agent declines the standing offer; the conversation keeps its place in the queue. */
export const declineUpdate = defineUpdate<ConversationSummary, [DeclineInput]>('decline');

/** A chat message with an answer: the API's path (read-your-writes); the text itself lives in the store. */
export const messageUpdate = defineUpdate<ConversationSummary, [MessageInput]>('message');
/** Answers once every operation accepted before it has been applied, e.g. the initial queueing after start. */
export const syncUpdate = defineUpdate<ConversationSummary, []>('sync');

/** Fire-and-forget assign (the routing engine, the Temporal UI, the CLI). */
export const assignSignal = defineSignal<[AssignInput]>('assign');
/** Fire-and-forget End by the agent. */
export const endSignal = defineSignal<[ActorInput]>('end');
/** Fire-and-forget customer end. */
export const customerEndSignal = defineSignal<[ActorInput]>('customerEnd');
/** Fire-and-forget customer disconnect. */
export const disconnectSignal = defineSignal<[ActorInput]>('disconnect');
/** Fire-and-forget close tab. */
export const closeTabSignal = defineSignal<[ActorInput]>('closeTab');
/** Fire-and-forget reopen. */
export const reopenSignal = defineSignal<[ReopenInput]>('reopen');
/** Fire-and-forget revive. */
export const reviveSignal = defineSignal<[ActorInput]>('revive');
/** Fire-and-forget transfer to a queue. */
export const transferSignal = defineSignal<[TransferInput]>('transfer');
/** The routing engine moves an Open conversation to its queue's overflow queue. */
export const rerouteSignal = defineSignal<[RerouteInput]>('reroute');
/** A chat message between customer and agent (signals: a long chat would exhaust the update limit). */
export const messageSignal = defineSignal<[MessageInput]>('message');
/** The routing engine offers the conversation to an agent (offer-mode queue; the agent's capacity is reserved). */
export const offerSignal = defineSignal<[OfferInput]>('offer');
/** Fire-and-forget accept (the Temporal UI, the CLI). */
export const acceptSignal = defineSignal<[AcceptInput]>('accept');
/** Fire-and-forget decline (the Temporal UI, the CLI). */
export const declineSignal = defineSignal<[DeclineInput]>('decline');
/** Fire-and-forget mark-read. */
export const markReadSignal = defineSignal<[ActorInput]>('markRead');

/** The full snapshot: state, agent, queue, times, flags, unread count, transition log, refused signals. */
export const snapshotQuery = defineQuery<ConversationDetails>('snapshot');

/** "Something changed in this queue": the dispatcher runs a round (pokes coalesce). */
export const pokeSignal = defineSignal<[]>('poke');
