import type { ErrorCode } from '../domain/errors';

/**
 * A permanent store failure with a business error code (invalid input, unknown
 * queue). Activities turn it into a non-retryable failure: retrying the same
 * input can never succeed, unlike a lost connection.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
