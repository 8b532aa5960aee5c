import { DEFAULT_QUEUE_ID } from '../domain/defaults';
import type { ApiContext } from './context';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './error-handler';
import { ApiError, ApiErrorCode } from './errors';
import type { RouteSpec } from './route';
import { route } from './route';
import { NoQuery } from './schemas';

const READY_TIMEOUT_MS = 2_000;

async function check(work: () => Promise<unknown>): Promise<'ok' | 'unreachable'> {
  try {
    await work();
    return 'ok';
  } catch {
    return 'unreachable';
  }
}

function timeout(ms: number): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), ms).unref());
}

/** Whether Temporal and the store answer a cheap request within a short deadline. */
export async function readiness(ctx: ApiContext): Promise<{ temporal: 'ok' | 'unreachable'; store: 'ok' | 'unreachable' }> {
  const [temporal, store] = await Promise.all([
    check(() => ctx.client.withDeadline(Date.now() + READY_TIMEOUT_MS, () => ctx.client.workflowService.getSystemInfo({}))),
    check(() => Promise.race([ctx.store.getQueue(DEFAULT_QUEUE_ID), timeout(READY_TIMEOUT_MS)])),
  ]);
  return { temporal, store };
}

const healthz = route({
  method: 'get',
  path: '/healthz',
  tag: 'Health',
  summary: 'Liveness: the process is up (touches no dependency, so a Temporal outage does not restart it).',
  access: 'public',
  responses: { 200: { description: 'Up.', schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } } },
  async handle() {
    return { status: 200, body: { status: 'ok' } };
  },
});

const readyz = route({
  method: 'get',
  path: '/readyz',
  tag: 'Health',
  summary: 'Readiness: Temporal and the store both answer; 503 with Retry-After otherwise.',
  access: 'public',
  query: NoQuery,
  responses: {
    200: {
      description: 'Ready.',
      schema: { type: 'object', properties: { status: { type: 'string' }, temporal: { type: 'string' }, store: { type: 'string' } } },
    },
  },
  async handle(ctx) {
    const status = await readiness(ctx);
    if (status.temporal === 'ok' && status.store === 'ok') return { status: 200, body: { status: 'ready', ...status } };
    const code = status.temporal === 'ok' ? ApiErrorCode.StoreUnavailable : ApiErrorCode.TemporalUnavailable;
    throw new ApiError(code, 'Not ready: a dependency is unreachable.', status, UNAVAILABLE_RETRY_AFTER_SECONDS);
  },
});

/** Liveness and readiness probes (outside /api, where orchestrators expect them). */
export const healthRoutes: readonly RouteSpec[] = [healthz, readyz];
