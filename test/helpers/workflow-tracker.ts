import type { WorkflowClientInterceptor } from '@temporalio/client';

/** The name of the running test ("describe it"), or `setup` outside a test (beforeAll). */
function currentTestName(): string {
  return expect.getState().currentTestName ?? 'setup';
}

/**
 * Remembers every workflow a test file's client starts or sends something to
 * (conversations, queue dispatchers poked by the router, webhook deliveries),
 * with the test that touched it first. The time-skipping test server has no
 * visibility list API, so this is how the harness knows which histories exist.
 */
export class WorkflowTracker {
  /** Workflow id -> the test that touched it first, in first-touch order. */
  readonly touched = new Map<string, string>();

  /** The client interceptor to create the test environment's client with. */
  readonly interceptor: WorkflowClientInterceptor;

  constructor() {
    const note = (workflowId: string | undefined): void => {
      if (workflowId && !this.touched.has(workflowId)) this.touched.set(workflowId, currentTestName());
    };
    this.interceptor = {
      startWithDetails(input, next) {
        note(input.options.workflowId);
        return next(input);
      },
      signalWithStart(input, next) {
        note(input.options.workflowId);
        return next(input);
      },
      startUpdateWithStart(input, next) {
        note(input.workflowStartOptions.workflowId);
        return next(input);
      },
      signal(input, next) {
        note(input.workflowExecution.workflowId);
        return next(input);
      },
      startUpdate(input, next) {
        note(input.workflowExecution.workflowId);
        return next(input);
      },
      terminate(input, next) {
        note(input.workflowExecution.workflowId);
        return next(input);
      },
      cancel(input, next) {
        note(input.workflowExecution.workflowId);
        return next(input);
      },
    };
  }
}
