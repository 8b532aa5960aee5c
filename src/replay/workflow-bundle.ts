import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

/** The checkout's workflows: `workflows/index.ts` under ts-node or Jest, `dist/workflows/index.js` once built. */
export const checkoutWorkflowsPath = (): string => require.resolve('../../workflows');

/** Bundles workflow code as a worker would (the checkout's unless `workflowsPath` names other code). */
export function bundleWorkflows(workflowsPath: string = checkoutWorkflowsPath()): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
}
