import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { ReplayFinding, WorkflowHealth } from '../../bench/chaos/checks';
import { replayAll, TaskFailureLog, workflowHealth, workflowIds } from '../../bench/chaos/checks';
import { offerHandoffs, allEvents } from '../../bench/chaos/handoff';
import type { KillRecord } from '../../bench/chaos/kill-points';
import { CHAOS_WORKER_READY, KILL_INTERCEPTOR_MODULE, KillPoint } from '../../bench/chaos/kill-points';
import { Ledger } from '../../bench/chaos/ledger';
import { StoreMonitor } from '../../bench/chaos/monitor';
import type { Child } from '../../bench/chaos/processes';
import { startChild } from '../../bench/chaos/processes';
import { offerScenario } from '../../bench/chaos/scenario';
import { seeded, Workload } from '../../bench/chaos/workload';
import type { AppConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { ConversationState } from '../../src/domain/states';
import { RoutingChanges } from '../../src/routing';
import { createTemporalRouter } from '../../src/temporal/router';
import { openStore } from '../../src/startup';
import type { Store } from '../../src/store/store';
import type { DevServer } from '../../src/temporal/dev-server';
import { startDevServer } from '../../src/temporal/dev-server';
import { resolveDevServerExecutable } from '../../src/temporal/executables';
import { connectClient } from '../../src/temporal/connection';
import { snapshotQuery } from '../../workflows/messages';
import { invariantViolations } from '../helpers/invariants';
import { devServerPorts } from '../helpers/ports';
import { quietRuntime, workflowBundle } from '../helpers/test-worker';
import { ClientDesk } from './client-desk';
import { describeWhen } from '../helpers/prerequisites';

// Invariant 7 under crashes: a worker (a child process) is SIGKILLed at random points inside
// workflow tasks (after an activation produced its commands, before the task is reported: the
// chaos worker's interceptor and sink, bench/chaos/kill-interceptor.ts), right after a store write
// committed inside an activity, and at random times, and restarted each time, while agents answer
// offers, pick, transfer, end and close chats. Afterwards every chat must be Closed, the
// invariants hold, nothing applied twice, no workflow fails its tasks, and every history replays.
// Bounded: at most MAX_KILLS kills in CHAOS_MS, then the workload finishes with a worker left alone.

const ROOT = join(__dirname, '..', '..');
const CHAOS_WORKER = join(ROOT, 'dist', 'bench', 'chaos', 'chaos-worker.js');
const TASK_QUEUE = 'chaos-conversations';
const CONVERSATIONS = 24;
const MAX_KILLS = 8;
const CHAOS_MS = 70_000;
const FINISH_MS = 75_000;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);

/** How each worker incarnation dies: it kills itself at a point of this kind, or the test kills it at a random moment. */
type Death = typeof KillPoint.Task | typeof KillPoint.Commit | 'random';
/** Half the kills inside workflow tasks, a quarter after store commits, a quarter at random moments. */
const PLANS: readonly Death[] = [KillPoint.Task, KillPoint.Commit, KillPoint.Task, 'random'];
interface Incarnation {
  pid: number;
  plan: Death;
  /** How it ended: a self-kill record, 'killed' by the test, or an unexpected exit. */
  end: KillRecord | 'killed' | `exited ${string}`;
}

const provisioned = resolveDevServerExecutable().type === 'existing-path';
const missing = provisioned ? null : 'the Temporal CLI is not provisioned in .temporal-cache (run npm install)';

describeWhen(missing, 'a worker SIGKILLed inside workflow tasks and activities, again and again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-kill-task-'));
  const killLog = join(dir, 'kills.jsonl');
  const bundleFile = join(dir, 'chaos-workflow-bundle.js');
  const scenario = offerScenario({ agents: 5 });
  const random = seeded(SEED);
  const incarnations: Incarnation[] = [];
  const ledger = new Ledger();
  const failures = new TaskFailureLog();
  let config: AppConfig;
  let workerEnv: NodeJS.ProcessEnv;
  let devServer: DevServer | undefined;
  let connection: Connection | undefined;
  let client: Client;
  let store: Store | undefined;
  let monitor: StoreMonitor;
  let workload: Workload;
  let current: Child | undefined;
  let snapshots: ConversationSnapshot[] = [];
  let healths: WorkflowHealth[] = [];
  const report: string[] = [];

  function startWorker(plan: Death | null): Child {
    const kill =
      plan === KillPoint.Task || plan === KillPoint.Commit
        ? {
            CHAOS_KILL_POINTS: plan,
            CHAOS_KILL_PROBABILITY: plan === KillPoint.Task ? '0.25' : '0.15',
            CHAOS_ARM_AFTER_MS: String(Math.round(1_000 + random() * 3_000)),
            CHAOS_KILL_LOG: killLog,
          }
        : {};
    return startChild(
      'chaos worker',
      CHAOS_WORKER,
      { ...workerEnv, ...kill },
      { ready: new RegExp(CHAOS_WORKER_READY), onLine: (line) => failures.observe(line) },
    );
  }

  function selfKills(): KillRecord[] {
    if (!existsSync(killLog)) return [];
    return readFileSync(killLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as KillRecord);
  }

  /** The workflow's own snapshot of a chat; null when it cannot answer (failing tasks). */
  function snapshotOf(id: string): Promise<ConversationSnapshot | null> {
    return client.workflow
      .getHandle(`conversation-${id}`)
      .query(snapshotQuery)
      .catch(() => null);
  }

  /** Where a chat stands, for a failure: the read model an agent sees, and the workflow's own snapshot. */
  async function describeChat(id: string): Promise<string> {
    const view = await store?.getConversation(id);
    const shown = view && {
      state: view.state,
      agentId: view.agentId,
      offer: view.offerAgentId,
      until: view.offerExpiresAt,
      v: view.version,
    };
    const s = await client.workflow
      .getHandle(`conversation-${id}`)
      .query(snapshotQuery)
      .catch((e: unknown) => String(e));
    const held =
      typeof s === 'string'
        ? s
        : {
            state: s.state,
            agentId: s.agentId,
            offer: s.offer,
            v: s.version,
            refused: s.refusedSignals.slice(-3),
            last: s.transitions.slice(-4),
          };
    const sent = ledger.sent
      .filter((x) => x.conversationId === id)
      .map((x) => `${x.op}:${x.outcome.kind}${x.outcome.kind === 'ok' ? '' : `/${x.outcome.code}`}`);
    return `${id} read model ${JSON.stringify(shown)} workflow ${JSON.stringify(held)} sent [${sent.join(' ')}]`;
  }

  /** Restarts the worker after every death until the kill budget or the time is spent, or the workload is done. */
  async function chaos(deadline: number): Promise<void> {
    while (incarnations.length < MAX_KILLS && Date.now() < deadline && !workload.done) {
      const plan = PLANS[incarnations.length % PLANS.length] ?? 'random';
      const child = startWorker(plan);
      current = child;
      await child.ready;
      // A self-kill comes within seconds under this load; otherwise (or by plan) the test kills it at a random moment.
      const wait = plan === 'random' ? 1_000 + random() * 4_000 : 12_000;
      const how = await Promise.race([child.exited, delay(wait).then(() => null)]);
      if (how === null) child.kill();
      const exited = await child.exited;
      const record = selfKills().find((k) => k.pid === child.pid);
      incarnations.push({ pid: child.pid, plan, end: record ?? (how === null ? 'killed' : `exited ${exited}`) });
    }
  }

  beforeAll(async () => {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    if (built.status !== 0) throw new Error(`scripts/ensure-built.mjs failed:\n${built.stderr}`);
    quietRuntime();
    const ports = await devServerPorts();
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(scenario.configFile));
    // Only what this test sets: a developer's TEMPORAL_ADDRESS, DATABASE_URL or tokens must not leak in.
    const base = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CONVOFLOW_DATA_DIR: dir,
      CONVOFLOW_CONFIG: configFile,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      // The SDK's warnings say why a workflow task failed (TaskFailureLog reads them).
      TEMPORAL_SDK_LOG_LEVEL: 'WARN',
      LOG_LEVEL: 'warn',
      ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    };
    config = loadConfig({ ...base, TEMPORAL_DEV_SERVER_PORT: String(ports.port), TEMPORAL_UI_PORT: String(ports.uiPort) });
    // Its warnings (slow calls while workers die) are expected here.
    devServer = await startDevServer(config.temporal, () => undefined);
    workerEnv = { ...base, TEMPORAL_ADDRESS: devServer.address };
    ({ connection, client } = await connectClient(config.temporal));
    store = await openStore(config);
    // The chaos worker's workflow code: the product's plus the kill interceptor, bundled once for every restart.
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      workflowInterceptorModules: [KILL_INTERCEPTOR_MODULE],
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(bundleFile, bundle.code);
    workerEnv.CHAOS_WORKFLOW_BUNDLE = bundleFile;
  }, 300_000);

  afterAll(async () => {
    if (report.length) console.log(report.join('\n'));
    await monitor?.stop();
    await current?.stop(5_000);
    await connection?.close();
    await store?.close();
    await devServer?.stop();
    if (process.env.CHAOS_KEEP) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('finishes every chat after kills inside tasks and activities', async () => {
    if (!store) throw new Error('no store');
    const changes = new RoutingChanges(store, createTemporalRouter(client, TASK_QUEUE), () => undefined);
    const desk = new ClientDesk(client, store, changes, TASK_QUEUE, config.lifecycle);
    workload = new Workload(
      desk,
      {
        conversations: CONVERSATIONS,
        startEveryMs: 1_500,
        maxLive: 14,
        queues: scenario.queues,
        agents: scenario.agents,
        requirements: scenario.requirements,
        seed: SEED,
        tickMs: 500,
      },
      ledger,
    );
    monitor = new StoreMonitor(store);
    monitor.start();

    const t0 = Date.now();
    const chaosUntil = t0 + CHAOS_MS;
    const running = workload.run(chaosUntil + FINISH_MS);
    await chaos(chaosUntil);
    // The budget is spent: one worker left alone, and everyone finishes their chats.
    const chaosEnded = Date.now();
    current = startWorker(null);
    await current.ready;
    workload.finish();
    await running;
    await monitor.stop();
    const phases = `  phases: chaos ${((chaosEnded - t0) / 1000).toFixed(0)} s, finishing ${((Date.now() - chaosEnded) / 1000).toFixed(0)} s`;

    // Closed both in what people see (the read model) and in what the workflow holds.
    const states = await desk.states();
    const ids = [...workload.started.values()];
    const held = await Promise.all(ids.map((id) => snapshotOf(id)));
    snapshots = held.filter((s): s is ConversationSnapshot => s !== null);
    const notClosed = ids.filter((id, i) => states.get(id) !== ConversationState.Closed || held[i]?.state !== ConversationState.Closed);
    const unfinished = await Promise.all(notClosed.map((id) => describeChat(id)));
    const kills = incarnations.map((i) => (typeof i.end === 'string' ? i.end : `${i.end.point}`));
    report.push(
      `kill-inside-a-task harness (seed ${SEED}): ${incarnations.length} kills: ${summarize(kills)}`,
      `  inside workflow tasks (after the activation, before the task was reported): ${kills.filter((k) => k === KillPoint.Task).length}; ` +
        `after a store commit inside an activity: ${kills.filter((k) => k === KillPoint.Commit).length}; at a random moment: ${kills.filter((k) => k === 'killed').length}`,
      `  activations cut off: ${summarize(
        selfKills()
          .filter((k) => k.point === KillPoint.Task)
          .map((k) => `${k.workflowType}[${k.jobs?.join('+')} -> ${k.commands?.join('+') || 'nothing'}]`),
      )}`,
      `  chats: ${workload.started.size} started, ${workload.failedStarts} failed to start, ${notClosed.length} not Closed`,
      phases,
      ...unfinished.map((line) => `  not Closed: ${line}`),
    );
    expect(incarnations.filter((i) => typeof i.end === 'string' && i.end.startsWith('exited'))).toEqual([]);
    expect(incarnations.some((i) => typeof i.end === 'object' && i.end.point === KillPoint.Task)).toBe(true);
    expect(workload.failedStarts).toBe(0);
    expect(notClosed).toEqual([]);
  }, 300_000);

  it('keeps capacity exact, applies every acknowledged operation once, and shows offers in time', async () => {
    if (!store) throw new Error('no store');
    const ids = [...workload.started.values()];
    const findings = ledger.findings(snapshots);
    const handoff = offerHandoffs(await allEvents(store), monitor.reservedAt);
    const overdue = monitor.overdueBeyond(10_000);
    report.push(
      `  operations: ${ledger.sent.length} sent; answers ${JSON.stringify(findings.answers)}`,
      `  applied twice: ${findings.appliedTwice.length}; acknowledged but not applied: ${findings.lost.length}; ` +
        `keyed retries refused after the first attempt applied: ${findings.retryRefusedAfterApplied.length}`,
      `  offers: ${handoff.offers} shown; hand-off delay (reservation -> workflow applied it) over ${handoff.measured.length} measured: ` +
        `p50 ${handoff.p50Ms} ms, p99 ${handoff.p99Ms} ms, worst ${handoff.worst?.delayMs ?? 'n/a'} ms (target <= 2000 ms, not asserted here)`,
      `  offers seen standing over 10 s past expiry: ${overdue.length}${overdue.length ? ` (worst ${overdue[0]?.overdueMs} ms)` : ''}`,
    );
    expect(snapshots.length).toBe(ids.length);
    expect(await invariantViolations(store, snapshots)).toEqual([]);
    expect(await store.listReservations()).toEqual([]);
    expect([...monitor.overCapacity.values()]).toEqual([]);
    expect(findings.appliedTwice).toEqual([]);
    expect(findings.lost).toEqual([]);
  }, 120_000);

  it('leaves no workflow failing its tasks', async () => {
    const ids = await workflowIds(
      client,
      [...workload.started.values()].map((id) => `conversation-${id}`),
    );
    healths = await workflowHealth(client, ids, failures);
    const failing = healths.filter((h) => h.failing !== null).map((h) => `${h.workflowId}: ${h.failing}`);
    report.push(
      `  workflows: ${healths.length}; tasks timed out (cut off by a kill): ${sum(healths.map((h) => h.tasksTimedOut))}, ` +
        `tasks failed: ${sum(healths.map((h) => h.tasksFailed))}; failing now: ${failing.length}`,
      ...failing.map((f) => `    ${f}`),
    );
    expect(healths.some((h) => h.workflowType === 'queueDispatcherWorkflow')).toBe(true);
    expect(failing).toEqual([]);
  }, 120_000);

  it('replays every history on the current workflow code with no cache', async () => {
    const findings: ReplayFinding[] = await replayAll(await workflowBundle(), healths);
    report.push(
      `  histories replayed: ${healths.length}; diverging: ${findings.length}`,
      ...findings.map((f) => `    ${f.workflowId}: ${f.error}`),
    );
    expect(findings).toEqual([]);
  }, 180_000);
});

function summarize(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} x${n}`).join(', ') || 'none';
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
