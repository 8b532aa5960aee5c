import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import { fromCoreLog, reportWorkflowTaskFailure } from '../stuck/failure-feed';

const SEVERITY: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

const PINO_METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK's metadata as pino fields: string keys only (the SDK keeps its
 * timestamp under a symbol; pino stamps the line itself), and an Error under
 * `err`, so pino's serializer writes its type, message and stack.
 */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'error' && value instanceof Error) out.err = value;
    else out[key] = value;
  }
  return out;
}

/**
 * The Temporal SDK's Logger over the process's pino logger, for
 * `Runtime.install({ logger })`: worker and Core messages, and every
 * `workflow.log` / activity `log` line (they reach the runtime logger too), as
 * pino lines with the SDK's metadata (`sdkComponent`, `taskQueue`,
 * `workflowId`, …). Messages below `level` (TEMPORAL_SDK_LOG_LEVEL) are dropped
 * here, so the SDK's chatty INFO does not follow LOG_LEVEL=info; pino then
 * applies LOG_LEVEL and its redaction.
 */
export class PinoSdkLogger implements SdkLogger {
  private readonly threshold: number;

  constructor(
    private readonly logger: Logger,
    level: LogLevel = 'WARN',
  ) {
    this.threshold = SEVERITY.indexOf(level);
  }

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // Core's report of a failed workflow task feeds the stuck-workflow monitor whatever the log level.
    const failure = fromCoreLog(message, meta);
    if (failure) reportWorkflowTaskFailure(failure);
    if (SEVERITY.indexOf(level) < this.threshold) return;
    this.logger[PINO_METHOD[level]](fields(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
