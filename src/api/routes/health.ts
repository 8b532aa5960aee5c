import { Type } from '@sinclair/typebox';
import { DEFAULT_QUEUE_ID } from '../../domain/defaults';
import type { ApiContext } from '../context';
import { ApiError, ApiErrorCode } from '../http/errors';
import { none, publicRoute, reply } from '../http/route';
import { closed, NoParams, NoQuery } from '../schemas/requests';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/temporal-errors';

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
    check(() => ctx.temporal.ping(READY_TIMEOUT_MS)),
    check(() => Promise.race([ctx.store.getQueue(DEFAULT_QUEUE_ID), timeout(READY_TIMEOUT_MS)])),
  ]);
  return { temporal, store };
}

const healthz = publicRoute({
  method: 'get',
  path: '/healthz',
  tag: 'Health',
  summary: 'Liveness: the process is up (touches no dependency, so a Temporal outage does not restart it).',
  params: NoParams,
  query: NoQuery,
  body: none,
  responses: { 200: { description: 'Up.', schema: closed({ status: Type.Literal('ok') }) } },
  handle: () => Promise.resolve(reply(200, { status: 'ok' })),
});

const readyz = publicRoute({
  method: 'get',
  path: '/readyz',
  tag: 'Health',
  summary: 'Readiness: Temporal and the store both answer; 503 with Retry-After otherwise.',
  params: NoParams,
  query: NoQuery,
  body: none,
  responses: {
    200: {
      description: 'Ready.',
      schema: closed({ status: Type.Literal('ready'), temporal: Type.Literal('ok'), store: Type.Literal('ok') }),
    },
  },
  async handle(ctx) {
    const status = await readiness(ctx);
    if (status.temporal === 'ok' && status.store === 'ok') return reply(200, { status: 'ready', temporal: 'ok', store: 'ok' });
    const code = status.temporal === 'ok' ? ApiErrorCode.StoreUnavailable : ApiErrorCode.TemporalUnavailable;
    throw new ApiError(code, 'Not ready: a dependency is unreachable.', status, UNAVAILABLE_RETRY_AFTER_SECONDS);
  },
});

/** Liveness and readiness probes (outside /api, where orchestrators expect them). */
export const healthRoutes = [healthz, readyz] as const;
