import type { NextFunction, Request, Response } from 'express';
import { StoreError } from '../../store/store-error';
import { causes } from './causes';
import { ApiError, ApiErrorCode, isApiErrorCode } from './errors';
import { isTemporalError, temporalFailure, UNAVAILABLE_RETRY_AFTER_SECONDS } from './temporal-errors';

// Error codes of better-sqlite3 and node-postgres meaning "the database is not
// reachable (right now)", as opposed to a bug or a bad request.
const STORE_DOWN_CODES =
  /^(SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)|ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|08|57P0|53300)/;
const STORE_DOWN_MESSAGES =
  /database connection is not open|pool after calling end|Connection terminated|timeout exceeded when trying to connect/i;

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null ? Object.getOwnPropertyDescriptor(error, name)?.value : undefined;
}

/** Whether the error means the store could not be reached (SQLite locked or closed, PostgreSQL down). */
export function isStoreUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = field(e, 'code');
    if (typeof code === 'string' && STORE_DOWN_CODES.test(code)) return true;
    const message = field(e, 'message');
    if (typeof message === 'string' && STORE_DOWN_MESSAGES.test(message)) return true;
  }
  return false;
}

/** An error of Express's JSON body parser, by its `type`. */
function bodyParserError(error: unknown): ApiError | null {
  const type = field(error, 'type');
  const status = field(error, 'status');
  if (type === 'entity.too.large') return new ApiError(ApiErrorCode.PayloadTooLarge, 'The request body is too large.');
  if (type === 'entity.parse.failed')
    return new ApiError(ApiErrorCode.InvalidInput, 'The request body is not valid JSON.', { field: 'body' });
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new ApiError(ApiErrorCode.UnsupportedMediaType, 'Send the body as UTF-8 JSON.');
  }
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(ApiErrorCode.InvalidInput, 'The request body could not be read.', { field: 'body' });
  }
  return null;
}

/** Turns anything thrown into an ApiError, or null for a genuine bug (a 500). */
export function toApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return new ApiError(isApiErrorCode(error.code) ? error.code : ApiErrorCode.InvalidInput, error.message);
  // Express's router could not percent-decode a path parameter.
  if (error instanceof URIError) {
    return new ApiError(ApiErrorCode.InvalidInput, 'path: a %-escape in the path is malformed (not UTF-8).', { field: 'path' });
  }
  const parser = bodyParserError(error);
  if (parser) return parser;
  const temporal = temporalFailure(error, 'read');
  if (temporal) return temporal;
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
 * details? } }` with the status from STATUS_BY_CODE. A dependency's trouble is
 * logged as a warning; only a genuine bug is a 500, logged as an error with the
 * request id (which the answer carries too), never with the body.
 */
export function errorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const known = toApiError(error);
  if (known) {
    if (known.status >= 500) req.log.warn({ err: error, temporal: isTemporalError(error) }, known.message);
    sendError(res, known);
    return;
  }
  req.log.error({ err: error }, `unhandled error on ${req.method} ${req.route?.path ?? 'unknown route'}`);
  sendError(res, new ApiError(ApiErrorCode.Internal, 'Internal server error.', { requestId: String(req.id) }));
}
