import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, Runtime, Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createActivities } from '../../activities';
import { createApp } from '../../src/api/app';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import { EventHub } from '../../src/live/event-hub';
import { Metrics } from '../../src/metrics/metrics';
import { createTemporalRouter } from '../../src/temporal/router';
import { createStore, seedStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { onWorkflowTaskFailure, watchFailedEvictions } from '../../src/stuck/failure-feed';
import { StuckWorkflowMonitor } from '../../src/stuck/monitor';
import { PinoSdkLogger } from '../../src/temporal/sdk-logger';
import { pokeSignal } from '../../workflows/messages';
import { ADMIN_TOKEN, apiDeps, call, startChat, testLogger } from '../api/helpers';
import { createDevServerEnv } from '../helpers/temporal-env';
import { PICK_ONLY_SEED } from '../workflows/conversation-fixture';

// A conversation's workflow made stuck for real on the dev server: a worker
// whose bundle registers a conversationWorkflow with another command sequence
// takes over its task queue, so replaying the history fails with a
// nondeterminism error on every attempt, as after a deploy without patched().
// Then the correct build takes over again and the workflow recovers.

// The production runtime's logger: Core's "Failing workflow task" lines feed the monitor through it.
Runtime.install({
  logger: new PinoSdkLogger(testLogger, 'WARN'),
  telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
});

const POLL_MS = 200;
// Generous for two shared cores: detection needs a failed first attempt, a second one timed out by the server (10 s), and a round.
const DETECT_DEADLINE_MS = 90_000;

/** Polls `check` until it answers something other than undefined, failing after `timeoutMs`. */
async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = DETECT_DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function stuckGauge(text: string): number | null {
  const line = /^convoflow_workflows_stuck (\d+)$/m.exec(text);
  return line?.[1] === undefined ? null : Number(line[1]);
}

describe('a conversation whose workflow tasks keep failing', () => {
  let env: TestWorkflowEnvironment;
  let store: Store;
  let hub: EventHub;
  let app: Express;
  let monitor: StuckWorkflowMonitor;
  const taskQueue = `stuck-${randomUUID()}`;
  let good: WorkflowBundleWithSourceMap;
  let broken: WorkflowBundleWithSourceMap;
  let running: { worker: Worker; done: Promise<void>; unwatch: (() => void) | null } | null = null;

  /** Runs a worker of `bundle` on the task queue (stopping the one before), watched as startWorker watches its own. */
  async function runWorker(bundle: WorkflowBundleWithSourceMap): Promise<void> {
    await stopWorker();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router: createTemporalRouter(env.client, taskQueue) }),
    });
    running = { worker, done: worker.run(), unwatch: watchFailedEvictions(worker) };
    expect(running.unwatch).not.toBeNull();
  }

  async function stopWorker(): Promise<void> {
    if (!running) return;
    running.unwatch?.();
    running.worker.shutdown();
    await running.done;
    running = null;
  }

  beforeAll(async () => {
    env = await createDevServerEnv();
    store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
    await seedStore(store, PICK_ONLY_SEED);
    const bundle = (path: string) => bundleWorkflowCode({ workflowsPath: require.resolve(path) });
    [good, broken] = await Promise.all([bundle('../../workflows'), bundle('../fixtures/broken-workflows')]);
    hub = new EventHub(store);
    app = createApp({
      ...apiDeps(store, env.client, taskQueue),
      live: { hub },
      metrics: { metrics: new Metrics({ processMetrics: false }), access: { kind: 'local' }, loopback: true, storeCacheMs: 0 },
    });
    // Rounds every second here (10 s in production) so the test waits on Temporal, not on the monitor.
    monitor = new StuckWorkflowMonitor({ client: env.client, store, logger: testLogger, intervalMs: 1_000 }).start();
  });

  afterAll(async () => {
    await monitor?.stop();
    await stopWorker();
    hub?.close();
    await store?.close();
    await env?.teardown();
  });

  it('is found, shown and refused loudly while it fails, and cleared once it makes progress again', async () => {
    await runWorker(good);
    const chat = await startChat(app);
    const workflowId = `conversation-${chat.id}`;
    const runId = (await env.client.workflow.getHandle(workflowId).describe()).runId;

    await runWorker(broken);
    // Any new event gives the workflow a task: the broken build replays the history and fails.
    const failedFrom = Date.now();
    await env.client.workflow.getHandle(workflowId).signal(pokeSignal);
    const entry = await poll('recorded stuck', async () => (await store.getStuckWorkflow(workflowId)) ?? undefined);
    const detectedInMs = Date.now() - failedFrom;
    process.stderr.write(`\nstuck workflow recorded ${(detectedInMs / 1000).toFixed(1)} s after its first failing task was caused\n`);
    expect(entry).toMatchObject({ runId, conversationId: chat.id, cause: 'NON_DETERMINISTIC_ERROR' });
    expect(entry.attempts).toBeGreaterThanOrEqual(2);
    expect(entry.message).toMatch(/Nondeterminism error/);

    // The gauge counts it.
    const metrics = await call(app, 'get', '/metrics');
    expect(metrics.status).toBe(200);
    expect(stuckGauge(metrics.text)).toBe(1);

    // The admin route lists it with its state, cause and message.
    const listed = await call(app, 'get', '/api/stuck-workflows', ADMIN_TOKEN);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      count: 1,
      stuckWorkflows: [
        expect.objectContaining({
          conversationId: chat.id,
          workflowId,
          runId,
          workflowType: 'conversationWorkflow',
          state: 'Open',
          cause: 'NON_DETERMINISTIC_ERROR',
          message: expect.stringMatching(/Nondeterminism error/),
          since: entry.failingSince,
        }),
      ],
    });
    expect(Date.parse(entry.failingSince)).toBeGreaterThanOrEqual(failedFrom - 1000);
    expect((await call(app, 'get', '/api/stuck-workflows', chat.customerToken)).status).toBe(403);

    // An operation answers 500 WORKFLOW_STUCK at once, without Retry-After, and applies nothing.
    const refused = await call(app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN, {});
    expect(refused.status).toBe(500);
    expect(refused.headers['retry-after']).toBeUndefined();
    expect(refused.body.error).toMatchObject({ code: 'WORKFLOW_STUCK', details: { workflowId, runId, cause: 'NON_DETERMINISTIC_ERROR' } });
    expect(refused.body.error.message).toMatch(/keeps failing since .*Nondeterminism error.*until an operator fixes it/);
    const customerEnd = await call(app, 'post', `/api/conversations/${chat.id}/end`, chat.customerToken, {});
    expect(customerEnd.body.error?.code).toBe('WORKFLOW_STUCK');
    expect((await store.getConversation(chat.id))?.state).toBe('Open');

    // The conversation's read and the supervisor's list say so.
    const read = await call(app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      source: 'store',
      conversation: { state: 'Open' },
      stuck: { workflowId, runId, cause: 'NON_DETERMINISTIC_ERROR' },
    });
    const board = await call(app, 'get', '/api/conversations', ADMIN_TOKEN);
    expect(board.body.conversations).toEqual([
      expect.objectContaining({ conversationId: chat.id, stuck: expect.objectContaining({ runId }) }),
    ]);

    // Core reports only a series' first failure (its log line); later attempts fail without a word to the server,
    // and only the eviction that follows each shows them: one more attempt brings one more report.
    const reports = { count: 0 };
    const unsubscribe = onWorkflowTaskFailure((r) => {
      if (r.runId === runId) reports.count++;
    });
    const handle = env.client.workflow.getHandle(workflowId);
    const attempt = async () => (await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0;
    const now = await attempt();
    await poll('a later attempt failed', async () => ((await attempt()) > now && reports.count > 0 ? true : undefined));
    unsubscribe();

    // The correct build takes the next attempt: the workflow makes progress, and every trace of the condition goes.
    await runWorker(good);
    await poll('cleared', async () => ((await store.countStuckWorkflows()) === 0 ? true : undefined));
    expect(stuckGauge((await call(app, 'get', '/metrics')).text)).toBe(0);
    expect((await call(app, 'get', '/api/stuck-workflows', ADMIN_TOKEN)).body).toEqual({ count: 0, stuckWorkflows: [] });
    const again = await call(app, 'get', `/api/conversations/${chat.id}`, ADMIN_TOKEN);
    expect(again.body).toMatchObject({ source: 'store', stuck: null });
    const closed = await call(app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN, {});
    expect(closed.status).toBe(200);
    expect(closed.body.conversation.state).toBe('Closed');
  }, 240_000);

  it('is noticed by the API when no worker reported it: a read asked of the workflow that found no answer records it, and operations then answer WORKFLOW_STUCK', async () => {
    // No monitor: as when the failing attempts ran on workers that saw nothing (their first attempt timed out, no cache).
    await monitor.stop();
    await runWorker(good);
    const chat = await startChat(app);
    const workflowId = `conversation-${chat.id}`;
    const handle = env.client.workflow.getHandle(workflowId);
    await runWorker(broken);
    await handle.signal(pokeSignal);
    await poll('two failed attempts in a row', async () =>
      ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 3 ? true : undefined,
    );
    expect(await store.getStuckWorkflow(workflowId)).toBeNull();

    // From the store a read needs no workflow; asked of the workflow, it finds no answer.
    const read = await call(app, 'get', `/api/conversations/${chat.id}?source=workflow`, ADMIN_TOKEN);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ source: 'readModel', stuck: { workflowId, cause: 'NON_DETERMINISTIC_ERROR' } });
    const refused = await call(app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN, {});
    expect(refused.status).toBe(500);
    expect(refused.body.error.code).toBe('WORKFLOW_STUCK');

    // A monitor (any worker process's) takes the entry over and clears it once the correct build runs the workflow.
    await runWorker(good);
    monitor = new StuckWorkflowMonitor({ client: env.client, store, logger: testLogger, intervalMs: 1_000 }).start();
    await poll('cleared', async () => ((await store.countStuckWorkflows()) === 0 ? true : undefined));
    expect((await call(app, 'post', `/api/conversations/${chat.id}/force-close`, ADMIN_TOKEN, {})).status).toBe(200);
  }, 240_000);
});
