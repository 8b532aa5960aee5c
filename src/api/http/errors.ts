import { ErrorCode } from '../../domain/errors';

/** Every error code the API answers with: the domain's refusals plus HTTP-level ones. */
export const ApiErrorCode = {
  ...ErrorCode,
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  AlreadyExists: 'ALREADY_EXISTS',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  RateLimited: 'RATE_LIMITED',
  /** Temporal was not reached (or refused before applying anything): safe to retry. */
  TemporalUnavailable: 'TEMPORAL_UNAVAILABLE',
  /** An update was sent but no answer came in time: it may have been applied; retry with the same Idempotency-Key. */
  OutcomeUnknown: 'OUTCOME_UNKNOWN',
  StoreUnavailable: 'STORE_UNAVAILABLE',
  /** The conversation's workflow tasks keep failing: nothing can be applied until an operator fixes it; retrying does not help. */
  WorkflowStuck: 'WORKFLOW_STUCK',
  Internal: 'INTERNAL',
} as const;

/** One of the API error codes. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** The one table from error code to HTTP status; routes never choose a status for an error. */
export const STATUS_BY_CODE: Readonly<Record<ApiErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_YOUR_CONVERSATION: 403,
  NOT_QUEUE_MEMBER: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNKNOWN_AGENT: 404,
  UNKNOWN_QUEUE: 404,
  UNKNOWN_CONVERSATION: 404,
  INVALID_TRANSITION: 409,
  CONVERSATION_CLOSED: 409,
  REVIVE_WINDOW_EXPIRED: 409,
  CUSTOMER_DISCONNECTED: 409,
  NO_CAPACITY: 409,
  ALREADY_TAKEN: 409,
  OFFER_EXPIRED: 409,
  OFFER_TAKEN: 409,
  ALREADY_EXISTS: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  WORKFLOW_STUCK: 500,
  TEMPORAL_UNAVAILABLE: 503,
  OUTCOME_UNKNOWN: 503,
  STORE_UNAVAILABLE: 503,
};

/** Whether a string is one of the API's error codes (e.g. a workflow failure's `type`). */
export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && Object.hasOwn(STATUS_BY_CODE, code);
}

/** A refusal with a code from the table; the error middleware turns it into the JSON error body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds for a Retry-After header (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

/** 404 for an unknown conversation. */
export function unknownConversation(id: string): ApiError {
  return new ApiError(ApiErrorCode.UnknownConversation, `No conversation ${id}.`, { conversationId: id });
}

/** 404 for an unknown agent. */
export function unknownAgent(id: string): ApiError {
  return new ApiError(ApiErrorCode.UnknownAgent, `No agent ${id}.`, { agentId: id });
}

/** 404 for an unknown queue. */
export function unknownQueue(id: string): ApiError {
  return new ApiError(ApiErrorCode.UnknownQueue, `No queue ${id}.`, { queueId: id });
}

/** 400 for a problem a domain check worded as "field: what is wrong", with the field in the details. */
export function invalidField(problem: string): ApiError {
  const split = problem.indexOf(': ');
  return new ApiError(ApiErrorCode.InvalidInput, problem, split > 0 ? { field: problem.slice(0, split) } : undefined);
}

/** 403 with the reason. */
export function forbidden(message: string): ApiError {
  return new ApiError(ApiErrorCode.Forbidden, message);
}
