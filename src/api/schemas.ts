import { ErrorCode } from '../domain/errors';
import { ALL_PRESENCES, AssignmentMethod } from '../domain/routing';
import { ALL_CHANNELS, ALL_STATES } from '../domain/states';
import type { Schema } from './schema';

// Request and response schemas: the single source for validation and for the
// OpenAPI document. Request schemas forbid unknown fields so a typo is a 400,
// not a silently ignored setting.

/**
 * An id as the API and the store accept it (conversation, agent, queue,
 * customer, message). It belongs in src/domain/ids.ts, beside the workflow ids,
 * once the domain and config-file patterns are unified; until then this is the
 * one place the API and store validation import it from.
 */
export const ID_PATTERN = '^[\\w.:@-]{1,128}$';
/** Names and other one-line text: no C0 control characters (NUL above all: PostgreSQL cannot store it), no DEL, no lone surrogates. */
export const LINE_PATTERN = '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$';
/** Message text: as a line, but tabs and line breaks (LF, CR) are allowed. */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff]*$';
/** An Idempotency-Key: 1-200 visible ASCII characters. */
export const KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$';

/** Largest capacity, units per conversation and priority: far beyond any real use, well inside every integer column. */
export const MAX_COUNT = 1_000_000;
/** Longest overflow limit: a durable timer of 30 days (1e300 ms once broke a dispatcher on every round). */
export const MAX_OVERFLOW_MS = 30 * 24 * 60 * 60 * 1000;
/** Longest name (agent, queue, customer). */
export const MAX_NAME_LENGTH = 200;
/** Longest chat message. */
export const MAX_TEXT_LENGTH = 4000;

/** What each pattern means, for error messages a person can act on. */
export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [ID_PATTERN]: 'must be 1-128 letters, digits, or . _ : @ -',
  [LINE_PATTERN]: 'must not contain control characters (such as NUL)',
  [TEXT_PATTERN]: 'must not contain control characters other than tab and line breaks (such as NUL)',
  [KEY_PATTERN]: 'must be 1-200 visible ASCII characters',
};

/** An id as the domain accepts it (conversation, agent, queue, customer). */
export const Id: Schema = { type: 'string', pattern: ID_PATTERN, description: '1-128 letters, digits, or . _ : @ -' };
const Name: Schema = { type: 'string', minLength: 1, maxLength: 200 };
const Count: Schema = { type: 'integer', minimum: 0, maximum: 1_000_000 };
const Force: Schema = { type: 'boolean', description: 'Exceed the agent’s capacity.' };
const Presence: Schema = { type: 'string', enum: ALL_PRESENCES };
const Time: Schema = { type: 'string', format: 'date-time' };
const NullableTime: Schema = { type: ['string', 'null'], format: 'date-time' };
const NullableId: Schema = { type: ['string', 'null'] };

/** Path parameters `{id}`. */
export const IdParams: Schema = { type: 'object', properties: { id: Id }, required: ['id'], additionalProperties: false };
/** A list's optional `limit` query parameter. */
export const LimitQuery: Schema = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'At most this many items (default 100).' } },
  additionalProperties: false,
};
/** No query parameters. */
export const NoQuery: Schema = { type: 'object', additionalProperties: false };
/** No body (or an empty object). */
export const EmptyBody: Schema = { type: 'object', additionalProperties: false };
/** The Idempotency-Key header. */
export const IdempotencyKeyHeader: Schema = {
  type: 'string',
  pattern: '^[\\x21-\\x7e]{1,200}$',
  description: 'Retrying with the same key returns the first answer and creates nothing twice.',
};

/** Body of POST /conversations. */
export const StartConversationBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    customer: { type: 'object', additionalProperties: false, properties: { id: Id, name: Name } },
    queueId: { ...Id, description: 'Default: "default".' },
    channel: { type: 'string', enum: ALL_CHANNELS, description: 'Default: chat.' },
    priority: { ...Count, description: 'Lower is served first (default 10).' },
  },
};
/** Body of pick and reopen. */
export const ForceBody: Schema = { type: 'object', additionalProperties: false, properties: { force: Force } };
/** Body of transfer: exactly one target. */
export const TransferBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { toQueueId: Id, toAgentId: Id, force: Force },
  oneOf: [
    { required: ['toQueueId'], description: '{ toQueueId }' },
    { required: ['toAgentId'], description: '{ toAgentId, force? }' },
  ],
};
/** Body of assign (supervisor). */
export const AssignBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { agentId: Id, force: Force },
  required: ['agentId'],
};
/** Body of POST .../messages. */
export const MessageBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
  required: ['text'],
};

const agentFields = {
  name: Name,
  capacity: Count,
  presence: Presence,
  queues: { type: 'array', items: Id, uniqueItems: true, maxItems: 100 },
} satisfies Record<string, Schema>;
/** Body of POST /agents. */
export const CreateAgentBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { id: Id, ...agentFields },
  required: ['id'],
};
/** Body of PATCH /agents/:id. */
export const PatchAgentBody: Schema = { type: 'object', additionalProperties: false, properties: agentFields };
/** Body of PUT /agents/:id/presence. */
export const PresenceBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { presence: Presence },
  required: ['presence'],
};

const queueFields = {
  name: Name,
  priority: Count,
  assignmentMethod: { type: 'string', enum: Object.values(AssignmentMethod) },
  eligiblePresences: { type: 'array', items: Presence, uniqueItems: true },
  unitsPerConversation: { type: ['integer', 'null'], minimum: 1, maximum: 1_000_000 },
  overflow: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: { afterMs: { type: 'integer', minimum: 1 }, toQueueId: Id },
    required: ['afterMs', 'toQueueId'],
  },
} satisfies Record<string, Schema>;
/** Body of POST /queues. */
export const CreateQueueBody: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: { id: Id, ...queueFields },
  required: ['id'],
};
/** Body of PATCH /queues/:id. */
export const PatchQueueBody: Schema = { type: 'object', additionalProperties: false, properties: queueFields };

const obj = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties, required: Object.keys(properties) });
const State: Schema = { type: 'string', enum: ALL_STATES };

/** An operation's answer: the conversation's standing after it. */
export const Summary = obj({
  conversationId: Id,
  state: State,
  agentId: NullableId,
  queueId: Id,
  capacityHeld: { type: 'boolean' },
  unreadCount: Count,
  staleFlagged: { type: 'boolean' },
  version: Count,
});
/** The workflow's full snapshot (abridged here; see ConversationSnapshot in src/domain/snapshot.ts). */
export const Snapshot: Schema = {
  type: 'object',
  description: 'State, agent, queue, times, flags, unread count and the transition log.',
  properties: { conversationId: Id, state: State, agentId: NullableId, queueId: Id, unreadCount: Count, transitions: { type: 'array' } },
};
/** A conversation as the store's read model has it (work items). */
export const WorkItem = obj({
  conversationId: Id,
  state: State,
  agentId: NullableId,
  lastAgentId: NullableId,
  queueId: Id,
  channel: { type: 'string', enum: ALL_CHANNELS },
  priority: Count,
  units: Count,
  customerId: Id,
  unreadCount: Count,
  createdAt: Time,
  stateEnteredAt: Time,
  closedAt: NullableTime,
  staleFlagged: { type: 'boolean' },
  version: Count,
});
/** A stored chat message. */
export const Message = obj({
  id: Id,
  conversationId: Id,
  sender: { type: 'string', enum: ['customer', 'agent'] },
  text: { type: 'string' },
  createdAt: Time,
});
/** An agent as stored. */
export const Agent = obj({ id: Id, ...agentFields, lastAssignedAt: NullableTime, lastReleasedAt: NullableTime });
/** An agent with its load. */
export const AgentLoad = obj({
  id: Id,
  ...agentFields,
  usedUnits: Count,
  conversations: Count,
  lastAssignedAt: NullableTime,
  lastReleasedAt: NullableTime,
});
/** A queue as stored. */
export const Queue = obj({ id: Id, ...queueFields });
/** A queue with depth and oldest wait. */
export const QueueStats = obj({ id: Id, ...queueFields, depth: Count, oldestEnqueuedAt: NullableTime, members: Count });
/** A conversation waiting in a queue. */
export const QueueEntry = obj({
  conversationId: Id,
  queueId: Id,
  priority: Count,
  units: Count,
  enqueuedAt: Time,
  preferredAgentId: NullableId,
});
/** The error body of every 4xx and 5xx. */
export const ErrorBody = obj({
  error: {
    type: 'object',
    properties: {
      code: { type: 'string', description: `e.g. ${Object.values(ErrorCode).slice(0, 4).join(', ')}` },
      message: { type: 'string' },
      details: { type: 'object' },
    },
    required: ['code', 'message'],
  },
});

/** A JSON object with one array property. */
export function listOf(name: string, item: Schema): Schema {
  return obj({ [name]: { type: 'array', items: item } });
}
