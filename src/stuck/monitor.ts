import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { StuckWorkflow, StuckWorkflowRegistry } from '../store/stuck/stuck-workflows';
import type { WorkflowTaskFailureReport } from './failure-feed';
import { onWorkflowTaskFailure } from './failure-feed';
import { isStuck, logStuck, stuckEntry } from './stuck-entry';
import type { WorkflowTaskHealth } from './workflow-task-health';
import { inspectWorkflowTask } from './workflow-task-health';

/** How a monitor runs. */
export interface StuckWorkflowMonitorOptions {
  client: Client;
  store: StuckWorkflowRegistry;
  logger: Logger;
  /** Between rounds (default 10 s: with Core's 10 s retry of a failing task, a stuck workflow is recorded within about 30 s). */
  intervalMs?: number;
  /** Recorded entries checked per round at most (default 200), each one describe: the cost is bounded by what is failing, never by what is open. */
  maxChecksPerRound?: number;
  /** How a workflow's tasks stand (default: inspectWorkflowTask over `client`). */
  inspect?: (workflowId: string) => Promise<WorkflowTaskHealth>;
  /** The workflow id of a run (default: a visibility query `RunId = '…'` over `client`); null when not visible (yet). */
  findRun?: (runId: string) => Promise<string | null>;
}

/** A run a worker of this process saw fail, not (yet) confirmed stuck. */
interface Suspect {
  runId: string;
  workflowId: string | null;
  cause: string;
  message: string;
  firstSeenMs: number;
}

const DEFAULT_INTERVAL_MS = 10_000;
const DEFAULT_MAX_CHECKS = 200;
// A suspect that never became stuck (one transient failure) is forgotten after this.
const SUSPECT_TTL_MS = 5 * 60_000;
// Run ids are UUIDs; anything else is not looked up in a visibility query.
const RUN_ID = /^[0-9A-Za-z-]{1,64}$/;

/** The workflow id of a run, from visibility (SQL and Elasticsearch visibility both index RunId). */
async function workflowOfRun(client: Client, runId: string): Promise<string | null> {
  for await (const execution of client.workflow.list({ query: `RunId = '${runId}'`, pageSize: 1 })) return execution.workflowId;
  return null;
}

/**
 * Finds and tracks workflows whose workflow tasks keep failing. The failures
 * this process's workers see (Core's report of a first failure, and the
 * eviction that follows every failed attempt) make a run a suspect; each round
 * asks Temporal how every suspect and every recorded entry stands (one
 * describe each, plus the end of the history once it is stuck) and records the
 * workflow in the store once STUCK_AFTER_FAILED_ATTEMPTS attempts in a row
 * failed, or clears it once it makes progress, ends, or another run replaced
 * it (a reset). Every worker process runs one; the store lets every API process see the result.
 */
export class StuckWorkflowMonitor {
  private readonly suspects = new Map<string, Suspect>();
  private readonly intervalMs: number;
  private readonly maxChecks: number;
  private readonly inspect: (workflowId: string) => Promise<WorkflowTaskHealth>;
  private readonly findRun: (runId: string) => Promise<string | null>;
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;

  constructor(private readonly options: StuckWorkflowMonitorOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.maxChecks = options.maxChecksPerRound ?? DEFAULT_MAX_CHECKS;
    this.inspect = options.inspect ?? ((workflowId) => inspectWorkflowTask(options.client, workflowId));
    this.findRun = options.findRun ?? ((runId) => workflowOfRun(options.client, runId));
  }

  /** Listens to this process's failed workflow tasks and checks every `intervalMs`. */
  start(): this {
    if (this.unsubscribe) return this;
    this.unsubscribe = onWorkflowTaskFailure((report) => this.suspect(report));
    this.schedule();
    return this;
  }

  /** Stops listening and waits for a round under way. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.round;
  }

  /** Takes a failure report (from this process's workers). */
  suspect(report: WorkflowTaskFailureReport): void {
    const known = this.suspects.get(report.runId);
    if (known) Object.assign(known, { cause: report.cause, message: report.message });
    else if (RUN_ID.test(report.runId)) this.suspects.set(report.runId, { ...report, workflowId: null, firstSeenMs: Date.now() });
  }

  /** One round: every suspect and recorded entry, checked with Temporal. */
  check(): Promise<void> {
    this.round ??= this.checkAll().finally(() => (this.round = null));
    return this.round;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.check()
        .catch((error: unknown) => this.options.logger.warn({ err: error }, 'Stuck workflow check failed; retrying next round.'))
        .finally(() => {
          if (this.unsubscribe) this.schedule();
        });
    }, this.intervalMs);
  }

  private async checkAll(): Promise<void> {
    const { store } = this.options;
    const now = Date.now();
    for (const [runId, s] of this.suspects) if (now - s.firstSeenMs > SUSPECT_TTL_MS) this.suspects.delete(runId);
    await this.resolveSuspects();
    const entries = new Map((await store.stuckWorkflowsToCheck(this.maxChecks)).map((e) => [e.workflowId, e]));
    const suspected = [...this.suspects.values()].flatMap((s) => (s.workflowId && !entries.has(s.workflowId) ? [s.workflowId] : []));
    const workflowIds = new Set([...entries.keys(), ...suspected.slice(0, this.maxChecks)]);
    for (const workflowId of workflowIds) {
      let health: WorkflowTaskHealth;
      try {
        health = await this.inspect(workflowId);
      } catch (error) {
        this.options.logger.warn({ err: error, workflowId }, 'Could not describe a possibly stuck workflow; trying again next round.');
        continue;
      }
      await this.settle(workflowId, health, entries.get(workflowId) ?? null);
    }
  }

  /** Finds the workflow of suspect runs (visibility, once per run, `maxChecks` a round; one not visible yet is looked up next round). */
  private async resolveSuspects(): Promise<void> {
    const unresolved = [...this.suspects.values()].filter((s) => s.workflowId === null).slice(0, this.maxChecks);
    for (const s of unresolved) {
      try {
        s.workflowId = await this.findRun(s.runId);
      } catch (error) {
        this.options.logger.warn(
          { err: error, runId: s.runId },
          'Could not look up the workflow of a failing run; trying again next round.',
        );
      }
    }
  }

  private suspectOf(workflowId: string, runId: string): Suspect | null {
    for (const s of this.suspects.values()) if (s.workflowId === workflowId && s.runId === runId) return s;
    return null;
  }

  private forget(workflowId: string): void {
    for (const [runId, s] of this.suspects) if (s.workflowId === workflowId) this.suspects.delete(runId);
  }

  /** Records, refreshes or clears one workflow's entry from how it stands now. */
  private async settle(workflowId: string, health: WorkflowTaskHealth, entry: StuckWorkflow | null): Promise<void> {
    const { store, logger } = this.options;
    const seen = health.kind === 'failing' ? this.suspectOf(workflowId, health.runId) : null;
    if (health.kind !== 'failing' || !isStuck(health, seen ?? entry)) {
      // Gone or making progress (forget it), or failing anew after progress (keep watching): a recorded series is over.
      if (health.kind !== 'failing') this.forget(workflowId);
      if (entry && (await store.clearStuckWorkflow(workflowId, entry.runId))) {
        logger.warn(
          { workflowId, runId: entry.runId, now: health.kind },
          'Workflow no longer stuck: it makes progress again (or its run ended).',
        );
      }
      return;
    }
    const recorded = await store.recordStuckWorkflow(stuckEntry(workflowId, health, seen, entry));
    if (!entry || entry.runId !== recorded.runId) logStuck(logger, recorded);
  }
}
