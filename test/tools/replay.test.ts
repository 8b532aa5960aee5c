import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { eventIdOf, HistoryIndex, isType } from '../../src/replay/history-events';
import { historyFromJson, HistoryJsonError } from '../../src/replay/history-json';
import type { LoadedHistory } from '../../src/replay/history-source';
import { readHistoryFile } from '../../src/replay/history-source';
import type { FailReport, HistoryReport, ReplayReport } from '../../src/replay/report';
import { replayError, replayHistory } from '../../src/replay/replay-history';
import { resetEffects } from '../../src/replay/reset-effects';
import { historyKeptByReset } from '../../src/replay/reset-point';
import { bundleWorkflows } from '../../src/replay/workflow-bundle';
import { parseReplayArgs, REPLAY_USAGE } from '../../src/tools/replay-args';
import { runReplay } from '../../src/tools/replay';
import { advanceSignal } from '../fixtures/replay-workflows/drifting-workflow';
import type { driftingWorkflow } from '../fixtures/replay-workflows/recorded';
import { createDevServerEnv } from '../helpers/temporal-env';

const History = temporal.api.history.v1.History;
const EventType = temporal.api.enums.v1.EventType;
const HISTORIES = path.join(__dirname, '..', 'fixtures', 'histories');
const EVIDENCE = path.join(HISTORIES, 'evidence');
const DRIFTING = path.join(__dirname, '..', 'fixtures', 'replay-workflows');

let runtimeInstalled = false;

/**
 * Installs the SDK runtime before the first worker or connection (installed at import, it would keep
 * a run of only the reading tests from exiting). Core's warnings about the failing workflow tasks
 * these replays provoke on purpose would bury the test output.
 */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
}

const bytes = (history: temporal.api.history.v1.IHistory): Buffer => Buffer.from(History.encode(history).finish());
const evidenceJson = (id: string): unknown => JSON.parse(readFileSync(path.join(EVIDENCE, `${id}.json`), 'utf8'));

/** Captures what runReplay writes. */
function capture(): { io: { out(text: string): void; err(text: string): void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (t) => void (out += t), err: (t) => void (err += t) }, out: () => out, err: () => err };
}

function expectFail(report: HistoryReport): FailReport {
  expect(report.status).toBe('FAIL');
  return report as FailReport;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reading history files', () => {
  const ids = ['1a1021a1', '4bcbcb65', 'a7f81a4a', 'daf1b40c'];

  it.each(ids)('reads %s.json (temporal workflow show --output json) as the same history as its .binpb', (id) => {
    const fromJson = readHistoryFile(path.join(EVIDENCE, `${id}.json`));
    expect(bytes(fromJson.history)).toEqual(readFileSync(path.join(EVIDENCE, `${id}.binpb`)));
    expect(fromJson.workflowId).toMatch(new RegExp(`^conversation-${id}`));
  });

  it('reads a Web UI export (short enum names, version 0, null fields) as the same history', () => {
    const ui = readHistoryFile(path.join(EVIDENCE, '4bcbcb65.ui-export.json'));
    expect(bytes(ui.history)).toEqual(readFileSync(path.join(EVIDENCE, '4bcbcb65.binpb')));
  });

  it('reads a bare events array, an API response and int64s written as numbers', () => {
    const { events } = evidenceJson('4bcbcb65') as { events: Array<Record<string, unknown>> };
    const expected = readFileSync(path.join(EVIDENCE, '4bcbcb65.binpb'));
    const numeric = events.map((e) => ({ ...e, eventId: Number(e.eventId), taskId: Number(e.taskId) }));
    expect(bytes(historyFromJson(events))).toEqual(expected);
    expect(bytes(historyFromJson({ history: { events } }))).toEqual(expected);
    expect(bytes(historyFromJson({ events: numeric }))).toEqual(expected);
  });

  it('refuses an export whose payloads the UI decoded, naming the event', () => {
    const json = evidenceJson('4bcbcb65') as {
      events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: unknown[] } } }>;
    };
    const started = json.events[0]?.workflowExecutionStartedEventAttributes;
    if (started === undefined) throw new Error('fixture changed: event 1 is not the start');
    started.input.payloads = [{ metadata: { encoding: 'json/plain' }, data: { start: { conversationId: 'x' } } }];
    expect(() => historyFromJson(json)).toThrow(HistoryJsonError);
    expect(() => historyFromJson(json)).toThrow(/event 1\..*decoded/);
  });

  it('refuses an event type it does not know instead of dropping it', () => {
    expect(() =>
      historyFromJson({ events: [{ eventId: '1', eventType: 'WorkflowDanced', workflowExecutionStartedEventAttributes: {} }] }),
    ).toThrow(/event 1\.eventType: "WorkflowDanced" is not a EventType/);
  });
});

describe('what a reset does after its point', () => {
  const { history } = readHistoryFile(path.join(EVIDENCE, '4bcbcb65.binpb'));
  const index = new HistoryIndex(history);

  it('names the updates it reapplies and those whose answers it drops', () => {
    expect(resetEffects(history, index, 25)).toEqual({
      reappliedSignals: [],
      reappliedUpdates: ['pick'],
      answeredUpdates: ['accept', 'pick'],
      droppedLocalActivities: [],
      droppedActivities: [],
    });
  });

  it('names the signals it reapplies and the local activities whose results it drops', () => {
    expect(resetEffects(history, index, 3)).toEqual({
      reappliedSignals: ['offer'],
      reappliedUpdates: ['sync', 'accept', 'pick'],
      answeredUpdates: ['sync', 'accept', 'pick'],
      droppedLocalActivities: ['applyConversation', 'applyConversation', 'applyConversation'],
      droppedActivities: [],
    });
  });
});

describe('a history recorded before the workflow code changed', () => {
  let env: TestWorkflowEnvironment;
  let recordedBundle: WorkflowBundleWithSourceMap;
  let changedBundle: WorkflowBundleWithSourceMap;
  let recorded: LoadedHistory;
  let failure: FailReport;
  let resetRunId: string | undefined;
  const taskQueue = `replay-${randomUUID()}`;
  const workflowId = `drifting-${randomUUID()}`;
  let scratch: string;

  const timerStarts = (history: temporal.api.history.v1.IHistory) =>
    (history.events ?? []).filter((e) => isType(e, EventType.EVENT_TYPE_TIMER_STARTED));
  const completedTasks = (history: temporal.api.history.v1.IHistory) =>
    (history.events ?? []).filter((e) => isType(e, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)).map(eventIdOf);

  beforeAll(async () => {
    quietRuntime();
    scratch = mkdtempSync(path.join(tmpdir(), 'replay-test-'));
    [env, recordedBundle, changedBundle] = await Promise.all([
      createDevServerEnv(),
      bundleWorkflows(path.join(DRIFTING, 'recorded.ts')),
      bundleWorkflows(path.join(DRIFTING, 'changed.ts')),
    ]);
    // Run the recorded version: two timers, each after an `advance` signal.
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: recordedBundle });
    recorded = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start<typeof driftingWorkflow>('driftingWorkflow', { taskQueue, workflowId });
      await handle.signal(advanceSignal);
      await until(async () => timerStarts(await handle.fetchHistory()).length === 2);
      await handle.signal(advanceSignal);
      expect(await handle.result()).toBe(2);
      const runId = (await handle.describe()).runId;
      return { source: 'recorded', history: await handle.fetchHistory(), workflowId, runId };
    });
    failure = expectFail(await replayHistory(changedBundle, recorded));
  });

  afterAll(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await env?.teardown();
  });

  it('replays cleanly on the code that recorded it', async () => {
    const report = await replayHistory(recordedBundle, recorded);
    expect(report).toMatchObject({
      status: 'OK',
      workflowId,
      workflowType: 'driftingWorkflow',
      eventCount: recorded.history.events?.length,
    });
  });

  it('fails on the changed code at the timer the memo replaced, with the events around it', () => {
    const secondTimer = timerStarts(recorded.history)[1];
    expect(failure.failure.kind).toBe('nondeterminism');
    expect(failure.failure.message).toMatch(/^Nondeterminism error: /);
    expect(failure.failure.event).toEqual({ id: eventIdOf(secondTimer ?? {}), type: 'TimerStarted', detail: 'timer 2' });
    const ids = failure.failure.context.map((e) => e.id);
    expect(ids).toContain(failure.failure.event?.id);
    expect(ids.length).toBeGreaterThan(1);
    expect(ids.length).toBeLessThanOrEqual(7);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('proposes the latest task whose kept history replays cleanly, and says what the reset redoes', async () => {
    const reset = failure.failure.resetPoint;
    if (reset === null) throw new Error('no reset point proposed');
    const candidates = completedTasks(recorded.history);
    expect(candidates).toContain(reset.eventId);
    expect(reset.keptThroughEventId).toBe(reset.eventId - 1);
    expect(await replayError(changedBundle, historyKeptByReset(recorded.history, reset.eventId), workflowId)).toBeNull();
    const later = candidates.find((id) => id > reset.eventId);
    if (later !== undefined)
      expect(await replayError(changedBundle, historyKeptByReset(recorded.history, later), workflowId)).not.toBeNull();
    const reason = `'npm run replay: nondeterminism at event ${failure.failure.event?.id} (TimerStarted)'`;
    expect(reset.command).toBe(
      `temporal workflow reset --workflow-id ${workflowId} --run-id ${recorded.runId} --event-id ${reset.eventId} --reason ${reason}`,
    );
    expect(reset.effects).toEqual({
      reappliedSignals: ['advance'],
      reappliedUpdates: [],
      answeredUpdates: [],
      droppedLocalActivities: [],
      droppedActivities: [],
    });
  });

  it('resetting to that point lets the changed code finish the workflow, with the later signal reapplied', async () => {
    const reset = failure.failure.resetPoint;
    if (reset === null) throw new Error('no reset point proposed');
    const response = await env.client.workflowService.resetWorkflowExecution(
      temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest.fromObject({
        namespace: env.namespace ?? 'default',
        workflowExecution: { workflowId, runId: recorded.runId },
        workflowTaskFinishEventId: reset.eventId,
        reason: 'replay test',
        requestId: randomUUID(),
      }),
    );
    resetRunId = response.runId;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: changedBundle });
    const handle = env.client.workflow.getHandle<typeof driftingWorkflow>(workflowId, resetRunId);
    expect(await worker.runUntil(handle.result())).toBe(2);
    const after = await handle.fetchHistory();
    // The new run keeps the events before the point and fails the task that was started there.
    expect(after.events?.find((e) => eventIdOf(e) === reset.eventId)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(after.events?.filter((e) => eventIdOf(e) < reset.eventId).map((e) => e.eventType)).toEqual(
      recorded.history.events?.filter((e) => eventIdOf(e) < reset.eventId).map((e) => e.eventType),
    );
    expect(await replayHistory(changedBundle, { source: 'after reset', history: after, workflowId, runId: resetRunId })).toMatchObject({
      status: 'OK',
    });
  });

  it('replays live workflows by id from the command line, as JSON (the run before the reset, then the latest)', async () => {
    if (resetRunId === undefined) throw new Error('needs the run the reset test starts');
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = env.address;
    const out = capture();
    try {
      const code = await runReplay(
        [
          '--json',
          '--workflows',
          path.join(DRIFTING, 'changed.ts'),
          '--workflow-id',
          workflowId,
          '--run-id',
          recorded.runId ?? '',
          '--workflow-id',
          workflowId,
        ],
        out.io,
      );
      expect(code).toBe(1);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }
    const report = JSON.parse(out.out()) as ReplayReport;
    expect(report.ok).toBe(false);
    expect(report.histories.map((h) => [h.status, h.runId])).toEqual([
      ['FAIL', recorded.runId],
      ['OK', resetRunId],
    ]);
    expect(expectFail(report.histories[0] as HistoryReport).failure).toEqual(failure.failure);
  });

  it('replays files from the command line and prints the report as text', async () => {
    const binary = path.join(scratch, 'recorded.binpb');
    writeFileSync(binary, bytes(recorded.history));
    const out = capture();
    const code = await runReplay([binary, path.join(scratch, 'missing.json'), '--workflows', path.join(DRIFTING, 'changed.ts')], out.io);
    expect(code).toBe(1);
    const text = out.out();
    const reset = failure.failure.resetPoint;
    expect(text).toContain(`FAIL  ${binary}`);
    expect(text).toContain(`diverged at event ${failure.failure.event?.id} TimerStarted: timer 2`);
    expect(text).toContain(`last clean reset point: event ${reset?.eventId} (WorkflowTaskCompleted)`);
    // A file does not say which run it holds: the command resets the workflow's current run.
    expect(text).toContain(`temporal workflow reset --workflow-id ${workflowId} --event-id ${reset?.eventId} --reason `);
    expect(text).toContain('the reset reapplies 1 signal: advance');
    expect(text).toMatch(/ERROR .*missing\.json: ENOENT/);
    expect(text).toContain('0 of 2 histories replayed cleanly.');
  });
});

/**
 * The four recorded failures (test/fixtures/histories/evidence/README.md), replayed on the workflow
 * code of this checkout. When a change to the workflows makes one of them replay cleanly, set its
 * row to `{ status: 'OK' }`; when it moves the divergence, update the event ids.
 */
type EvidenceRow = { status: 'OK' } | { status: 'FAIL'; message: RegExp; eventId: number; eventType: string; resetEventId: number };
const EVIDENCE_ON_THIS_CODE: Record<string, EvidenceRow> = {
  // Since timer operations apply by the deadline they were started for, not by the clock: clean.
  '1a1021a1': { status: 'OK' },
  a7f81a4a: { status: 'OK' },
  // Written by the local-activity defect no workflow code can replay (docs/known-defects.md): reset them.
  '4bcbcb65': {
    status: 'FAIL',
    message: /HistoryEvent\(id: 27, WorkflowExecutionUpdateAccepted\)/,
    eventId: 27,
    eventType: 'WorkflowExecutionUpdateAccepted',
    resetEventId: 26,
  },
  daf1b40c: {
    status: 'FAIL',
    message: /HistoryEvent\(id: 39, WorkflowExecutionUpdateAccepted\)/,
    eventId: 39,
    eventType: 'WorkflowExecutionUpdateAccepted',
    resetEventId: 38,
  },
};

describe('the recorded histories on the workflow code of this checkout', () => {
  let bundle: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    quietRuntime();
    bundle = await bundleWorkflows();
  });

  it('replays a committed clean history as OK', async () => {
    const report = await replayHistory(bundle, readHistoryFile(path.join(HISTORIES, 'signals-full-lifecycle.binpb')));
    expect(report).toMatchObject({ status: 'OK', workflowType: 'conversationWorkflow' });
  });

  it.each(Object.entries(EVIDENCE_ON_THIS_CODE))('replays evidence %s as its row says', async (id, row) => {
    const loaded = readHistoryFile(path.join(EVIDENCE, `${id}.binpb`));
    const report = await replayHistory(bundle, loaded);
    if (row.status === 'OK') {
      expect(report.status).toBe('OK');
      return;
    }
    const { failure } = expectFail(report);
    expect(failure.message).toMatch(row.message);
    expect(failure.event).toMatchObject({ id: row.eventId, type: row.eventType });
    expect(failure.resetPoint?.eventId).toBe(row.resetEventId);
    expect(failure.resetPoint?.command).toContain(`--workflow-id ${loaded.workflowId} --event-id ${row.resetEventId} `);
    expect(await replayError(bundle, historyKeptByReset(loaded.history, row.resetEventId), loaded.workflowId ?? id)).toBeNull();
  });
});

describe('the command line', () => {
  it.each([
    [
      ['a.json', 'b.binpb'],
      [
        { kind: 'file', path: 'a.json' },
        { kind: 'file', path: 'b.binpb' },
      ],
    ],
    [
      ['--workflow-id', 'w1', '--run-id', 'r1', '--workflow-id', 'w2', 'c.json'],
      [
        { kind: 'workflow', workflowId: 'w1', runId: 'r1' },
        { kind: 'workflow', workflowId: 'w2', runId: null },
        { kind: 'file', path: 'c.json' },
      ],
    ],
  ])('parses %j', (argv, sources) => {
    expect(parseReplayArgs(argv)).toEqual({ kind: 'run', options: { sources, json: false, workflowsPath: null } });
  });

  it.each([
    [[], 'name at least one history file or --workflow-id'],
    [['--run-id', 'r1', 'a.json'], '--run-id must follow a --workflow-id'],
    [['--workflow-id'], '--workflow-id needs an id'],
    [['--verbose', 'a.json'], 'unknown option --verbose'],
  ])('refuses %j with a usage line and exit code 2', async (argv, problem) => {
    const out = capture();
    expect(await runReplay(argv, out.io)).toBe(2);
    expect(out.err()).toBe(`${problem}\n${REPLAY_USAGE}\n`);
    expect(out.out()).toBe('');
  });

  it('prints the usage on --help', async () => {
    const out = capture();
    expect(await runReplay(['--help'], out.io)).toBe(0);
    expect(out.out()).toBe(`${REPLAY_USAGE}\n`);
  });
});
