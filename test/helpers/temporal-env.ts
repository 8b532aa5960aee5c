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

/** How many times a server that did not come up in time is started again. */
const SERVER_START_ATTEMPTS = 4;

/**
 * Starts a server environment again when it did not come up in time. The SDK gives the server it
 * spawns 5 s to accept a connection (hard-coded in its core), which a JVM on a loaded two-core
 * machine can miss ("ephemeral server … did not start within 5s": a whole test file then fails);
 * the failed process is already killed, so another start is clean.
 */
async function startingAgain<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= SERVER_START_ATTEMPTS || !/did not start within/.test(String((error as Error).message))) throw error;
      process.stderr.write(`Temporal server did not start in time (attempt ${attempt} of ${SERVER_START_ATTEMPTS}); starting it again.\n`);
    }
  }
}

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
  const env = await startingAgain(() =>
    create({
      server: { type: 'time-skipping', executable: resolveTestServerExecutable() },
      client,
      supportsTimeSkipping: true,
      connectionOptions: { channelArgs: TEST_SERVER_KEEPALIVE },
    }),
  );
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
  return startingAgain(() =>
    TestWorkflowEnvironment.createLocal({
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
    }),
  );
}

/** Workflow tasks and activities scheduled and not yet closed in a history. */
function openTasks(events: readonly Record<string, unknown>[]): number {
  const open = new Set<string>();
  for (const e of events) {
    if (e.workflowTaskScheduledEventAttributes || e.activityTaskScheduledEventAttributes) open.add(String(e.eventId));
    for (const key of [
      'workflowTaskCompletedEventAttributes',
      'workflowTaskFailedEventAttributes',
      'workflowTaskTimedOutEventAttributes',
      'activityTaskCompletedEventAttributes',
      'activityTaskFailedEventAttributes',
      'activityTaskTimedOutEventAttributes',
      'activityTaskCanceledEventAttributes',
    ]) {
      const closed = e[key] as { scheduledEventId?: unknown } | undefined;
      if (closed) open.delete(String(closed.scheduledEventId));
    }
  }
  return open.size;
}

async function openTaskCount(env: TestWorkflowEnvironment, workflowId: string): Promise<number> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return openTasks((history.events ?? []) as unknown as Record<string, unknown>[]);
}

/** Waits (up to a minute) until a run has no workflow task and no activity outstanding. */
export async function awaitIdle(env: TestWorkflowEnvironment, workflowId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await openTaskCount(env, workflowId)) > 0) {
    if (Date.now() > deadline) throw new Error(`${workflowId} did not become idle`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Terminates a run on the time-skipping test server without leaving time skipping locked.
 * The Java test server (1.38) holds a time-skipping lock for each scheduled workflow task and
 * each activity, released when the task or activity completes; a terminated run never completes
 * them, so each one open at the termination would keep time skipping locked for the rest of the
 * server's life, and every later `env.sleep` would run at wall-clock speed (dispatch.test.ts hung
 * so on a loaded machine, where the run was still busy when terminated). This terminates and
 * gives back each lock the termination stranded. Prefer terminating an idle run (awaitIdle).
 */
export async function terminateOnTestServer(env: TestWorkflowEnvironment, workflowId: string, reason: string): Promise<void> {
  await env.client.workflow.getHandle(workflowId).terminate(reason);
  const stranded = await openTaskCount(env, workflowId);
  const testService = env.connection.testService;
  if (!testService) throw new Error('terminateOnTestServer needs the time-skipping test server');
  for (let i = 0; i < stranded; i++) await testService.unlockTimeSkipping({});
}
