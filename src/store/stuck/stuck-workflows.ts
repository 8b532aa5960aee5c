import type { Operations } from '../program';
import { read, write } from '../program';
import * as stuck from './stuck-programs';
import type { StuckWorkflow, StuckWorkflowInput, StuckWorkflowView } from './stuck-types';

export type { StuckWorkflow, StuckWorkflowInput, StuckWorkflowView } from './stuck-types';

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
