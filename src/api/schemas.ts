import type { TProperties, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { AssignmentMethod, Presence } from '../domain/routing';
import { ALL_PRESENCES, AssignmentMethod as Methods } from '../domain/routing';
import type { Channel, ConversationState } from '../domain/states';
import { ALL_CHANNELS, ALL_STATES } from '../domain/states';

// Request schemas, written once with TypeBox: Ajv validates requests against
// these very objects, the OpenAPI document shows them, and handlers get their
// types by inference (Static<typeof Schema>). Every object is closed
// (additionalProperties: false) so a typo, `__proto__` or `constructor` is a 400,
// not a silently ignored or inherited setting.

/**
 * An id as the API and the store accept it (conversation, agent, queue,
 * customer, message). It belongs in src/domain/ids.ts, beside the workflow ids,
 * once the domain and config-file patterns are unified; until then this is the
 * one place the API and store validation import it from.
 */
export const ID_PATTERN = '^[A-Za-z0-9_.:@-]{1,128}$';
// Patterns are spelled so that every regex engine reads them alike: no \w or \d
// (Unicode-aware in Python and Rust, ASCII in JavaScript) and no surrogate
// ranges (Rust cannot express them), so OpenAPI tools generate what Ajv accepts.
/** Names and other one-line text: no C0 control characters (NUL above all: PostgreSQL cannot store it) and no DEL. */
export const LINE_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
/** Message text: as a line, but tabs and line breaks (LF, CR) are allowed. */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';
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

/** A string schema whose values are `values`, typed as their union (TypeBox's documented use of Unsafe). */
export function stringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

/** `schema` or null. */
export function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** A closed object: unknown keys are refused. */
export function closed<P extends TProperties>(properties: P, description?: string) {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

/** An id (see ID_PATTERN). */
export const Id = Type.String({ pattern: ID_PATTERN, description: '1-128 letters, digits, or . _ : @ -' });
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: LINE_PATTERN });
const Count = Type.Integer({ minimum: 0, maximum: MAX_COUNT });
const Force = Type.Boolean({ description: 'Exceed the agent’s capacity.' });
/** An agent presence. */
export const PresenceSchema = stringEnum<Presence>(ALL_PRESENCES);
/** A conversation state. */
export const StateSchema = stringEnum<ConversationState>(ALL_STATES);
/** A channel. */
export const ChannelSchema = stringEnum<Channel>(ALL_CHANNELS);
/** A queue's assignment method. */
export const MethodSchema = stringEnum<AssignmentMethod>(Object.values(Methods));

/** Path parameters `{id}`. */
export const IdParams = closed({ id: Id });
/** No path parameters. */
export const NoParams = closed({});
/** No query parameters. */
export const NoQuery = closed({});
/** A list's optional `limit` query parameter. */
export const LimitQuery = closed({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many items (default 100).' })),
});
/** The Idempotency-Key header. */
export const IdempotencyKey = Type.String({
  pattern: KEY_PATTERN,
  description:
    'Retrying with the same key (same route, target and caller) answers as the first time did and applies nothing twice; the same key with another body is 409 IDEMPOTENCY_KEY_REUSED.',
});

/** No body, or an empty object. */
export const EmptyBody = closed({});
/** Body of POST /api/conversations. */
export const StartConversationBody = closed({
  customer: Type.Optional(closed({ id: Type.Optional(Id), name: Type.Optional(Name) })),
  queueId: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'Default: "default".' })),
  channel: Type.Optional(stringEnum<Channel>(ALL_CHANNELS, 'Default: chat.')),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COUNT, description: 'Lower is served first (default 10).' })),
});
/** Body of pick and reopen. */
export const ForceBody = closed({ force: Type.Optional(Force) });
/** Body of transfer: exactly one target (force only applies to an agent). */
export const TransferBody = Type.Union(
  [closed({ toQueueId: Id }, '{ toQueueId }'), closed({ toAgentId: Id, force: Type.Optional(Force) }, '{ toAgentId, force? }')],
  {
    description: 'Exactly one target: a queue, or an agent.',
  },
);
/** Body of assign (supervisor). */
export const AssignBody = closed({ agentId: Id, force: Type.Optional(Force) });
/** Body of POST .../messages. */
export const MessageBody = closed({ text: Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH, pattern: TEXT_PATTERN }) });

const agentFields = {
  name: Type.Optional(Name),
  capacity: Type.Optional(Count),
  presence: Type.Optional(PresenceSchema),
  queues: Type.Optional(Type.Array(Id, { uniqueItems: true, maxItems: 100 })),
};
/** Body of POST /api/agents. */
export const CreateAgentBody = closed({ id: Id, ...agentFields });
/** Body of PATCH /api/agents/:id. */
export const PatchAgentBody = closed(agentFields);
/** Body of PUT /api/agents/:id/presence. */
export const PresenceBody = closed({ presence: PresenceSchema });
/** Body of POST /api/agents/:id/tokens. */
export const IssueTokenBody = closed({
  revokeOthers: Type.Optional(Type.Boolean({ description: 'Revoke every other token of the agent (sign out everywhere else).' })),
});

const queueFields = {
  name: Type.Optional(Name),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COUNT, description: 'Lower is served first across queues.' })),
  assignmentMethod: Type.Optional(MethodSchema),
  eligiblePresences: Type.Optional(Type.Array(PresenceSchema, { uniqueItems: true })),
  unitsPerConversation: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: MAX_COUNT }))),
  overflow: Type.Optional(
    nullable(closed({ afterMs: Type.Integer({ minimum: 1, maximum: MAX_OVERFLOW_MS, description: 'At most 30 days.' }), toQueueId: Id })),
  ),
};
/** Body of POST /api/queues. */
export const CreateQueueBody = closed({ id: Id, ...queueFields });
/** Body of PATCH /api/queues/:id. */
export const PatchQueueBody = closed(queueFields);
