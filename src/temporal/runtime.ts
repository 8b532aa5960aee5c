import type { RuntimeOptions } from '@temporalio/worker';
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import { StartupError } from '../startup-error';
import { PinoSdkLogger } from './sdk-logger';

/**
 * The SDK runtime of a worker process: its logs (the SDK's own, Core's
 * forwarded ones and every workflow or activity `log` line) through the
 * process's pino logger at TEMPORAL_SDK_LOG_LEVEL, and, with
 * TEMPORAL_METRICS_ADDRESS, Core's Prometheus exporter for the worker metrics
 * (task slots, poll and schedule-to-start latencies, sticky cache), in
 * seconds and with Prometheus' `_total` and unit suffixes.
 */
export function runtimeOptions(config: AppConfig, logger: Logger): RuntimeOptions {
  const level = config.temporal.sdkLogLevel;
  const bindAddress = config.metrics.temporalAddress;
  return {
    // The SDK installs its own SIGINT/SIGTERM handlers by default, which would stop
    // the worker while the HTTP server still accepts requests; we order shutdown ourselves.
    shutdownSignals: [],
    logger: new PinoSdkLogger(logger, level),
    telemetryOptions: {
      // Core's WARN lines always come through (PinoSdkLogger drops them below `level`): the stuck-workflow monitor reads one.
      logging: { filter: { core: level === 'ERROR' ? 'WARN' : level, other: 'ERROR' }, forward: {} },
      ...(bindAddress === null
        ? {}
        : { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } } }),
    },
  };
}

let installed = false;

/**
 * Installs the SDK runtime once per process. It must come before anything
 * instantiates the runtime with defaults (a NativeConnection, a Worker, the
 * SDK's own dev server download), which is why `npm start` calls it first.
 */
export function installRuntime(config: AppConfig, logger: Logger): void {
  if (installed) return;
  try {
    Runtime.install(runtimeOptions(config, logger));
  } catch (error) {
    const message = (error as Error).message;
    if (/prometheus/i.test(message)) {
      throw new StartupError(`TEMPORAL_METRICS_ADDRESS=${config.metrics.temporalAddress}: ${message}. Set it to a free address, or "off".`);
    }
    throw error;
  }
  installed = true;
}
