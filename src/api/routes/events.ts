import { Type } from '@sinclair/typebox';
import type { EventType } from '../../domain/events';
import { ALL_EVENT_TYPES } from '../../domain/events';
import type { Principal } from '../http/auth';
import { ApiError, ApiErrorCode } from '../http/errors';
import { none, reply, route } from '../http/route';
import { closed, EVENT_TYPES_PATTERN, Id, NoParams } from '../schemas/requests';
import type { StreamAudience, StreamFilter } from '../../live/event-scope';
import { serveEventStream } from '../../live/event-stream';

const EVENT_ID_PATTERN = '^[0-9]{1,15}$';
/** One server-sent event as a client parses it: what the document can promise of each frame of the stream. */
const StreamFrame = Type.Object(
  {
    event: Type.Optional(Type.String({ description: 'The event type, a control frame (ready, reset) or conversation.position.' })),
    data: Type.Optional(Type.String({ description: 'JSON: the stored event, or the control or position frame’s data.' })),
    id: Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN, description: 'The event id (absent on position frames).' })),
    retry: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: 'Suggested reconnect delay in ms.' })),
  },
  { description: 'Each frame of the stream, as parsed from the text/event-stream body.' },
);

const EventsQuery = closed({
  types: Type.Optional(
    Type.String({
      pattern: EVENT_TYPES_PATTERN,
      description: `Only these event types, comma-separated: ${ALL_EVENT_TYPES.join(', ')}.`,
    }),
  ),
  queue: Type.Optional(Type.String({ ...Id, description: 'Only events of this queue.' })),
  agent: Type.Optional(
    Type.String({ ...Id, description: 'Only events of this agent (who has the conversation, or had it before the change).' }),
  ),
  conversation: Type.Optional(Type.String({ ...Id, description: 'Only events of this conversation.' })),
  lastEventId: Type.Optional(
    Type.String({ pattern: EVENT_ID_PATTERN, description: 'Resume after this event id (as the Last-Event-ID header; the header wins).' }),
  ),
});

const EventsHeaders = Type.Object({
  'last-event-id': Type.Optional(Type.String({ pattern: EVENT_ID_PATTERN, description: 'Resume after this event id.' })),
});

function audienceOf(principal: Principal): StreamAudience {
  switch (principal.kind) {
    case 'admin':
      return { kind: 'admin' };
    case 'agent':
      return { kind: 'agent', agentId: principal.agent.id, queues: principal.agent.queues };
    case 'customer':
      return { kind: 'customer', conversationId: principal.conversationId };
  }
}

function isEventType(name: string): name is EventType {
  return ALL_EVENT_TYPES.some((type) => type === name);
}

function typesOf(list: string | undefined): EventType[] | undefined {
  if (list === undefined) return undefined;
  const types = list.split(',');
  const unknown = types.find((t) => !isEventType(t));
  if (unknown !== undefined) {
    throw new ApiError(ApiErrorCode.InvalidInput, `query.types: unknown event type ${JSON.stringify(unknown)}`, { field: 'query.types' });
  }
  return types.filter(isEventType);
}

const events = route({
  method: 'get',
  path: '/api/events',
  tag: 'Events',
  summary: 'Server-sent events of every change the caller may see (scoped by the token); resumes after Last-Event-ID with nothing missed.',
  access: ['admin', 'agent', 'customer'],
  params: NoParams,
  query: EventsQuery,
  headers: EventsHeaders,
  body: none,
  responses: {
    200: {
      description:
        'text/event-stream. Each event: `id: <event id>`, `event: <type>`, `data: <the stored event as JSON>`. Control frames: `ready` (live from here; data {latestId, resumed}), `reset` (the resume point fell out of retention: reload your state; data {reason, latestId}). A customer’s stream also gets `conversation.position` frames without an `id:` line (derived, not stored: they never move the resume point): once after `ready`, then whenever their place in the queue changes; data {conversationId, queueId, position, waiting, estimatedWaitMs, closed, opensAt (while the queue is outside its business hours)}, all but the id null once it waits in no queue. Comment lines are heartbeats.',
      contentType: 'text/event-stream',
      schema: StreamFrame,
    },
  },
  async handle(ctx, req) {
    const principal: Principal = req.principal;
    const filter: StreamFilter = {};
    const types = typesOf(req.query.types);
    if (types) filter.types = types;
    if (req.query.queue !== undefined) filter.queueId = req.query.queue;
    if (req.query.agent !== undefined) filter.agentId = req.query.agent;
    if (req.query.conversation !== undefined) filter.conversationId = req.query.conversation;
    const lastEventId = req.headers['last-event-id'] ?? req.query.lastEventId;
    const agentId = principal.kind === 'agent' ? principal.agent.id : null;
    const refreshAudience =
      agentId === null
        ? undefined
        : async (): Promise<StreamAudience | null> => {
            const agent = await ctx.store.getAgent(agentId);
            return agent ? { kind: 'agent', agentId: agent.id, queues: agent.queues } : null;
          };
    return {
      ...reply(200, {}),
      stream: (_req, res) =>
        serveEventStream(
          res,
          { hub: ctx.live.hub, log: ctx.store, options: ctx.live.stream },
          { audience: audienceOf(principal), filter, lastEventId: lastEventId === undefined ? null : Number(lastEventId), refreshAudience },
        ),
    };
  },
});

/** The event stream. */
export const eventRoutes = [events] as const;
