import type { Logger } from 'pino';
import type { StuckWorkflow, StuckWorkflowInput } from '../store/stuck/stuck-workflows';
import type { WorkflowTaskHealth } from './workflow-task-health';
import { STUCK_AFTER_FAILED_ATTEMPTS } from './workflow-task-health';

/** A workflow task being retried after failed or timed-out attempts. */
export type FailingTask = Extract<WorkflowTaskHealth, { kind: 'failing' }>;

/** What a worker of this process saw of a failing run. */
export interface SeenFailure {
  cause: string;
  message: string;
  firstSeenMs: number;
}

/**
 * Attempts in a row needed when nothing but timeouts is known: a worker
 * killed inside a task times it out too, and two kills in a row happen (a
 * chaos run, a crash loop); a third timeout is 20 s more of no progress.
 */
export const STUCK_AFTER_TIMEOUTS_ONLY = 3;

const CONVERSATION_PREFIX = 'conversation-';

/**
 * Whether the workflow counts as stuck: STUCK_AFTER_FAILED_ATTEMPTS attempts
 * in a row once a failure is known (the history's WORKFLOW_TASK_FAILED, a
 * worker's report, or an entry that recorded one), STUCK_AFTER_TIMEOUTS_ONLY otherwise.
 */
export function isStuck(health: WorkflowTaskHealth, known: { cause: string } | null): boolean {
  if (health.kind !== 'failing') return false;
  const failed = (c: string | null | undefined) => c !== null && c !== undefined && c !== 'TIMED_OUT' && c !== 'UNKNOWN';
  const failureKnown = failed(health.cause) || failed(known?.cause);
  return health.failedAttempts >= (failureKnown ? STUCK_AFTER_FAILED_ATTEMPTS : STUCK_AFTER_TIMEOUTS_ONLY);
}

/**
 * The entry to record for a stuck workflow. Core reports only a series' first
 * failure to the server, so after a timeout the history says TIMED_OUT: then
 * what a worker saw (or what was recorded before) says why.
 */
export function stuckEntry(
  workflowId: string,
  health: FailingTask,
  seen: SeenFailure | null,
  entry: StuckWorkflow | null,
): StuckWorkflowInput {
  const historyKnows = health.cause !== null && health.cause !== 'TIMED_OUT';
  const earlier = entry?.runId === health.runId ? entry : null;
  const why = historyKnows ? null : (seen ?? earlier);
  return {
    workflowId,
    runId: health.runId,
    conversationId: workflowId.startsWith(CONVERSATION_PREFIX) ? workflowId.slice(CONVERSATION_PREFIX.length) : null,
    workflowType: health.workflowType,
    cause: why?.cause ?? health.cause ?? 'UNKNOWN',
    message: why?.message ?? health.message ?? `Workflow task attempts keep failing or timing out (${health.failedAttempts} in a row).`,
    attempts: health.failedAttempts,
    failingSince: health.since ?? earlier?.failingSince ?? new Date(seen?.firstSeenMs ?? Date.now()).toISOString(),
  };
}

/** The loud line when a workflow is first recorded stuck. */
export function logStuck(logger: Logger, recorded: StuckWorkflow): void {
  logger.error(
    {
      workflowId: recorded.workflowId,
      runId: recorded.runId,
      cause: recorded.cause,
      attempts: recorded.attempts,
      since: recorded.failingSince,
      error: recorded.message,
    },
    'Workflow stuck: its workflow tasks keep failing; operations on it answer WORKFLOW_STUCK until it is fixed (docs/runbook-stuck-workflows.md).',
  );
}
