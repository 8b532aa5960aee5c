/**
 * `npm run bench`: convoflow's benchmark suite on the embedded default stack
 * (its own Temporal dev server on 127.0.0.1:7400/8400, SQLite store and worker
 * in a temporary directory, all in this process like `npm start`). Prints
 * figures beside their targets, never asserts. Scenarios, in order:
 *   1. assignment latency, one conversation at a time (200);
 *   2. the same with 100 vs 10,000 conversations queued in other queues;
 *   3. store matching alone (the dispatcher's path): 10,000 agents, 50,000
 *      queued, 100 queues;
 *   4. worker memory with 50,000 open conversations, replay after eviction;
 *   5. end-to-end assignments per minute (2,000 workflows, 10,000 agents,
 *      50,000 waiting elsewhere) and CPU per assignment;
 *   5s. the same with skills (each conversation needs one of 10 languages at
 *      proficiency 5+, which 6 of its queue's 100 agents meet), against 5;
 *   6. lifecycle throughput vs a bare workflow (400 each, 20 in flight),
 *      history events and workflow tasks per lifecycle;
 *   7. fairness under load;
 *   8. queue positions at depth;
 *   9. reads: 1,000 from the workflow vs 1,000 from the store, CPU and latency.
 * BENCH_MODE=split runs the split deployment instead (bench/split/run-split.ts);
 * BENCH_MODE=cluster runs it on the dev server, then on a Temporal cluster
 * (src/temporal/cluster.ts), and prints the cluster's figures beside the dev server's.
 * Knobs (see bench/knobs.ts and bench/README.md): BENCH_SCALE=small for a quick
 * run, BENCH_CAP_MS (hard cap per scenario, default 180000), per-knob overrides,
 * BENCH_QUIET_WAIT_MS (default 60000: each scenario first waits this long at
 * most for other processes to go quiet), BENCH_TEMPORAL_PORT / BENCH_UI_PORT,
 * BENCH_ONLY=1,2,3,4,5,5s,6,7,8,9 and BENCH_KEEP=1 (keep the temporary directory).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { provisionedCliPath } from '../src/temporal/executables';
import type { BenchEnv } from './env';
import { loadConfig } from '../src/config';
import { cpuBetween, describeCpu, sampleCpu, startBenchEnv, waitForQuiet, workerTuningEnv } from './env';
import type { SplitTemporal } from './split/run-split';
import { besideDevServer, runSplit } from './split/run-split';
import type { Knobs } from './knobs';
import { describeKnobs, readKnobs } from './knobs';
import type { ScenarioResult } from './report';
import { e2eAssignScenario, e2eSkillsScenario } from './scenarios/e2e-assign';
import { depthScenario, latencyScenario, seedLatencyQueue } from './scenarios/latency';
import { fairnessScenario } from './scenarios/fairness';
import { lifecycleScenario } from './scenarios/lifecycle';
import { queuePositionsScenario } from './scenarios/queue-positions';
import { readsScenario } from './scenarios/reads';
import { memoryScenario } from './scenarios/memory';
import { storeDispatchScenario } from './scenarios/store-dispatch';
import type { Row } from './stats';
import { table } from './stats';

type Scenario = { id: string; title: string; run: (env: BenchEnv, k: Knobs) => Promise<ScenarioResult> };

const SCENARIOS: Scenario[] = [
  { id: '1', title: 'assignment latency', run: latencyScenario },
  { id: '2', title: 'latency vs depth of other queues', run: depthScenario },
  { id: '3', title: 'store matching alone', run: storeDispatchScenario },
  { id: '4', title: 'worker memory with many open conversations', run: memoryScenario },
  { id: '5', title: 'end-to-end assignments per minute', run: e2eAssignScenario },
  { id: '5s', title: 'end-to-end assignments per minute with skills', run: e2eSkillsScenario },
  { id: '6', title: 'lifecycle vs bare workflow', run: lifecycleScenario },
  { id: '7', title: 'fairness under load', run: fairnessScenario },
  { id: '8', title: 'queue positions at depth', run: queuePositionsScenario },
  { id: '9', title: 'reads from the store vs the workflow', run: readsScenario },
];

function log(line: string): void {
  console.log(line);
}

function output(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** The commit measured, and how many files outside bench/ differ from it (others edit the tree concurrently). */
function sourceState(): string {
  const changed = output('git', ['status', '--porcelain', '--', '.', ':!bench']).split('\n').filter(Boolean).length;
  return `${output('git', ['rev-parse', '--short', 'HEAD'])}${changed ? ` + ${changed} uncommitted file(s) outside bench/` : ''}`;
}

function header(k: Knobs, mode: string): void {
  const cpu = cpus();
  log(`# convoflow benchmark — ${new Date().toISOString()}`);
  log(
    `machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform} ${process.arch}`,
  );
  const cli = process.env.TEMPORAL_CLI_PATH || provisionedCliPath();
  const store = mode === 'embedded' ? 'embedded SQLite' : 'PostgreSQL (split deployment)';
  log(`node ${process.version}; ${output(cli, ['--version'])} (${cli}); store: ${store}; source: ${sourceState()}`);
  const w = loadConfig(workerTuningEnv()).worker;
  log(
    `worker: maxCachedWorkflows ${w.maxCachedWorkflows}, maxConcurrentWorkflowTaskExecutions ${w.maxConcurrentWorkflowTasks}, maxConcurrentActivityTaskExecutions ${w.maxConcurrentActivities}, stickyQueueScheduleToStartTimeout ${w.stickyTimeoutMs} ms, reuseV8Context ${w.reuseV8Context}; mode: ${mode}`,
  );
  log(`scale: ${k.scale} (${describeKnobs(k)})`);
  log('');
}

function summary(rows: Row[], started: number): void {
  log('## Summary');
  log(table(rows));
  log('');
  const missed = rows.filter((r) => r.met === false).map((r) => `${r.scenario}: ${r.figure}`);
  const failed = rows.filter((r) => r.figure === 'failed').map((r) => r.scenario);
  if (failed.length) log(`Scenarios failed: ${failed.join('; ')}`);
  log(missed.length ? `Targets missed: ${missed.join('; ')}` : failed.length ? 'No target measured was missed.' : 'All targets met.');
  log(`Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
}

async function main(): Promise<void> {
  const k = readKnobs();
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const mode = process.env.BENCH_MODE?.trim() || 'embedded';
  if (mode !== 'embedded' && mode !== 'split' && mode !== 'cluster')
    throw new Error(`BENCH_MODE=${mode}: expected embedded, split or cluster`);
  header(k, mode);
  if (mode === 'split' || mode === 'cluster') {
    const started = performance.now();
    const split = (temporal: SplitTemporal): Promise<Row[]> =>
      runSplit(k, log, temporal).catch((error: unknown) => {
        log(`FAILED (${temporal}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return [{ scenario: temporal === 'cluster' ? 'cluster' : 'split', figure: 'failed', value: 'see log' }];
      });
    const devServer = await split('dev server');
    if (mode === 'split') {
      summary(devServer, started);
      return;
    }
    log('');
    log('# The same on a Temporal cluster (frontend, history, matching and worker as separate processes)');
    summary(besideDevServer(devServer, await split('cluster')), started);
    return;
  }
  const env = await startBenchEnv(k, log);
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    log('interrupted: stopping after the current scenario (Ctrl-C again to force)');
    process.once('SIGINT', () => void env.close().finally(() => process.exit(130)));
  };
  process.once('SIGINT', onSignal);
  const rows: Row[] = [];
  const started = performance.now();
  try {
    await seedLatencyQueue(env, k);
    for (const s of SCENARIOS) {
      if (interrupted) break;
      if (only && !only.includes(s.id)) continue;
      log(`## ${s.id}. ${s.title}`);
      log(`  ${await waitForQuiet(k.quietWaitMs)}`);
      const t0 = performance.now();
      const cpu0 = sampleCpu();
      try {
        const result = await s.run(env, k);
        rows.push(...result.rows);
        for (const note of result.notes) log(`  ${note}`);
      } catch (error) {
        log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        rows.push({ scenario: `${s.id} ${s.title}`, figure: 'failed', value: 'see log' });
      }
      log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s; ${describeCpu(cpuBetween(cpu0, sampleCpu()))})`);
      log('');
    }
  } finally {
    process.off('SIGINT', onSignal);
    await env.close();
  }
  summary(rows, started);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
