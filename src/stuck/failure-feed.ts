import { EventEmitter } from 'node:events';
import { coresdk } from '@temporalio/proto';
import type { Worker } from '@temporalio/worker';

/** A failed workflow task as a worker of this process saw it: which run, and what Core said. */
export interface WorkflowTaskFailureReport {
  runId: string;
  /** NON_DETERMINISTIC_ERROR or WORKFLOW_WORKER_UNHANDLED_FAILURE (an error thrown by workflow code). */
  cause: string;
  message: string;
}

/** Core's WARN line when it reports a failed workflow task to the server (only on attempt 1). */
export const CORE_FAILING_TASK_MESSAGE = 'Failing workflow task';

const NONDETERMINISM = 'NON_DETERMINISTIC_ERROR';
const WORKFLOW_ERROR = 'WORKFLOW_WORKER_UNHANDLED_FAILURE';
// Eviction reasons (coresdk RemoveFromCache.EvictionReason) that mean the task failed.
const FAILED_TASK_EVICTIONS: Readonly<Record<string, string>> = { NONDETERMINISM, LANG_FAIL: WORKFLOW_ERROR };

const feed = new EventEmitter<{ failure: [WorkflowTaskFailureReport] }>();

/** Tells this process's monitors about a failed workflow task. */
export function reportWorkflowTaskFailure(report: WorkflowTaskFailureReport): void {
  feed.emit('failure', report);
}

/** Listens to this process's failed workflow tasks; returns the unsubscribe. */
export function onWorkflowTaskFailure(listener: (report: WorkflowTaskFailureReport) => void): () => void {
  feed.on('failure', listener);
  return () => feed.off('failure', listener);
}

/** The failure's own message out of Core's Debug rendering (`… Failure { message: "…", source: …`), else the whole text. */
export function failureMessage(debug: string): string {
  const quoted = /message: "((?:[^"\\]|\\.)*)"/.exec(debug)?.[1];
  return quoted === undefined ? debug : quoted.replace(/\\(.)/g, '$1');
}

/** A report from Core's "Failing workflow task" log line (its fields `runId` and `failure`), or null for any other line. */
export function fromCoreLog(message: string, meta: Readonly<Record<string, unknown>> | undefined): WorkflowTaskFailureReport | null {
  if (message !== CORE_FAILING_TASK_MESSAGE) return null;
  const runId = meta?.runId;
  const failure = meta?.failure;
  if (typeof runId !== 'string' || typeof failure !== 'string') return null;
  return {
    runId,
    cause: /force_cause: NonDeterministicError/.test(failure) ? NONDETERMINISM : WORKFLOW_ERROR,
    message: failureMessage(failure),
  };
}

/**
 * Reports every eviction of `worker` that follows a failed task (Core evicts
 * the run on each failed attempt, including the later ones it no longer
 * reports to the server, whose only trace there is a timeout). Through the
 * SDK's protected `evictionsEmitter` (what its replayer uses): null when this
 * SDK has none, so the caller can say the watch is off.
 */
export function watchFailedEvictions(worker: Worker): (() => void) | null {
  const emitter: unknown = Reflect.get(worker, 'evictionsEmitter');
  if (!(emitter instanceof EventEmitter)) return null;
  const listener = (eviction: unknown): void => {
    const report = fromEviction(eviction);
    if (report) reportWorkflowTaskFailure(report);
  };
  emitter.on('eviction', listener);
  return () => emitter.off('eviction', listener);
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
}

/** A report from an eviction `{ runId, evictJob: { reason, message } }`, or null when the eviction is not a failure. */
export function fromEviction(eviction: unknown): WorkflowTaskFailureReport | null {
  const runId = field(eviction, 'runId');
  const job = field(eviction, 'evictJob');
  const reason = field(job, 'reason');
  const message = field(job, 'message');
  // Decoded, the reason is the enum's number; through toJSON, its name.
  const name = typeof reason === 'number' ? coresdk.workflow_activation.RemoveFromCache.EvictionReason[reason] : reason;
  const cause = typeof name === 'string' ? FAILED_TASK_EVICTIONS[name] : undefined;
  if (typeof runId !== 'string' || cause === undefined) return null;
  return { runId, cause, message: failureMessage(typeof message === 'string' ? message : '') };
}
