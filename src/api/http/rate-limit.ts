import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode } from './errors';

const WINDOW_MS = 60_000;

/**
 * The start rate limit: at most `perMinute` conversations per client address
 * in a fixed one-minute window (null: no limit), answered 429 with Retry-After
 * until the window resets. The count lives in this process's memory: with
 * several API processes each enforces its own share, which blunts floods
 * without a shared-store round trip on every start. The client address is
 * Express's `req.ip`, so behind a proxy it is the proxy's unless
 * CONVOFLOW_TRUST_PROXY says whose X-Forwarded-For to believe.
 */
export function startRateLimiter(perMinute: number | null, logger: Logger): RequestHandler {
  if (perMinute === null) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Its configuration warnings (e.g. X-Forwarded-For present but not trusted) go to the process log.
    logger: {
      error: (error: unknown, message?: string) => logger.error({ err: error }, message ?? 'express-rate-limit'),
      warn: (error: unknown, message?: string) => logger.warn({ err: error }, message ?? 'express-rate-limit'),
    },
    handler: (_req, res, next) => {
      const retryAfter = Math.max(1, Number(res.getHeader('Retry-After')) || WINDOW_MS / 1000);
      next(new ApiError(ApiErrorCode.RateLimited, 'Too many conversations started from this address; slow down.', undefined, retryAfter));
    },
  });
}
