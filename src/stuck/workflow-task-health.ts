import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

/**
 * A workflow is stuck once this many workflow task attempts in a row failed or
 * timed out. One failure is often transient (a worker killed inside the task,
 * a timeout under load) and the next attempt succeeds; a second failure of the
 * same replay is not luck. Core reports only the first failure of a series to
 * the server and lets the later ones time out (10 s each by default), so the
 * second failure shows about 10 s after the first, as attempt 3 pending.
 */
export const STUCK_AFTER_FAILED_ATTEMPTS = 2;

// How far back the history is searched for the failure that began the series.
const HISTORY_PAGE = 50;
const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
const CAUSE_PREFIX = 'WORKFLOW_TASK_FAILED_CAUSE_';

/** Where a workflow's tasks stand, from DescribeWorkflowExecution and the end of its history. */
export type WorkflowTaskHealth =
  /** No running execution with this id (or not this run): nothing can be stuck. */
  | { kind: 'gone' }
  /** Running, and no workflow task is being retried: it makes progress. */
  | { kind: 'healthy'; runId: string }
  /** A workflow task is being retried after `failedAttempts` failed or timed-out attempts. */
  | {
      kind: 'failing';
      runId: string;
      workflowType: string;
      failedAttempts: number;
      /** Temporal's cause of the failure that began the series (NON_DETERMINISTIC_ERROR, …), TIMED_OUT, or null when not found. */
      cause: string | null;
      message: string | null;
      /** When the series began, from its first failure's event; null when not found. */
      since: string | null;
    };

/** The failure that began the current series of failing attempts: the last workflow task outcome in history. */
async function lastTaskFailure(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<{ cause: string; message: string | null; since: string | null } | null> {
  const page = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: HISTORY_PAGE,
  });
  for (const event of page.history?.events ?? []) {
    const at = event.eventTime ? new Date(tsToMs(event.eventTime)).toISOString() : null;
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return null;
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) return { cause: 'TIMED_OUT', message: null, since: at };
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
      const attributes = event.workflowTaskFailedEventAttributes;
      const cause = WorkflowTaskFailedCause[attributes?.cause ?? 0] ?? 'UNSPECIFIED';
      return { cause: cause.replace(CAUSE_PREFIX, ''), message: attributes?.failure?.message ?? null, since: at };
    }
  }
  return null;
}

/**
 * Describes the workflow's current run (or `runId`, which must still be the
 * current one) and, when a workflow task is being retried, reads the end of
 * its history for the failure that began the series. Two calls at most.
 */
export async function inspectWorkflowTask(client: Client, workflowId: string, runId?: string): Promise<WorkflowTaskHealth> {
  let description;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'gone' };
    throw error;
  }
  if (description.status.name !== 'RUNNING' || (runId !== undefined && description.runId !== runId)) return { kind: 'gone' };
  const pending = description.raw.pendingWorkflowTask;
  const failedAttempts = Math.max(0, (pending?.attempt ?? 1) - 1);
  if (failedAttempts === 0) return { kind: 'healthy', runId: description.runId };
  const failure = failedAttempts >= STUCK_AFTER_FAILED_ATTEMPTS ? await lastTaskFailure(client, workflowId, description.runId) : null;
  return {
    kind: 'failing',
    runId: description.runId,
    workflowType: description.type,
    failedAttempts,
    cause: failure?.cause ?? null,
    message: failure?.message ?? null,
    since: failure?.since ?? null,
  };
}
