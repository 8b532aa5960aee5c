import type { TSchema } from '@sinclair/typebox';
import { ErrorBody } from '../schemas/responses';
import type { Route, RouteDoc } from './route';
import { IdempotencyKey } from '../schemas/requests';

/** An OpenAPI 3.1 document (kept loosely typed: it is only serialised). */
export type OpenApiDocument = Record<string, unknown>;

const ERRORS: Record<number, string> = {
  400: 'INVALID_INPUT: a field is missing or malformed (details.problems names each field and why).',
  401: 'UNAUTHORIZED: no bearer token, or one that matches nothing (or has expired, or was revoked).',
  403: 'FORBIDDEN / NOT_YOUR_CONVERSATION / NOT_QUEUE_MEMBER: the token is valid but not for this.',
  404: 'UNKNOWN_CONVERSATION / UNKNOWN_AGENT / UNKNOWN_QUEUE, or NOT_FOUND (no such webhook endpoint).',
  409: 'A state refusal (INVALID_TRANSITION, CONVERSATION_CLOSED naming the state), a lost pick race (ALREADY_TAKEN), an answer to an offer that lost (OFFER_EXPIRED: received after the countdown or after the expiry; OFFER_TAKEN: declined, withdrawn or someone else’s), NO_CAPACITY, ALREADY_EXISTS, or IDEMPOTENCY_KEY_REUSED (the key was used with another body, or by another client).',
  413: 'PAYLOAD_TOO_LARGE: the body is over the limit.',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json (no body at all counts as {}).',
  429: 'RATE_LIMITED: too many starts from this client address; see Retry-After.',
  500: 'WORKFLOW_STUCK: the conversation’s workflow tasks keep failing (details: since, attempts, cause, message); nothing was applied, and no retry will be until an operator fixes the workflow (docs/runbook-stuck-workflows.md). No Retry-After. INTERNAL: a bug (details.requestId).',
  503: 'TEMPORAL_UNAVAILABLE / STORE_UNAVAILABLE: nothing was applied; retry after Retry-After seconds.',
};
const CHANGE_503 =
  'TEMPORAL_UNAVAILABLE / STORE_UNAVAILABLE: nothing was applied, retry after Retry-After seconds. OUTCOME_UNKNOWN: the change was sent to Temporal but no answer came in time, so it may have been applied: retry with the same Idempotency-Key, which answers as the first attempt would have (even if what it changed would now refuse a fresh request) and applies nothing twice.';

const text = (description: string, required: boolean, pattern?: string) => ({
  description,
  required,
  schema: { type: 'string', ...(pattern ? { pattern } : {}) },
});
const REQUEST_ID = { 'X-Request-Id': text('This request’s id (the one sent, when well-formed), also in the logs.', true) };
const RETRY_AFTER = { 'Retry-After': text('Seconds to wait before retrying.', true, '^[0-9]+$') };
const REPLAYED = {
  'Idempotent-Replayed': text('"true" when this is the recorded answer to an earlier request with this Idempotency-Key.', false),
};

function properties(schema: TSchema): [string, unknown][] {
  const props: unknown = schema.properties;
  return typeof props === 'object' && props !== null ? Object.entries(props) : [];
}

function parameters(doc: RouteDoc): unknown[] {
  const required: unknown = doc.query.required;
  const list = (location: 'path' | 'query', schema: TSchema) =>
    properties(schema).map(([name, s]) => ({
      name,
      in: location,
      required: location === 'path' || (Array.isArray(required) && required.includes(name)),
      schema: s,
    }));
  const headers = doc.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: IdempotencyKey }] : [];
  const declared = doc.headers
    ? properties(doc.headers).map(([name, s]) => ({ name: headerName(name), in: 'header', required: false, schema: s }))
    : [];
  return [...list('path', doc.params), ...list('query', doc.query), ...headers, ...declared];
}

/** A header's name as people write it: last-event-id -> Last-Event-ID. */
function headerName(name: string): string {
  return name === 'last-event-id' ? 'Last-Event-ID' : name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/** The error statuses a route can answer, each one it really sends. */
function errorCodes(doc: RouteDoc): number[] {
  const codes = [400];
  if (doc.access !== 'public') codes.push(401, 403);
  // Path ids, and ids inside bodies (queueId, agentId, queues), can name nothing.
  if (properties(doc.params).length > 0 || doc.body) codes.push(404);
  if (doc.idempotent) codes.push(409);
  if (doc.body) codes.push(413, 415);
  if (doc.rateLimited) codes.push(429);
  // Every change sent to a conversation's workflow is refused while it is stuck.
  if (doc.method === 'post' && doc.path.startsWith('/api/conversations')) codes.push(500);
  // Everything but liveness and this document reads the store or calls Temporal.
  if (doc.path !== '/healthz' && doc.path !== '/api/openapi.json') codes.push(503);
  return codes;
}

function accessNote(doc: RouteDoc): string {
  if (doc.access === 'public') return 'No token needed.';
  const kinds = doc.access.map((k) => (k === 'agent' && doc.selfOnly ? 'agent (for themselves only)' : k));
  return `Tokens admitted: ${kinds.join(', ')}.`;
}

function operation(doc: RouteDoc): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = {
      description: r.description,
      headers: { ...REQUEST_ID, ...(doc.idempotent ? REPLAYED : {}), ...r.headers },
      content: { [r.contentType ?? 'application/json']: { schema: r.schema } },
    };
  }
  for (const status of errorCodes(doc)) {
    responses[String(status)] ??= {
      description: status === 503 && doc.idempotent ? CHANGE_503 : ERRORS[status],
      headers: { ...REQUEST_ID, ...(status === 429 || status === 503 ? RETRY_AFTER : {}) },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const camel = (w: string) => w.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  return {
    operationId: `${doc.method}${doc.path.replace(/\/:?([a-z-]+)/g, (_, w: string) => camel(w))}`,
    tags: [doc.tag],
    summary: doc.summary,
    description: accessNote(doc),
    security: doc.access === 'public' ? [] : [{ bearer: [] }],
    parameters: parameters(doc),
    ...(doc.body ? { requestBody: { required: doc.bodyRequired, content: { 'application/json': { schema: doc.body } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`, built from the very schemas that validate requests and answers. */
export function openApiDocument(routes: readonly Route[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { doc } of routes) {
    const path = doc.path.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[doc.method] = operation(doc);
  }
  // Through JSON: TypeBox's symbol keys drop out, and the document is plain data.
  const document: OpenApiDocument = JSON.parse(
    JSON.stringify({
      openapi: '3.1.0',
      info: {
        title: 'convoflow API',
        version: '0.1.0',
        description:
          'Customer-service conversation routing on Temporal. Bearer tokens: the admin token (supervisor), agent tokens (from POST /api/agents or POST /api/agents/{id}/tokens; they expire), customer tokens (from POST /api/conversations, valid for that conversation only). Every route that changes something accepts an Idempotency-Key.',
      },
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
        schemas: { Error: ErrorBody },
      },
    }),
  );
  return document;
}
