import { isGrpcServiceError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { NextFunction, Request, Response } from 'express';
import { StoreError } from '../store/store-error';
import { ApiError, ApiErrorCode, isApiErrorCode } from './errors';

/** How long a client should wait before retrying after a dependency was unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

// gRPC status codes DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and UNAVAILABLE (numbers
// fixed by the gRPC spec; @grpc/grpc-js is not a direct dependency).
const TEMPORAL_DOWN = new Set<number>([4, 8, 14]);
// Error codes of better-sqlite3 and node-postgres meaning "the database is not
// reachable (right now)", as opposed to a bug or a bad request.
const STORE_DOWN_CODES =
  /^(SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)|ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|08|57P0|53300)/;
const STORE_DOWN_MESSAGES =
  /database connection is not open|pool after calling end|Connection terminated|timeout exceeded when trying to connect/i;

function* causes(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 6; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** Whether the error means Temporal could not be reached or did not answer in time. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
    if (isGrpcServiceError(e) && TEMPORAL_DOWN.has(e.code)) return true;
    if (e instanceof ServiceError && /deadline|unavailable|connect/i.test(e.message)) return true;
  }
  return false;
}

/** Whether the error means the store could not be reached (SQLite locked or closed, PostgreSQL down). */
export function isStoreUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && STORE_DOWN_CODES.test(code)) return true;
    if (e instanceof Error && STORE_DOWN_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** Turns anything thrown into an ApiError, or null for a genuine bug (a 500). */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return new ApiError(isApiErrorCode(error.code) ? error.code : ApiErrorCode.InvalidInput, error.message);
  const parser = error as { type?: string; status?: number };
  if (parser.type === 'entity.too.large') return new ApiError(ApiErrorCode.PayloadTooLarge, 'The request body is too large.');
  if (parser.type === 'entity.parse.failed')
    return new ApiError(ApiErrorCode.InvalidInput, 'The request body is not valid JSON.', { field: 'body' });
  if (parser.type === 'charset.unsupported' || parser.type === 'encoding.unsupported') {
    return new ApiError(ApiErrorCode.UnsupportedMediaType, 'Send the body as UTF-8 JSON.');
  }
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
    return new ApiError(ApiErrorCode.InvalidInput, 'The request body could not be read.', { field: 'body' });
  }
  if (isTemporalUnavailable(error)) {
    return new ApiError(
      ApiErrorCode.TemporalUnavailable,
      'Temporal is unreachable; retry later.',
      undefined,
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
  }
  if (isStoreUnavailable(error)) {
    return new ApiError(
      ApiErrorCode.StoreUnavailable,
      'The store is unreachable; retry later.',
      undefined,
      UNAVAILABLE_RETRY_AFTER_SECONDS,
    );
  }
  return null;
}

/** Sends an ApiError as the JSON error body, with Retry-After where it applies. */
export function sendError(res: Response, error: ApiError): void {
  if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  const body: { code: string; message: string; details?: Record<string, unknown> } = { code: error.code, message: error.message };
  if (error.details) body.details = error.details;
  res.status(error.status).json({ error: body });
}

/**
 * The one error middleware: every failure becomes `{ error: { code, message,
 * details? } }` with the status from STATUS_BY_CODE. Only a genuine bug is a
 * 500, logged without the request (which may carry tokens or message text).
 */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const known = toApiError(error);
  if (known) {
    sendError(res, known);
    return;
  }
  console.error(`[api] unhandled error on ${req.method} ${req.route?.path ?? 'unknown route'}:`, error);
  sendError(res, new ApiError(ApiErrorCode.Internal, 'Internal server error.'));
}
