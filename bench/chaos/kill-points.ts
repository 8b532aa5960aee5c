/**
 * Where the chaos worker kills itself (test-only): SIGKILL of its own process,
 * at a point chosen to be inside work Temporal has handed it, after writing one
 * line saying where to the kill log (synchronously, so the line survives).
 *
 * - `task`: right after a workflow activation produced its commands, before
 *   Core reports the workflow task (the `chaos` sink of kill-interceptor.ts);
 * - `commit`: right after a store write committed inside an activity, before
 *   the activity told anyone (signals to the conversations a match went to,
 *   the activity's result).
 */
import { appendFileSync } from 'node:fs';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { Store } from '../../src/store/store';
import type { ChaosSinks } from './kill-interceptor';

/** The workflow interceptor module (source under Jest, compiled under dist/), for bundling into the chaos worker's workflow code. */
export const KILL_INTERCEPTOR_MODULE = require.resolve('./kill-interceptor');

/** The line the chaos worker prints once it polls. */
export const CHAOS_WORKER_READY = 'chaos worker polling';

/** The kinds of kill point. */
export const KillPoint = { Task: 'task', Commit: 'commit' } as const;
export type KillPoint = (typeof KillPoint)[keyof typeof KillPoint];

/** One self-kill, as the chaos worker logs it before dying. */
export interface KillRecord {
  at: string;
  pid: number;
  point: KillPoint;
  /** task: the workflow whose task was cut off; commit: the store method that had committed. */
  workflowId?: string;
  workflowType?: string;
  /** task: the job kinds of the activation and the commands it produced (never reported). */
  jobs?: string[];
  commands?: string[];
  method?: string;
}

/** When and where this worker may kill itself (from the environment its parent set). */
export interface KillPlan {
  points: ReadonlySet<KillPoint>;
  /** Probability of dying at each opportunity once armed. */
  probability: number;
  /** Milliseconds after `arm()` before any kill. */
  armAfterMs: number;
  log: string;
}

/** Reads CHAOS_KILL_POINTS (comma list), CHAOS_KILL_PROBABILITY, CHAOS_ARM_AFTER_MS and CHAOS_KILL_LOG; null when no point is set. */
export function killPlanFromEnv(env: NodeJS.ProcessEnv = process.env): KillPlan | null {
  const points = new Set(
    (env.CHAOS_KILL_POINTS ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p): p is KillPoint => p === KillPoint.Task || p === KillPoint.Commit),
  );
  if (points.size === 0 || !env.CHAOS_KILL_LOG) return null;
  return {
    points,
    probability: Number(env.CHAOS_KILL_PROBABILITY ?? '0.2'),
    armAfterMs: Number(env.CHAOS_ARM_AFTER_MS ?? '0'),
    log: env.CHAOS_KILL_LOG,
  };
}

/** Names of Store methods that only read (never a kill point). */
const READ_ONLY = /^(get|list|has|count|event|on[A-Z]|close$|migrate$)/;

/** The kill points of one worker process. */
export class Killer {
  private armedAt = Infinity;

  constructor(private readonly plan: KillPlan | null) {}

  /** Starts the arming delay (call once the worker polls). */
  arm(): void {
    if (this.plan) this.armedAt = Date.now() + this.plan.armAfterMs;
  }

  /** Dies here, with the plan's probability, if this point is enabled and the delay has passed. */
  maybeKill(point: KillPoint, detail: Omit<KillRecord, 'at' | 'pid' | 'point'>): void {
    const plan = this.plan;
    if (!plan || !plan.points.has(point) || Date.now() < this.armedAt || Math.random() >= plan.probability) return;
    const record: KillRecord = { at: new Date().toISOString(), pid: process.pid, point, ...detail };
    appendFileSync(plan.log, `${JSON.stringify(record)}\n`);
    process.kill(process.pid, 'SIGKILL');
  }

  /** The worker's `chaos` sink: a kill point after every activation that was not a replay. */
  sinks(): InjectedSinks<ChaosSinks> {
    return {
      chaos: {
        concluded: {
          fn: (info: WorkflowInfo, jobs: string[], commands: string[]) =>
            this.maybeKill(KillPoint.Task, { workflowId: info.workflowId, workflowType: info.workflowType, jobs, commands }),
          callDuringReplay: false,
        },
      },
    };
  }

  /** The store with a kill point after every write that committed (the activity has not reported or signalled yet). */
  afterCommits(store: Store): Store {
    return new Proxy(store, {
      get: (target, name, receiver) => {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof name !== 'string' || typeof value !== 'function' || READ_ONLY.test(name)) return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          this.maybeKill(KillPoint.Commit, { method: name });
          return result;
        };
      },
    });
  }
}
