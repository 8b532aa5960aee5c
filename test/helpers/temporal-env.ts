import type { ClientOptionsForTestEnv } from '@temporalio/testing';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { FAST_DISPATCH } from '../../src/temporal/dev-server';
import { resolveDevServerExecutable, resolveTestServerExecutable } from '../../src/temporal/executables';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';

/** Keepalive the Java test server accepts: a ping at most every 5 minutes, none while idle. */
export const TEST_SERVER_KEEPALIVE = {
  'grpc.keepalive_time_ms': 300_000,
  'grpc.keepalive_permit_without_calls': 0,
};

/**
 * A time-skipping test environment on the provisioned test server (or the SDK's
 * download), with the project's custom search attributes registered so workflows
 * can upsert them.
 */
export async function createTimeSkippingEnv(client?: ClientOptionsForTestEnv): Promise<TestWorkflowEnvironment> {
  // createTimeSkipping() with one change: the client's gRPC keepalive. The SDK pings every 30 s; the
  // Java test server (grpc-java) permits one ping per 5 minutes, answers more with GOAWAY "excess
  // pings", and a time-skipping sleep cut off that way left time skipping locked: the sleeps that
  // followed ran at wall-clock speed and dispatch.test.ts hung (every such run logged "rejected by
  // server because of excess pings"; no passing run did). createTimeSkipping() cannot pass
  // connection options, so this calls the factory it wraps.
  const create = (TestWorkflowEnvironment as unknown as { create(options: object): Promise<TestWorkflowEnvironment> }).create.bind(
    TestWorkflowEnvironment,
  );
  const env = await create({
    server: { type: 'time-skipping', executable: resolveTestServerExecutable() },
    client,
    supportsTimeSkipping: true,
    connectionOptions: { channelArgs: TEST_SERVER_KEEPALIVE },
  });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}

/**
 * A local environment on the real Temporal dev server (the provisioned CLI), in
 * memory, with the custom search attributes: for tests that need the real
 * server's semantics (visibility, exact update/command ordering) rather than time skipping.
 */
export async function createDevServerEnv(
  extraArgs: readonly string[] = [],
  client?: ClientOptionsForTestEnv,
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    client,
    server: {
      executable: resolveDevServerExecutable(),
      ip: '127.0.0.1',
      ui: false,
      extraArgs: [
        '--log-level',
        'error',
        // As `npm start` runs it: tasks reach the worker at once, store writes go straight back to it.
        ...FAST_DISPATCH,
        ...SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${k.type === 'BOOL' ? 'Bool' : 'Keyword'}`]),
        ...extraArgs,
      ],
    },
  });
}
