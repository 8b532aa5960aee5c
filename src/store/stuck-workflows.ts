import type { ConversationState } from '../domain/states';
import type { Operations } from './program';
import { read, write } from './program';
import * as stuck from './stuck-programs';

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

/** Workflows whose workflow tasks keep failing: written by the workers' monitors, read by every API process. */
export interface StuckWorkflowRegistry {
  /** Records (or refreshes) a stuck workflow; a new run replaces the old one's entry, the same run keeps its detection time. */
  recordStuckWorkflow(entry: StuckWorkflowInput): Promise<StuckWorkflow>;
  /** Clears the entry of that run once it makes progress again (a newer run's entry stays); whether there was one. */
  clearStuckWorkflow(workflowId: string, runId: string): Promise<boolean>;
  getStuckWorkflow(workflowId: string): Promise<StuckWorkflow | null>;
  /** Stuck workflows, longest-failing first, at most `limit` (1-1,000). */
  listStuckWorkflows(limit: number): Promise<StuckWorkflowView[]>;
  countStuckWorkflows(): Promise<number>;
  /** The entries checked longest ago, at most `limit` (1-1,000): a monitor's round goes through all of them in turn. */
  stuckWorkflowsToCheck(limit: number): Promise<StuckWorkflow[]>;
}

/** The StuckWorkflowRegistry operations. */
export const stuckWorkflowOperations: Operations<StuckWorkflowRegistry> = {
  recordStuckWorkflow: write(stuck.recordStuckWorkflow),
  clearStuckWorkflow: write(stuck.clearStuckWorkflow),
  getStuckWorkflow: read(stuck.getStuckWorkflow),
  listStuckWorkflows: read(stuck.listStuckWorkflows),
  countStuckWorkflows: read(stuck.countStuckWorkflows),
  stuckWorkflowsToCheck: read(stuck.stuckWorkflowsToCheck),
};
