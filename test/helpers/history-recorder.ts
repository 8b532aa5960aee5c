import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkflowBundle } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { History } from './history-shape';
import { historyShape, trivial } from './history-shape';
import type { WorkflowTracker } from './workflow-tracker';

const REPO_ROOT = path.join(__dirname, '..', '..');
/** Where recorded histories go unless RECORD_HISTORIES_DIR names another folder (relative to the repository). */
export const DEFAULT_CORPUS_DIR = path.join('test', 'fixtures', 'histories', 'corpus');
/** At most this many histories are kept per test file (the smallest of each shape, in first-seen order)... */
export const MAX_HISTORIES_PER_FILE = 40;
/** ...and at most this many bytes of them (the randomised invariants test finds a new shape in almost every conversation). */
export const MAX_BYTES_PER_FILE = 128 * 1024;
/** A history bigger than this is left out: a shape that only a long history shows is not worth a fixture's weight. */
export const MAX_HISTORY_BYTES = 64 * 1024;

/** Whether this run records histories into the corpus (RECORD_HISTORIES=1). */
export function recordingHistories(): boolean {
  return process.env.RECORD_HISTORIES === '1';
}

/** Histories are kept as binary protobuf: exact, compact, and free of JSON-mapping differences between SDK versions. */
export function encodeHistory(history: History): Uint8Array {
  return temporal.api.history.v1.History.encode(history).finish();
}

/** Every run of a workflow, oldest first (the latest run names the one it continued, and so on back). */
async function fetchRuns(client: Client, workflowId: string): Promise<History[]> {
  const runs: History[] = [];
  let runId: string | undefined;
  for (let hops = 0; hops < 20; hops++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) break;
  }
  return runs;
}

/** `describe it` as a file name: lower case, words joined by dashes, at most 80 characters. */
export function fileNameOf(testName: string): string {
  const words = testName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (words.length > 80 ? words.slice(0, 80).replace(/-[^-]*$/, '') : words) || 'test';
}

/** One test file's corpus folder: the test's path under test/ without `.test.ts` (test/workflows/offers.test.ts -> workflows/offers). */
function corpusFolder(testPath: string): string {
  const root = path.resolve(REPO_ROOT, process.env.RECORD_HISTORIES_DIR ?? DEFAULT_CORPUS_DIR);
  const relative = path.relative(path.join(REPO_ROOT, 'test'), testPath).replace(/\.test\.ts$/, '');
  return path.join(root, relative);
}

/** One history of the corpus, as its folder's index.json lists it. */
interface IndexEntry {
  file: string;
  workflowType: string;
  events: number;
  bytes: number;
  /** Every test that produced a history of this shape: what this one history stands for. */
  standsFor: string[];
}

/** A history of a new shape that was not kept, and why. */
interface LeftOut {
  test: string;
  workflowType: string;
  events: number;
  bytes: number;
  why: string;
}

/** What one test file has written so far (a file may run several harnesses). */
interface FileCorpus {
  folder: string;
  /** Shape -> its entry. */
  shapes: Map<string, IndexEntry>;
  perName: Map<string, number>;
  bytes: number;
  leftOut: LeftOut[];
}
let fileCorpus: FileCorpus | undefined;

/** This test file's corpus folder, emptied on first use so that a re-recording leaves nothing stale behind. */
function openFileCorpus(): FileCorpus {
  const folder = corpusFolder(expect.getState().testPath ?? 'unknown.test.ts');
  if (fileCorpus?.folder !== folder) {
    rmSync(folder, { recursive: true, force: true });
    fileCorpus = { folder, shapes: new Map(), perName: new Map(), bytes: 0, leftOut: [] };
  }
  return fileCorpus;
}

const workflowTypeOf = (history: History): string =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';

/** Every run of a workflow a test touched, oldest first. */
interface TrackedHistories {
  workflowId: string;
  /** The test that touched it first. */
  test: string;
  runs: History[];
}

/** The histories of every workflow `tracker` saw (one that was never started is left out). */
async function fetchTracked(client: Client, tracker: WorkflowTracker): Promise<TrackedHistories[]> {
  const out: TrackedHistories[] = [];
  for (const [workflowId, test] of tracker.touched) {
    try {
      out.push({ workflowId, test, runs: await fetchRuns(client, workflowId) });
    } catch {
      // Touched but never started (a signal to a workflow that was not there).
    }
  }
  return out;
}

/**
 * Writes the histories into this test file's corpus folder as `<test name>-<n>.binpb`:
 * one history per shape (the smallest), none trivial or oversized, at most
 * MAX_HISTORIES_PER_FILE and MAX_BYTES_PER_FILE per file; and index.json, which says
 * what each history stands for and which shapes were left out.
 */
function writeCorpus(tracked: TrackedHistories[]): void {
  const corpus = openFileCorpus();
  const candidates = new Map<string, { test: string; history: History; bytes: Uint8Array; tests: Set<string> }>();
  for (const { test, runs } of tracked) {
    for (const history of runs) {
      if (trivial(history)) continue;
      const shape = historyShape(history);
      const written = corpus.shapes.get(shape);
      if (written) {
        if (!written.standsFor.includes(test)) written.standsFor.push(test);
        continue;
      }
      const bytes = encodeHistory(history);
      const seen = candidates.get(shape);
      const tests = seen?.tests ?? new Set<string>();
      tests.add(test);
      if (!seen || bytes.length < seen.bytes.length) candidates.set(shape, { test, history, bytes, tests });
    }
  }
  mkdirSync(corpus.folder, { recursive: true });
  for (const [shape, { test, history, bytes, tests }] of candidates) {
    const facts = { workflowType: workflowTypeOf(history), events: history.events?.length ?? 0, bytes: bytes.length };
    const why =
      bytes.length > MAX_HISTORY_BYTES
        ? `over ${MAX_HISTORY_BYTES} bytes`
        : corpus.shapes.size >= MAX_HISTORIES_PER_FILE
          ? `over ${MAX_HISTORIES_PER_FILE} histories for the file`
          : corpus.bytes + bytes.length > MAX_BYTES_PER_FILE
            ? `over ${MAX_BYTES_PER_FILE} bytes for the file`
            : null;
    if (why) {
      corpus.leftOut.push({ test, ...facts, why });
      continue;
    }
    const name = fileNameOf(test);
    const n = (corpus.perName.get(name) ?? 0) + 1;
    corpus.perName.set(name, n);
    const file = `${name}-${n}.binpb`;
    corpus.shapes.set(shape, { file, ...facts, standsFor: [...tests] });
    corpus.bytes += bytes.length;
    writeFileSync(path.join(corpus.folder, file), bytes);
  }
  const index = { histories: [...corpus.shapes.values()], leftOut: corpus.leftOut };
  writeFileSync(path.join(corpus.folder, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
}

/**
 * Replays every history in `tracked` on the workflow bundle (one replay worker); answers
 * a line per history that does not replay, and keeps each such history in the system's
 * temporary folder for a closer look.
 */
async function replayTracked(tracked: TrackedHistories[], bundle: WorkflowBundle): Promise<string[]> {
  const byKey = new Map<string, { workflowId: string; test: string; run: number; history: History }>();
  for (const { workflowId, test, runs } of tracked) {
    runs.forEach((history, run) => byKey.set(`${workflowId}#${run + 1}`, { workflowId, test, run: run + 1, history }));
  }
  const input = [...byKey].map(([key, { history }]) => ({ workflowId: key, history }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, input)) {
    const failed = result.error && byKey.get(result.workflowId);
    if (!failed || !result.error) continue;
    const kept = path.join(tmpdir(), 'convoflow-replay-failures', `${fileNameOf(failed.workflowId)}-run${failed.run}.binpb`);
    mkdirSync(path.dirname(kept), { recursive: true });
    writeFileSync(kept, encodeHistory(failed.history));
    const cause = (result.error as { cause?: unknown }).cause;
    failures.push(
      `${failed.workflowId} (run ${failed.run}, first touched by "${failed.test}"): ${result.error.message}` +
        `${cause instanceof Error ? ` (${cause.message})` : ''}; history kept at ${kept}`,
    );
  }
  return failures;
}

/**
 * At the end of a test file: replays the history of every workflow `tracker` saw on
 * the current workflow code (a workflow that does not replay fails the file, even when
 * its test passed), and with RECORD_HISTORIES=1 writes them into the file's corpus
 * folder. Call it before the environment is torn down.
 */
export async function checkAndRecordHistories(client: Client, tracker: WorkflowTracker, bundle: WorkflowBundle): Promise<void> {
  const tracked = await fetchTracked(client, tracker);
  const failures = await replayTracked(tracked, bundle);
  if (failures.length) {
    throw new Error(`${failures.length} workflow histories of this file do not replay on the current code:\n${failures.join('\n')}`);
  }
  if (recordingHistories()) writeCorpus(tracked);
}
