import type { StuckWorkflow } from '../store/stuck/stuck-workflows';
import { ApiError, ApiErrorCode } from './http/errors';

/** Where operators read what to do about a stuck workflow. */
export const STUCK_RUNBOOK = 'docs/runbook-stuck-workflows.md';

/** What a conversation's answers say of its stuck workflow (null: not stuck). */
export interface StuckMarker {
  workflowId: string;
  runId: string;
  since: string;
  detectedAt: string;
  attempts: number;
  cause: string;
  message: string;
}

/** The marker of a recorded stuck workflow. */
export function stuckMarker(entry: StuckWorkflow): StuckMarker {
  return {
    workflowId: entry.workflowId,
    runId: entry.runId,
    since: entry.failingSince,
    detectedAt: entry.detectedAt,
    attempts: entry.attempts,
    cause: entry.cause,
    message: entry.message,
  };
}

/**
 * 500 WORKFLOW_STUCK, without Retry-After: unlike TEMPORAL_UNAVAILABLE this
 * is not "retry later" but "an operator must fix the workflow first"; nothing
 * was sent to it, so nothing was applied.
 */
export function workflowStuck(entry: StuckWorkflow): ApiError {
  const error = entry.message.replace(/[.\s]+$/, '');
  return new ApiError(
    ApiErrorCode.WorkflowStuck,
    `The conversation's workflow keeps failing since ${entry.failingSince} (${entry.attempts} workflow task attempts in a row, ${entry.cause}): ${error}. Nothing was applied, and operations cannot be applied until an operator fixes it; see the runbook (${STUCK_RUNBOOK}).`,
    { ...stuckMarker(entry) },
  );
}
