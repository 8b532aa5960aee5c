/**
 * Workflow interceptor module of the chaos worker (test-only; bundled into its
 * workflow code, never into the product's). After each activation has produced
 * its commands it calls the `chaos` sink, which the worker runs after the
 * activation and before Core reports the workflow task: a SIGKILL there lands
 * inside the task, with its commands computed but not sent. The sink is not
 * called while replaying (callDuringReplay false), so only new work is cut off.
 */
import type {
  ActivateInput,
  ConcludeActivationInput,
  Next,
  Sinks,
  WorkflowInterceptorsFactory,
  WorkflowInternalsInterceptor,
} from '@temporalio/workflow';
import { proxySinks } from '@temporalio/workflow';

/** What the sink is told about the activation that just ran. */
export interface ChaosSinks extends Sinks {
  chaos: {
    /** `jobs`: the activation's job kinds (signalWorkflow, doUpdate, resolveActivity...); `commands`: the command kinds it produced. */
    concluded(jobs: string[], commands: string[]): void;
  };
}

const { chaos } = proxySinks<ChaosSinks>();

/** The one-of field set on a job or command (its kind). */
function kind(message: object): string {
  return Object.keys(message).find((k) => (message as Record<string, unknown>)[k] != null) ?? 'unknown';
}

class KillPoint implements WorkflowInternalsInterceptor {
  private jobs: string[] = [];

  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    this.jobs.push(...(input.activation.jobs ?? []).map(kind));
    return next(input);
  }

  concludeActivation(input: ConcludeActivationInput, next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>) {
    const output = next(input);
    chaos.concluded(this.jobs, output.commands.map(kind));
    this.jobs = [];
    return output;
  }
}

/** The factory the bundler looks for in an interceptor module. */
export const interceptors: WorkflowInterceptorsFactory = () => ({ internals: [new KillPoint()] });
