import type { DestinationStream, Logger } from 'pino';
import pino from 'pino';

/** Levels LOG_LEVEL accepts (pino's, plus silent). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of the log levels. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings of the process log. */
export interface LogConfig {
  /** LOG_LEVEL; `silent` turns logging off. */
  level: string;
}

/** Whether a string is one of the log levels. */
export function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

// Never in a log line: bearer tokens (request headers, token fields of answers
// or errors), webhook signing secrets, idempotency keys (a start's key protects
// its customer token) and chat message text. Request bodies are not logged at all; these paths catch a
// value that ends up in a logged object anyway.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'token',
  'customerToken',
  'secret',
  'text',
  '*.token',
  '*.customerToken',
  '*.secret',
  '*.text',
  '*.authorization',
];

/**
 * The process logger: structured JSON lines on stdout (or `destination`), with
 * credentials and message text redacted. The API and the worker share it.
 */
export function createLogger(config: LogConfig, destination?: DestinationStream): Logger {
  const options = {
    level: isLogLevel(config.level) ? config.level : 'info',
    base: { service: 'convoflow' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
