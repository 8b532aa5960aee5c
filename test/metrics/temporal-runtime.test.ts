import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { loadConfig } from '../../src/config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import { createLogger } from '../../src/logger';
import { createTemporalRouter } from '../../src/temporal/router';
import { createStore, seedStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { installRuntime } from '../../src/temporal/runtime';
import { conversationWorkflow } from '../../workflows';
import { endSignal } from '../../workflows/messages';
import { freePortBlock } from '../helpers/ports';
import { createTimeSkippingEnv } from '../helpers/temporal-env';
import { PICK_ONLY_SEED, until } from '../workflows/conversation-fixture';
import { dashboardQueries, missingFrom } from './dashboard';
import { parseExposition } from './prometheus-text';

// This file installs the SDK runtime the way the worker process does (the shared test
// helpers install a quiet one of their own), so it builds its worker by hand.
const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let env: TestWorkflowEnvironment;
let store: Store;
let worker: Worker;
let running: Promise<void>;
let metricsUrl: string;
const taskQueue = `runtime-${randomUUID()}`;

beforeAll(async () => {
  const port = await freePortBlock(1);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const config = loadConfig({ TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${port}`, TEMPORAL_SDK_LOG_LEVEL: 'WARN' });
  installRuntime(config, createLogger({ level: 'info' }, sink));
  env = await createTimeSkippingEnv();
  store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
  await seedStore(store, PICK_ONLY_SEED);
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router: createTemporalRouter(env.client, taskQueue) }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await store?.close();
  await env?.teardown();
});

describe('the worker runtime', () => {
  it("routes a workflow's log.warn into the process's pino log, with the workflow's id, and leaves the SDK's INFO out", async () => {
    const conversationId = randomUUID();
    const handle = await env.client.workflow.start(conversationWorkflow, {
      workflowId: `conversation-${conversationId}`,
      taskQueue,
      args: [
        {
          start: { conversationId, queueId: 'default', channel: 'chat', customer: { id: 'cust-1', name: 'Dana' } },
          config: DEFAULT_LIFECYCLE_CONFIG,
        },
      ],
    });
    // `end` while Open is refused; a signal cannot answer, so the workflow logs it.
    await handle.signal(endSignal, {});
    await until(async () => lines.some((l) => l.msg === 'Refused signal'));
    const refused = lines.find((l) => l.msg === 'Refused signal');
    expect(refused).toMatchObject({
      level: 40,
      service: 'convoflow',
      sdkComponent: 'workflow',
      workflowId: `conversation-${conversationId}`,
      workflowType: 'conversationWorkflow',
      taskQueue,
      op: 'end',
      code: 'INVALID_TRANSITION',
    });
    // TEMPORAL_SDK_LOG_LEVEL=WARN: the worker's own INFO lines (state changes, bundling) are not written.
    expect(lines.filter((l) => (l.level as number) < 40)).toEqual([]);
    await handle.terminate();
  });

  it("serves the SDK's worker metrics on TEMPORAL_METRICS_ADDRESS, in seconds with Prometheus suffixes", async () => {
    const samples = parseExposition(await (await fetch(metricsUrl)).text());
    const names = new Set(samples.map((s) => s.name));
    expect(
      samples
        .filter((s) => s.name === 'temporal_worker_task_slots_available' && s.labels.task_queue === taskQueue)
        .map((s) => s.labels.worker_type)
        .sort(),
    ).toEqual(expect.arrayContaining(['LocalActivityWorker', 'WorkflowWorker']));
    for (const name of [
      'temporal_worker_task_slots_used',
      'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
      'temporal_workflow_task_execution_latency_seconds_bucket',
      'temporal_sticky_cache_size',
      'temporal_num_pollers',
    ]) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
  });

  it('feeds every Temporal panel of the Grafana dashboard', async () => {
    const samples = parseExposition(await (await fetch(metricsUrl)).text());
    const queries = dashboardQueries(['temporal_']);
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const q of queries) expect({ panel: q.panel, missing: missingFrom(q, samples) }).toEqual({ panel: q.panel, missing: [] });
  });
});
