import type { ConversationState } from '../../domain/states';

/** What a monitor records of a workflow whose workflow tasks keep failing. */
export interface StuckWorkflowInput {
  workflowId: string;
  /** The run that keeps failing (a reset or continue-as-new starts another). */
  runId: string;
  /** The conversation, for a conversation workflow; null for dispatchers and webhook deliveries. */
  conversationId: string | null;
  workflowType: string;
  /** Temporal's WorkflowTaskFailedCause name (NON_DETERMINISTIC_ERROR, WORKFLOW_WORKER_UNHANDLED_FAILURE, …) or TIMED_OUT. */
  cause: string;
  /** The last failure's message (kept to its first 1,000 characters). */
  message: string;
  /** Workflow task attempts in a row that failed or timed out. */
  attempts: number;
  /** When the first of those attempts failed (ISO-8601). */
  failingSince: string;
}

/** A recorded stuck workflow. */
export interface StuckWorkflow extends StuckWorkflowInput {
  /** When a monitor first confirmed it (this run). */
  detectedAt: string;
  /** When a monitor last confirmed it. */
  checkedAt: string;
}

/** A stuck workflow with its conversation's state as the read model has it (null: not a conversation, or none recorded). */
export interface StuckWorkflowView extends StuckWorkflow {
  state: ConversationState | null;
}
