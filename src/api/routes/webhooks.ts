import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { ALL_EVENT_TYPES } from '../../domain/events';
import type { EventType } from '../../domain/events';
import { LINE_PATTERN } from '../../domain/limits';
import type { WebhookDeliveryStatus, WebhookEndpointStatus } from '../../domain/webhooks';
import {
  ALL_TYPES_WILDCARD,
  ALL_WEBHOOK_DELIVERY_STATUSES,
  eventTypesProblem,
  MAX_WEBHOOK_URL_LENGTH,
  WEBHOOK_URL_PATTERN,
  WebhookEndpointStatus as EndpointStatus,
  webhookUrlProblem,
} from '../../domain/webhooks';
import { newWebhookSecret, sealWebhookSecret } from '../../webhooks/secret-box';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode } from '../http/errors';
import type { Idempotency } from '../http/idempotency';
import type { ReplayedCredentials } from '../http/route';
import { json, none, reply, route } from '../http/route';
import { closed, Id, IdParams, NoParams, NoQuery, nullable, stringEnum } from '../schemas/requests';

// Webhook endpoints (admin only). The signing secret is answered by the
// registration alone; it is sealed at rest (src/webhooks/secret-box.ts) and
// no read ever shows it.

const Time = Type.String({ format: 'date-time' });
const EventId = Type.Integer({ minimum: 0 });
const EventTypeSchema = stringEnum<EventType>(ALL_EVENT_TYPES);
const Subscription = Type.Array(stringEnum<EventType | typeof ALL_TYPES_WILDCARD>([...ALL_EVENT_TYPES, ALL_TYPES_WILDCARD]), {
  minItems: 1,
  maxItems: ALL_EVENT_TYPES.length,
  uniqueItems: true,
  description: 'The event types to receive, or ["*"] for every type (now and later).',
});

const RegisterWebhookBody = closed({
  url: Type.String({
    maxLength: MAX_WEBHOOK_URL_LENGTH,
    pattern: WEBHOOK_URL_PATTERN,
    description: 'Where events are POSTed: http:// or https://.',
  }),
  eventTypes: Subscription,
  description: Type.Optional(Type.String({ maxLength: 500, pattern: LINE_PATTERN })),
});

const WebhookEndpointSchema = closed({
  id: Id,
  url: Type.String(),
  eventTypes: Subscription,
  description: nullable(Type.String()),
  createdAt: Time,
  startAfterEventId: Type.Integer({
    minimum: 0,
    description: 'The newest event id at registration: the endpoint receives the events committed after it.',
  }),
  cursor: Type.Integer({
    minimum: 0,
    description: 'Every event up to this id is handled (delivered, failed, or not subscribed); retention keeps the ones after it.',
  }),
  status: stringEnum<WebhookEndpointStatus>(
    Object.values(EndpointStatus),
    'failing: an event failed after its retry window, or events were pruned before delivery; a delivery clears it.',
  ),
  failingSince: nullable(Time),
  failingReason: nullable(Type.String()),
});

const DeliverySchema = closed({
  eventId: EventId,
  eventType: EventTypeSchema,
  status: stringEnum<WebhookDeliveryStatus>(
    ALL_WEBHOOK_DELIVERY_STATUSES,
    'pending: attempted, not taken yet, being retried; delivered: answered 2xx; failed: not delivered within the retry window (or pruned first).',
  ),
  attempts: Type.Integer({ minimum: 0 }),
  lastHttpStatus: nullable(Type.Integer(), 'The last attempt’s HTTP status (null: no answer).'),
  lastError: nullable(Type.String(), 'Why the last attempt got no answer (connection refused, timeout …).'),
  firstAttemptAt: Time,
  lastAttemptAt: Time,
  completedAt: nullable(Time),
});

const DeliveriesQuery = closed({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'At most this many (default 100).' })),
  status: Type.Optional(stringEnum<WebhookDeliveryStatus>(ALL_WEBHOOK_DELIVERY_STATUSES)),
});

function unknownWebhook(id: string): ApiError {
  return new ApiError(ApiErrorCode.NotFound, `No webhook endpoint ${id}.`, { webhookId: id });
}

function invalidField(field: string, message: string): ApiError {
  return new ApiError(ApiErrorCode.InvalidInput, `${field}: ${message}`, { problems: [{ field, message }] });
}

/** The signing secret of a registration: derived from its Idempotency-Key when it has one (a retry answers it again), else random. */
function webhookSecretFor(ctx: ApiContext, idempotency: Idempotency | null): string {
  return idempotency ? newWebhookSecret(ctx.credentials.secret, idempotency.derive('webhook-secret')) : newWebhookSecret();
}

/** The secret is kept out of the idempotency record; a replay derives it again from the key. */
const webhookSecretCredentials: ReplayedCredentials = {
  fields: ['secret'],
  restore: (_stored, ctx, idempotency) => ({ secret: webhookSecretFor(ctx, idempotency) }),
};

const register = route({
  method: 'post',
  path: '/api/webhooks',
  tag: 'Webhooks',
  summary:
    'Registers a webhook endpoint: every event of its types committed from now on is POSTed to it, in order, signed with the secret answered here once (Convoflow-Signature).',
  access: ['admin'],
  params: NoParams,
  query: NoQuery,
  body: json(RegisterWebhookBody),
  responses: {
    201: {
      description: 'Registered; its delivery workflow runs. `secret` is shown this once (and to a retry with the same Idempotency-Key).',
      schema: closed({
        webhook: WebhookEndpointSchema,
        secret: Type.String({ pattern: '^whsec_[A-Za-z0-9_-]{43}$', description: 'Signs every delivery; never shown again.' }),
      }),
      headers: { Location: { description: 'The endpoint’s URL.', required: true } },
    },
  },
  credentials: webhookSecretCredentials,
  async handle(ctx, req) {
    const typesProblem = eventTypesProblem(req.body.eventTypes);
    if (typesProblem !== null) throw invalidField('body.eventTypes', typesProblem);
    const urlProblem = webhookUrlProblem(req.body.url);
    if (urlProblem !== null) throw invalidField('body.url', urlProblem);
    const id = req.idempotency ? req.idempotency.derive('webhook-endpoint') : randomUUID();
    const secret = webhookSecretFor(ctx, req.idempotency);
    const webhook = await ctx.store.addWebhookEndpoint({
      id,
      url: req.body.url,
      eventTypes: req.body.eventTypes,
      description: req.body.description ?? null,
      sealedSecret: sealWebhookSecret(ctx.credentials.secret, id, secret),
    });
    try {
      await ctx.webhooks.wake(webhook);
    } catch (error) {
      // Registered all the same: the worker's notifier starts the workflow with the first matching event, or at its start.
      ctx.logger.warn({ webhookId: id, err: error }, 'the webhook delivery workflow could not be started now');
    }
    return reply(201, { webhook, secret }, { Location: `/api/webhooks/${id}` });
  },
});

const list = route({
  method: 'get',
  path: '/api/webhooks',
  tag: 'Webhooks',
  summary: 'Every webhook endpoint with where its delivery stands (never its secret).',
  access: ['admin'],
  params: NoParams,
  query: NoQuery,
  body: none,
  responses: { 200: { description: 'Oldest first.', schema: closed({ webhooks: Type.Array(WebhookEndpointSchema) }) } },
  async handle(ctx) {
    return reply(200, { webhooks: await ctx.store.listWebhookEndpoints() });
  },
});

const get = route({
  method: 'get',
  path: '/api/webhooks/:id',
  tag: 'Webhooks',
  summary: 'One webhook endpoint (never its secret).',
  access: ['admin'],
  params: IdParams,
  query: NoQuery,
  body: none,
  responses: { 200: { description: 'The endpoint.', schema: closed({ webhook: WebhookEndpointSchema }) } },
  async handle(ctx, req) {
    const webhook = await ctx.store.getWebhookEndpoint(req.params.id);
    if (!webhook) throw unknownWebhook(req.params.id);
    return reply(200, { webhook });
  },
});

const remove = route({
  method: 'delete',
  path: '/api/webhooks/:id',
  tag: 'Webhooks',
  summary: 'Deletes a webhook endpoint and its delivery records: nothing more is sent to it, and its delivery workflow ends.',
  access: ['admin'],
  params: IdParams,
  query: NoQuery,
  body: none,
  responses: { 200: { description: 'Deleted.', schema: closed({ id: Id, deleted: Type.Literal(true) }) } },
  async handle(ctx, req) {
    if (!(await ctx.store.deleteWebhookEndpoint(req.params.id))) throw unknownWebhook(req.params.id);
    try {
      await ctx.webhooks.stop(req.params.id);
    } catch (error) {
      // Deleted all the same: every attempt reads the endpoint first, and the workflow ends at its next look.
      ctx.logger.warn({ webhookId: req.params.id, err: error }, 'the webhook delivery workflow could not be told to stop now');
    }
    return reply(200, { id: req.params.id, deleted: true as const });
  },
});

const deliveries = route({
  method: 'get',
  path: '/api/webhooks/:id/deliveries',
  tag: 'Webhooks',
  summary:
    'An endpoint’s recent deliveries, newest event first: status, attempts, the last HTTP status or error (the last 1,000 are kept).',
  access: ['admin'],
  params: IdParams,
  query: DeliveriesQuery,
  body: none,
  responses: { 200: { description: 'Newest event first.', schema: closed({ deliveries: Type.Array(DeliverySchema) }) } },
  async handle(ctx, req) {
    if (!(await ctx.store.getWebhookEndpoint(req.params.id))) throw unknownWebhook(req.params.id);
    const found = await ctx.store.listWebhookDeliveries(req.params.id, { limit: req.query.limit ?? 100, status: req.query.status });
    return reply(200, { deliveries: found });
  },
});

/** Registering, reading and deleting webhook endpoints, and their deliveries. */
export const webhookRoutes = [register, list, get, remove, deliveries] as const;
