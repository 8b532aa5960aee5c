import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/test-worker';

// Every recorded history (test/fixtures/histories, recursively: the legacy fixtures, the corpus
// of today's tests, the frozen corpora of earlier releases such as corpus-216c9e2) must replay
// on the current workflow code. A history from a release still running in production that no
// longer replays means those workflows would fail their next task after a deploy: guard the
// change with patched(). How to record: docs/replay-corpus.md.

const ROOT = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * Recorded by the local-activity defect no workflow code can replay (docs/known-defects.md);
 * test/tools/replay.test.ts checks what the replay tool says of them and that their reset point is clean.
 */
const UNREPLAYABLE = new Set(['evidence/4bcbcb65.binpb', 'evidence/daf1b40c.binpb'].map((f) => f.split('/').join(path.sep)));

/** Every .binpb under `dir`, as paths relative to ROOT, sorted. */
function histories(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return histories(full);
      return entry.name.endsWith('.binpb') ? [path.relative(ROOT, full)] : [];
    })
    .sort();
}

/** The failure and its causes in one line each, as the replayer reported them. */
function explain(error: unknown): string {
  const lines: string[] = [];
  for (let e = error; e && lines.length < 5; e = (e as { cause?: unknown }).cause) {
    lines.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return lines.join('\n  caused by ');
}

const files = histories(ROOT).filter((file) => !UNREPLAYABLE.has(file));
/** File -> undefined when it replayed, else why not. */
const outcomes = new Map<string, string | undefined>();

beforeAll(async () => {
  // One replay worker and one bundle for the whole corpus: a worker per history would cost seconds each.
  const bundle = await workflowBundle();
  const input = files.map((file) => ({
    workflowId: file,
    history: temporal.api.history.v1.History.decode(readFileSync(path.join(ROOT, file))),
  }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, input)) {
    outcomes.set(result.workflowId, result.error ? explain(result.error) : undefined);
  }
}, 600_000);

describe('the replay corpus', () => {
  it('has the current corpus recorded from several test files, and the frozen ones it keeps', () => {
    const folders = (corpus: string) => new Set(files.filter((f) => f.startsWith(`${corpus}${path.sep}`)).map((f) => path.dirname(f)));
    expect(folders('corpus').size).toBeGreaterThan(3);
    // A frozen corpus keeps the workflows of a release whose code changed since (a part of corpus/ at that commit).
    expect(folders('corpus-216c9e2').size).toBeGreaterThan(3);
    expect(folders('corpus-9f49c57').size).toBeGreaterThan(3);
    expect(folders('corpus-1a9c777')).toEqual(
      new Set([path.join('corpus-1a9c777', 'workflows', 'continue-as-new'), path.join('corpus-1a9c777', 'workflows', 'dispatch')]),
    );
  });

  it.each(files)('replays %s deterministically on the current workflow code', (file) => {
    expect(outcomes.has(file)).toBe(true);
    const failure = outcomes.get(file);
    if (failure !== undefined) throw new Error(`${file} does not replay:\n  ${failure}`);
  });
});
