import type { RouteSpec } from './route';
import type { Schema } from './schema';
import { ErrorBody } from './schemas';

/** An OpenAPI 3.1 document (kept loosely typed: it is only serialised). */
export type OpenApiDocument = Record<string, unknown>;

const ERRORS: Record<number, string> = {
  400: 'INVALID_INPUT: a field is missing or malformed (details.problems names each field and why).',
  401: 'UNAUTHORIZED: no bearer token, or one that matches nothing.',
  403: 'FORBIDDEN / NOT_YOUR_CONVERSATION: the token is valid but not for this.',
  404: 'UNKNOWN_CONVERSATION / UNKNOWN_AGENT / UNKNOWN_QUEUE.',
  409: 'A state refusal (INVALID_TRANSITION, CONVERSATION_CLOSED naming the state), a lost pick race (ALREADY_TAKEN), NO_CAPACITY, ALREADY_EXISTS.',
  413: 'PAYLOAD_TOO_LARGE: the body is over the limit.',
  429: 'RATE_LIMITED: too many starts from this client; see Retry-After.',
  503: 'TEMPORAL_UNAVAILABLE / STORE_UNAVAILABLE: retry after Retry-After seconds.',
};

function parameters(location: 'path' | 'query' | 'header', schema: Schema | Readonly<Record<string, Schema>> | undefined): unknown[] {
  if (!schema) return [];
  const props = location === 'header' ? (schema as Record<string, Schema>) : ((schema as Schema).properties ?? {});
  const required = location === 'header' ? [] : ((schema as Schema).required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name: location === 'header' ? name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()) : name,
    in: location,
    required: location === 'path' || required.includes(name),
    schema: s,
  }));
}

function errorCodes(spec: RouteSpec): number[] {
  const codes = [400];
  if (spec.access !== 'public') codes.push(401, 403);
  // Path ids, and ids inside bodies (queueId, agentId, queues), can name nothing.
  if (spec.params || spec.body) codes.push(404);
  if (spec.method !== 'get') codes.push(409);
  if (spec.body) codes.push(413);
  if (spec.rateLimited) codes.push(429);
  if (spec.path !== '/healthz') codes.push(503);
  return codes;
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
    };
  }
  for (const status of errorCodes(spec)) {
    responses[String(status)] ??= {
      description: ERRORS[status],
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: `${spec.method}${spec.path.replace(/\/:?([a-z-]+)/g, (_, w: string) => w.replace(/(^|-)([a-z])/g, (__, ___, c: string) => c.toUpperCase()))}`,
    tags: [spec.tag],
    summary: spec.summary,
    security: spec.access === 'public' ? [] : [{ bearer: [] }],
    ...(spec.access === 'public' ? {} : { description: `Tokens admitted: ${spec.access.join(', ')}.` }),
    parameters: [...parameters('path', spec.params), ...parameters('query', spec.query), ...parameters('header', spec.headers)],
    ...(spec.body
      ? { requestBody: { required: (spec.body.required ?? []).length > 0, content: { 'application/json': { schema: spec.body } } } }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of `routes`, built from the very schemas that validate requests. */
export function openApiDocument(routes: readonly RouteSpec[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    (paths[path] ??= {})[spec.method] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'convoflow API',
      version: '0.1.0',
      description:
        'Customer-service conversation routing on Temporal. Bearer tokens: the admin token (supervisor), agent tokens (from POST /api/agents), customer tokens (from POST /api/conversations, valid for that conversation only).',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: ErrorBody },
    },
  };
}
