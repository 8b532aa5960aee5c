import * as wf from '@temporalio/workflow';

/** A no-op client message with an answer, as the lifecycle's end and close-tab updates are. */
export const stepUpdate = wf.defineUpdate<number, []>('step');

/**
 * The benchmark's baseline: a workflow with no activities, no timers and no
 * store, which completes after `steps` updates. Started and driven exactly
 * like a conversation (start, then one update per client message), it shows
 * what Temporal itself costs on this machine.
 */
export async function bareWorkflow(steps: number): Promise<number> {
  let seen = 0;
  wf.setHandler(stepUpdate, () => (seen += 1));
  await wf.condition(() => seen >= steps && wf.allHandlersFinished());
  return seen;
}

/** The bare workflow with one store-sized step: one local activity (the bare worker's `noop`). */
const { noop } = wf.proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

/**
 * The baseline for throughput per assignment: a workflow that starts, runs one
 * local activity (a conversation's first task runs at least one store write)
 * and completes, the least a pushed assignment can cost on Temporal.
 */
export async function bareActivityWorkflow(): Promise<void> {
  await noop();
}
