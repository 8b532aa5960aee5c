import { ApplicationFailure } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { StoreError } from '../src/store/store-error';

/**
 * A store refusal as the permanent failure a workflow reports to its caller.
 * Benign: a refused pick is business as usual, not a worker warning.
 */
export function refusal(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, category: ApplicationFailureCategory.BENIGN });
}

/**
 * Wraps every activity so a StoreError (invalid input, unknown queue) becomes a
 * non-retryable failure with its code: retrying the same input can never
 * succeed, and a local activity would otherwise retry it forever. Other errors
 * (a lost connection) stay retryable.
 */
export function withStoreRefusals<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await fn(...args);
      } catch (error) {
        if (error instanceof StoreError) throw refusal(error.code, error.message);
        throw error;
      }
    };
  }
  return wrapped as T;
}
