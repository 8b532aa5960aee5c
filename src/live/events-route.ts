import type { EventType } from '../domain/events';
import { ALL_EVENT_TYPES } from '../domain/events';
import type { Principal } from '../api/auth';
import { ApiError, ApiErrorCode } from '../api/errors';
import type { RouteSpec } from '../api/route';
import { route } from '../api/route';
import type { Schema } from '../api/schema';
import { Id } from '../api/schemas';
import type { StreamAudience, StreamFilter } from './event-scope';
import { serveEventStream } from './event-stream';

const EventId: Schema = { type: 'string', pattern: '^\\d{1,15}$', description: 'An event id (a whole number).' };

interface EventsQuery {
  types?: string;
  queue?: string;
  agent?: string;
  conversation?: string;
  lastEventId?: string;
}

const EventsQuerySchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    types: {
      type: 'string',
      pattern: '^[a-z.]+(,[a-z.]+)*$',
      description: `Only these event types, comma-separated: ${ALL_EVENT_TYPES.join(', ')}.`,
    },
    queue: { ...Id, description: 'Only events of this queue.' },
    agent: { ...Id, description: 'Only events of this agent (who has the conversation, or had it before the change).' },
    conversation: { ...Id, description: 'Only events of this conversation.' },
    lastEventId: { ...EventId, description: 'Resume after this id (as the Last-Event-ID header; the header wins).' },
  },
};

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

function typesOf(list: string | undefined): EventType[] | undefined {
  if (list === undefined) return undefined;
  const types = list.split(',');
  const unknown = types.find((t) => !ALL_EVENT_TYPES.includes(t as EventType));
  if (unknown !== undefined) {
    throw new ApiError(ApiErrorCode.InvalidInput, `query.types: unknown event type ${JSON.stringify(unknown)}`, { field: 'query.types' });
  }
  return types as EventType[];
}

const events = route<unknown, Record<string, never>, EventsQuery>({
  method: 'get',
  path: '/api/events',
  tag: 'Events',
  summary: 'Server-sent events of every change the caller may see (scoped by the token); resumes after Last-Event-ID with nothing missed.',
  access: ['admin', 'agent', 'customer'],
  query: EventsQuerySchema,
  headers: { 'last-event-id': EventId },
  responses: {
    200: {
      description:
        'text/event-stream. Each event: `id: <event id>`, `event: <type>`, `data: <the stored event as JSON>`. Control frames: `ready` (live from here; data {latestId, resumed}), `reset` (the resume point fell out of retention: reload your state; data {reason, latestId}). Comment lines are heartbeats.',
      contentType: 'text/event-stream',
      schema: { type: 'string' },
    },
  },
  async handle(ctx, req) {
    const principal = req.principal as Principal;
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
      status: 200,
      body: null,
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
export const eventRoutes: readonly RouteSpec[] = [events];
