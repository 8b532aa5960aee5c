import type { TProperties, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { AssignmentMethod } from '../../domain/assignment-method';
import type { Presence } from '../../domain/presence';
import { ALL_PRESENCES } from '../../domain/presence';
import { AssignmentMethod as Methods } from '../../domain/assignment-method';
import type { Channel, ConversationState } from '../../domain/states';
import type { OfferMode } from '../../store/types';
import { ALL_CHANNELS, ALL_STATES } from '../../domain/states';
import { ID_PATTERN } from '../../domain/ids';
import { KEY_PATTERN, LINE_PATTERN, MAX_COUNT, MAX_NAME_LENGTH, MAX_OVERFLOW_MS, MAX_TEXT_LENGTH, TEXT_PATTERN } from '../../domain/limits';
import { MAX_OFFER_TIMEOUT_MS } from '../../domain/commands';
import { MAX_PROFICIENCY, MAX_RELAX_AFTER_MS, MAX_SKILLS, MIN_PROFICIENCY } from '../../domain/skills';
import { WEBHOOK_URL_PATTERN } from '../../domain/webhooks';
import { ALL_EVENT_TYPES } from '../../domain/events';
import { MAX_HOLIDAYS, MAX_INTERVALS_PER_DAY } from '../../domain/business-hours';

// Request schemas, written once with TypeBox: Ajv validates requests against
// these very objects, the OpenAPI document shows them, and handlers get their
// types by inference (Static<typeof Schema>). Every object is closed
// (additionalProperties: false) so a typo, `__proto__` or `constructor` is a 400,
// not a silently ignored or inherited setting.

/** What each pattern means, for error messages a person can act on. */
/** One known event type (lower-case words and dots: nothing to escape but the dots). */
const ONE_EVENT_TYPE = `(?:${ALL_EVENT_TYPES.map((t) => t.replace(/\./g, '\\.')).join('|')})`;
/** A comma-separated list of known event types (`?types=` of the event stream). */
export const EVENT_TYPES_PATTERN = `^${ONE_EVENT_TYPE}(?:,${ONE_EVENT_TYPE})*$`;

export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [EVENT_TYPES_PATTERN]: `must be event types separated by commas, of ${ALL_EVENT_TYPES.join(', ')}`,
  [ID_PATTERN]: 'must be 1-128 letters, digits, or . _ : @ -',
  [LINE_PATTERN]: 'must not contain control characters (such as NUL)',
  [TEXT_PATTERN]: 'must not contain control characters other than tab and line breaks (such as NUL)',
  [KEY_PATTERN]: 'must be 1-200 visible ASCII characters',
  [WEBHOOK_URL_PATTERN]: 'must be an http:// or https:// URL (host, optional port, path and query; no user or password)',
};

/** A string schema whose values are `values`, typed as their union (TypeBox's documented use of Unsafe). */
export function stringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

/** `schema` or null. */
export function nullable<T extends TSchema>(schema: T, description?: string) {
  return Type.Union([schema, Type.Null()], description ? { description } : {});
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
/** How a queue hands pushed work to an agent. */
export const OfferModeSchema = stringEnum<OfferMode>(
  ['autoAccept', 'offer'],
  'autoAccept (default): the agent has it at once; offer: the agent accepts or declines first.',
);

/** Path parameters `{id}`. */
export const IdParams = closed({ id: Id });
/** No path parameters. */
export const NoParams = closed({});
/** No query parameters. */
export const NoQuery = closed({});
/** Who answers GET /api/conversations/:id. */
export const ReadSourceQuery = closed({
  source: Type.Optional(
    stringEnum<'store' | 'workflow'>(
      ['store', 'workflow'],
      'store (default): the read model, written with every transition, never a workflow task; workflow: the workflow’s own query (a workflow task, and a replay when its worker evicted it).',
    ),
  ),
});
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
/** Attribute or pre-chat answer values intake rules can test. */
const Attributes = Type.Record(Type.String({ pattern: ID_PATTERN }), Type.String({ minLength: 1, maxLength: 200, pattern: LINE_PATTERN }), {
  maxProperties: 50,
});
/** A skill requirement. */
export const Requirement = closed({
  skill: Id,
  minProficiency: Type.Integer({ minimum: MIN_PROFICIENCY, maximum: MAX_PROFICIENCY }),
  relaxAfterMs: Type.Optional(
    nullable(
      Type.Integer({ minimum: 0, maximum: MAX_RELAX_AFTER_MS }),
      'Relax (drop) the requirement once the conversation has waited this long in its queue; null or absent: never.',
    ),
  ),
});
/** Body of POST /conversations. */
export const StartConversationBody = closed({
  customer: Type.Optional(
    closed({
      id: Type.Optional(Id),
      name: Type.Optional(Name),
      attributes: Type.Optional(Attributes),
    }),
  ),
  queueId: Type.Optional(
    Type.String({ pattern: ID_PATTERN, description: 'The queue asked for (intake rules may send it elsewhere). Default: "default".' }),
  ),
  channel: Type.Optional(stringEnum<Channel>(ALL_CHANNELS, 'Default: chat.')),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COUNT, description: 'Lower is served first (default 10).' })),
  language: Type.Optional(Type.String({ pattern: ID_PATTERN, description: 'The customer’s language (e.g. fr), for intake rules.' })),
  answers: Type.Optional(Attributes),
  requirements: Type.Optional(
    Type.Array(Requirement, { maxItems: MAX_SKILLS, description: 'Skills the agent must have, besides the intake rule’s.' }),
  ),
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
  skills: Type.Optional(
    Type.Record(Type.String({ pattern: ID_PATTERN }), Type.Integer({ minimum: MIN_PROFICIENCY, maximum: MAX_PROFICIENCY }), {
      maxProperties: MAX_SKILLS,
      description: 'Skill id -> proficiency (1-10); replaces the agent’s skills.',
    }),
  ),
  autoPresence: Type.Optional(
    Type.Boolean({
      description:
        'Automatic presence: while the chosen presence is Available, Busy with capacity partly used and BusyDND when full. Default: the configuration file’s autoPresence.',
    }),
  ),
};
/** Body of POST /api/agents. */
export const CreateAgentBody = closed({ id: Id, ...agentFields });
/** Body of PATCH /api/agents/:id. */
export const PatchAgentBody = closed(agentFields);
/** Body of decline: why, optionally. */
export const DeclineBody = closed({ reason: Type.Optional(Type.String({ maxLength: 500, pattern: TEXT_PATTERN })) });
/** Body of PUT /api/agents/:id/presence. */
export const PresenceBody = closed({ presence: PresenceSchema });
/** Body of POST /api/agents/:id/tokens. */
export const IssueTokenBody = closed({
  revokeOthers: Type.Optional(Type.Boolean({ description: 'Revoke every other token of the agent (sign out everywhere else).' })),
});

const Interval = closed({
  from: Type.String({ pattern: '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$', description: 'Local time HH:MM.' }),
  to: Type.String({
    pattern: '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
    description: 'Local time HH:MM, after from; 24:00 is midnight.',
  }),
});
const Day = Type.Optional(Type.Array(Interval, { maxItems: MAX_INTERVALS_PER_DAY }));
/** A queue's business hours, as the API takes and answers them. */
export const BusinessHoursSchema = closed(
  {
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris (daylight saving followed).' }),
    weekly: closed(
      { mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day },
      'Opening intervals per weekday, local time; a day left out is closed.',
    ),
    holidays: Type.Optional(
      Type.Array(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), {
        maxItems: MAX_HOLIDAYS,
        uniqueItems: true,
        description: 'Local dates (YYYY-MM-DD) closed all day.',
      }),
    ),
  },
  'Business hours: outside them nothing is pushed from the queue.',
);

const queueFields = {
  name: Type.Optional(Name),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_COUNT, description: 'Lower is served first across queues.' })),
  assignmentMethod: Type.Optional(MethodSchema),
  eligiblePresences: Type.Optional(Type.Array(PresenceSchema, { uniqueItems: true })),
  unitsPerConversation: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: MAX_COUNT }))),
  overflow: Type.Optional(
    nullable(closed({ afterMs: Type.Integer({ minimum: 1, maximum: MAX_OVERFLOW_MS, description: 'At most 30 days.' }), toQueueId: Id })),
  ),
  offerMode: Type.Optional(OfferModeSchema),
  offerTimeoutMs: Type.Optional(
    Type.Integer({
      minimum: 1_000,
      maximum: MAX_OFFER_TIMEOUT_MS,
      description: 'Offer mode: the countdown (default 120000, 1 s to 24 h).',
    }),
  ),
  maxDeclines: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 5,
      description: 'Offer mode: declines and misses after which it is no longer pushed (default 3).',
    }),
  ),
  missedOfferPresence: Type.Optional(
    nullable(PresenceSchema, 'Offer mode: the presence an agent who lets an offer expire is set to (default Away; null: unchanged).'),
  ),
  hours: Type.Optional(nullable(BusinessHoursSchema, 'Business hours (default null: always open).')),
  outOfHoursQueueId: Type.Optional(
    nullable(Id, 'While closed, waiting conversations move to this queue when it is open (default null: they wait for the opening).'),
  ),
};
/** Body of POST /api/queues. */
export const CreateQueueBody = closed({ id: Id, ...queueFields });
/** Body of PATCH /api/queues/:id. */
export const PatchQueueBody = closed(queueFields);
