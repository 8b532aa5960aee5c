import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { TemporalFailure } from '@temporalio/common';
import { causes } from './causes';
import { ApiError, ApiErrorCode } from './errors';

/** How long a client should wait before retrying after a dependency was unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

// gRPC status codes (fixed by the gRPC spec; @grpc/grpc-js is not a direct dependency).
const CANCELLED = 1;
const INVALID_ARGUMENT = 3;
const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;
// grpc-js says where a call stood when its deadline passed: these mean it never left this process.
const NEVER_SENT = /waiting for (metadata filters|LB pick|name resolution|connection)/i;
const SEARCH_ATTRIBUTE = /search attribute/i;

/** What a call to Temporal was doing when it failed: a change may be applied once sent; a read never changes anything. */
export type TemporalCall = 'change' | 'read';

/** Whether the error came from Temporal (the service, the connection, or the SDK reporting either). */
export function isTemporalError(error: unknown): boolean {
  for (const e of causes(error)) {
    if (
      isGrpcServiceError(e) ||
      e instanceof ServiceError ||
      e instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
      e instanceof WorkflowUpdateFailedError ||
      e instanceof QueryNotRegisteredError ||
      e instanceof QueryRejectedError ||
      e instanceof TemporalFailure
    ) {
      return true;
    }
  }
  return false;
}

function grpcCause(error: unknown): { code: number; details: string } | null {
  for (const e of causes(error)) if (isGrpcServiceError(e)) return { code: e.code, details: e.details };
  return null;
}

/**
 * Turns any Temporal failure that is not a business refusal into a 503 with
 * Retry-After, telling apart the two things a client must know:
 * TEMPORAL_UNAVAILABLE (nothing was applied: the call never reached Temporal,
 * or Temporal refused it) and OUTCOME_UNKNOWN (a change was sent and no answer
 * came back in time: it may yet be applied, so retry with the same
 * Idempotency-Key, which makes the retry answer as the first attempt would
 * have). Null when the error does not come from Temporal.
 */
export function temporalFailure(error: unknown, call: TemporalCall): ApiError | null {
  if (!isTemporalError(error)) return null;
  const grpc = grpcCause(error);
  if (grpc?.code === INVALID_ARGUMENT && SEARCH_ATTRIBUTE.test(grpc.details)) {
    return new ApiError(
      ApiErrorCode.TemporalUnavailable,
      'Temporal refused the request: the namespace lacks convoflow’s search attributes. Start the worker or the API once against this cluster (both register them), or run the commands `temporal operator search-attribute create` listed at start-up; then retry.',
      undefined,
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
  }
  const timedOut =
    [...causes(error)].some((e) => e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) ||
    grpc?.code === DEADLINE_EXCEEDED ||
    grpc?.code === CANCELLED;
  const sent = !(grpc !== null && NEVER_SENT.test(grpc.details));
  if (call === 'change' && timedOut && sent) {
    return new ApiError(
      ApiErrorCode.OutcomeUnknown,
      'Temporal did not answer in time: the operation may or may not have been applied. Retry with the same Idempotency-Key; the retry answers as the first attempt would have, and applies nothing twice.',
      undefined,
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
  }
  return new ApiError(
    ApiErrorCode.TemporalUnavailable,
    'Temporal is unreachable or refused the request; nothing was applied. Retry later.',
    undefined,
    UNAVAILABLE_RETRY_AFTER_SECONDS,
  );
}

/**
 * Whether Temporal got the call but the workflow gave no answer: a change
 * sent that timed out (OUTCOME_UNKNOWN), or a query refused because the
 * workflow's task is in a failed state. A sign the workflow may be stuck,
 * worth one describe; an unreachable Temporal is not.
 */
export function workflowGaveNoAnswer(error: unknown): boolean {
  if (grpcCause(error)?.code === FAILED_PRECONDITION) return true;
  return temporalFailure(error, 'change')?.code === ApiErrorCode.OutcomeUnknown;
}
