import { Type } from '@sinclair/typebox';
import type { ActorKind, Operation } from '../../domain/operations';
import { ActorKind as ActorKinds, Operation as Operations } from '../../domain/operations';
import type { ChatSender } from '../../store/types';
import { ApiErrorCode } from '../http/errors';
import {
  ChannelSchema,
  BusinessHoursSchema,
  closed,
  Id,
  MethodSchema,
  nullable,
  OfferModeSchema,
  PresenceSchema,
  Requirement,
  StateSchema,
  stringEnum,
} from './requests';
import { StuckMarker } from './stuck';

// Response schemas: what the API answers, closed like the request schemas so
// the OpenAPI document lists every field and a test that checks answers against
// them (ApiDeps.checkResponses) notices a field the document does not show.
// Handlers' replies are type-checked against these same schemas.

const Count = Type.Integer({ minimum: 0 });
const Time = Type.String({ format: 'date-time' });
const NullableTime = nullable(Time);
const NullableId = nullable(Id);

/** Who caused a transition. */
const Actor = closed({ kind: stringEnum<ActorKind>(Object.values(ActorKinds)), id: Type.Optional(Id) });

/** An operation's answer: the conversation's standing after it. */
export const Summary = closed({
  conversationId: Id,
  state: StateSchema,
  agentId: NullableId,
  queueId: Id,
  capacityHeld: Type.Boolean(),
  unreadCount: Count,
  staleFlaggedAt: NullableTime,
  version: Count,
});

const Transition = closed({
  from: nullable(StateSchema),
  to: StateSchema,
  op: stringEnum<Operation | 'start'>([...Object.values(Operations), 'start']),
  actor: Actor,
  at: Time,
  agentId: Type.Optional(NullableId),
  queueId: Type.Optional(Id),
  reason: Type.Optional(Type.String()),
});

const RefusedSignal = closed({
  op: stringEnum<Operation>(Object.values(Operations)),
  code: Type.String(),
  message: Type.String(),
  at: Time,
});

/** The workflow's full snapshot (ConversationSnapshot in src/domain/snapshot.ts). */
export const Snapshot = closed(
  {
    conversationId: Id,
    state: StateSchema,
    queueId: Id,
    channel: ChannelSchema,
    priority: Count,
    units: Count,
    customer: closed({ id: Id, name: Type.Optional(Type.String()) }),
    agentId: NullableId,
    lastAgentId: NullableId,
    capacityHeld: Type.Boolean(),
    customerConnected: Type.Boolean(),
    createdAt: Time,
    stateEnteredAt: Time,
    enteredAt: closed({
      Open: Type.Optional(Time),
      Active: Type.Optional(Time),
      WrapUp: Type.Optional(Time),
      Waiting: Type.Optional(Time),
      Closed: Type.Optional(Time),
    }),
    staleFlaggedAt: NullableTime,
    lastExchangeAt: NullableTime,
    unreadCount: Count,
    messageCount: Count,
    closedReason: nullable(Type.String()),
    offer: nullable(
      closed(
        {
          agentId: Id,
          offeredAt: Time,
          expiresAt: Time,
          timeoutMs: Count,
          maxDeclines: Count,
          missedPresence: nullable(PresenceSchema),
        },
        'The offer standing while Open in an offer-mode queue (the agent’s capacity is reserved meanwhile).',
      ),
    ),
    excludedAgents: Type.Array(Id, { description: 'Agents never pushed it again: declined, missed, or handed it back to a queue.' }),
    pastOffers: Type.Array(
      closed({
        agentId: Id,
        expiresAt: Time,
        outcome: Type.Union([Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('expired'), Type.Literal('withdrawn')]),
      }),
      { description: 'How its latest offers ended, oldest first (a late answer is told OFFER_EXPIRED or OFFER_TAKEN from this).' },
    ),
    requirements: Type.Array(Requirement, { description: 'Skill requirements still in force (relaxed ones are dropped).' }),
    routing: closed(
      {
        routedBy: closed({ rule: nullable(Id), reason: Type.String() }),
        relaxed: Type.Array(closed({ skill: Id, minProficiency: Count, at: Time })),
        pushedTo: Type.Array(Id),
        waiting: nullable(Type.String()),
      },
      'The routing trace: why this queue (the intake rule), which requirements were relaxed, whom the engine pushed it to, why it waits.',
    ),
    declines: Count,
    offersStopped: Type.Boolean({
      description: 'Declines and misses reached the queue’s limit: no longer pushed, the supervisor should assign it.',
    }),
    version: Count,
    transitions: Type.Array(Transition),
    transitionsDropped: Count,
    refusedSignals: Type.Array(RefusedSignal),
  },
  'State, agent, queue, times, flags, unread count and the transition log, as the workflow holds them.',
);

/** A conversation as the store's read model has it (work items; reads while the workflow cannot answer). */
export const WorkItem = closed(
  {
    conversationId: Id,
    state: StateSchema,
    agentId: NullableId,
    lastAgentId: NullableId,
    queueId: Id,
    channel: ChannelSchema,
    priority: Count,
    units: Count,
    customerId: Id,
    unreadCount: Count,
    createdAt: Time,
    stateEnteredAt: Time,
    closedAt: NullableTime,
    staleFlaggedAt: NullableTime,
    waitingTimeoutAt: nullable(Time, 'While Waiting: when the waiting timeout closes it unless agent and customer exchange a message.'),
    reviveUntil: nullable(Time, 'While Waiting with the customer connected: until when the customer may revive it.'),
    offerAgentId: nullable(Id, 'While an offer stands: the agent it is offered to.'),
    offerExpiresAt: nullable(Time, 'While an offer stands: when its countdown ends.'),
    offersStopped: Type.Boolean(),
    waitingReason: nullable(Type.String(), 'While Open: why it waits (nobody eligible, nobody with its skills, everyone at capacity).'),
    version: Count,
  },
  'The read model: what the store last recorded of the conversation.',
);

/** A waiting conversation's place in its queue, from the API's in-memory index of the queues (kept from their events, never counted per request). */
export const QueueStanding = nullable(
  closed(
    {
      position: Type.Integer({
        minimum: 1,
        description: '1-based place in the queue’s service order (priority, then arrival): 1 is served next.',
      }),
      waiting: Count,
      estimatedWaitMs: nullable(
        Count,
        'The queue’s moving average of recent waits (A = 0.9·A′ + 0.1·W); null until 20 waits were measured.',
      ),
      closed: Type.Boolean({ description: 'The queue is outside its business hours: nothing is pushed from it until it opens.' }),
      opensAt: nullable(Type.String({ format: 'date-time' }), 'While closed: when the queue opens (null: open, or no opening ahead).'),
    },
    'Where the conversation stands in its queue.',
  ),
  'While Open and waiting in a queue: its position, how many wait, and the estimated wait; otherwise null.',
);

/** GET /api/conversations/:id: the workflow's snapshot, or the read model when the workflow cannot answer; with its queue standing. */
export const ConversationReading = Type.Union([
  closed(
    { source: Type.Literal('store'), conversation: Snapshot, queue: QueueStanding, stuck: StuckMarker },
    'Answered by the store: the full snapshot as the workflow’s query would answer it, written with each transition.',
  ),
  closed(
    { source: Type.Literal('workflow'), conversation: Snapshot, queue: QueueStanding, stuck: StuckMarker },
    'Answered by the workflow (the full snapshot): asked with ?source=workflow, or the store does not hold it in full (written before it kept details).',
  ),
  closed(
    { source: Type.Literal('readModel'), conversation: WorkItem, queue: QueueStanding, stuck: StuckMarker },
    'The workflow could not answer (no worker polling, a timeout, past retention, or its workflow is stuck): the store’s read model instead.',
  ),
]);

/** A stored chat message. */
export const Message = closed({
  id: Id,
  conversationId: Id,
  sender: stringEnum<ChatSender>(['customer', 'agent']),
  text: Type.String(),
  createdAt: Time,
});

const agentProps = {
  id: Id,
  name: Type.String(),
  capacity: Count,
  presence: PresenceSchema,
  chosenPresence: PresenceSchema,
  autoPresence: Type.Boolean(),
  skills: Type.Record(Type.String(), Count, { description: 'Skill id -> proficiency (1-10).' }),
  queues: Type.Array(Id),
  lastAssignedAt: NullableTime,
  lastReleasedAt: NullableTime,
};
/** An agent as stored. */
export const Agent = closed(agentProps);
/** An agent with its load. */
export const AgentLoad = closed({ ...agentProps, usedUnits: Count, conversations: Count });

const queueProps = {
  id: Id,
  name: Type.String(),
  priority: Count,
  assignmentMethod: MethodSchema,
  eligiblePresences: Type.Array(PresenceSchema),
  unitsPerConversation: nullable(Count),
  overflow: nullable(closed({ afterMs: Count, toQueueId: Id })),
  offerMode: OfferModeSchema,
  offerTimeoutMs: Count,
  maxDeclines: Count,
  missedOfferPresence: nullable(PresenceSchema),
  hours: nullable(BusinessHoursSchema),
  outOfHoursQueueId: NullableId,
  open: Type.Boolean({ description: 'Within its business hours now (always true without hours).' }),
  hoursChangeAt: nullable(Time, 'When it next opens (while closed) or closes (while open); null: no hours, or never.'),
};
/** A queue as stored. */
export const Queue = closed(queueProps);
/** A queue with depth, oldest wait (measured when answered) and member count. */
export const QueueOverview = closed({
  ...queueProps,
  depth: Count,
  oldestEnqueuedAt: NullableTime,
  oldestWaitMs: nullable(Count),
  members: Count,
  estimatedWaitMs: nullable(Count, 'Moving average of recent waits (A = 0.9 A’ + 0.1 W), once 20 were measured.'),
  waitSamples: Count,
});
/** A conversation waiting in a queue. */
export const QueueEntry = closed({
  conversationId: Id,
  queueId: Id,
  priority: Count,
  units: Count,
  enqueuedAt: Time,
  preferredAgentId: NullableId,
  pushable: Type.Optional(Type.Boolean({ description: 'False once offers stopped: it waits for a pick or the supervisor.' })),
});

/** A new agent token: shown once, only its hash is kept. */
export const IssuedToken = closed({
  agentId: Id,
  token: Type.String({ description: 'The bearer token; answered only here.' }),
  expiresAt: nullable(Time),
});

/** The error body of every 4xx and 5xx. */
export const ErrorBody = closed({
  error: closed({
    code: stringEnum<ApiErrorCode>(Object.values(ApiErrorCode)),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});
