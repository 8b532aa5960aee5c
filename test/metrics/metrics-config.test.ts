import { ConfigError, isLoopbackHost, loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { runtimeOptions } from '../../src/temporal/runtime';

function loadError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('metrics settings', () => {
  it('default to /metrics for local requests, no worker metrics server and no SDK metrics', () => {
    expect(loadConfig({}).metrics).toEqual({ access: { kind: 'local' }, worker: null, temporalAddress: null });
  });

  it('read the metrics token ("none": open), the worker metrics address and the SDK metrics address', () => {
    const config = loadConfig({
      CONVOFLOW_METRICS_TOKEN: 'metrics-token-0123456789',
      CONVOFLOW_WORKER_METRICS_HOST: '0.0.0.0',
      CONVOFLOW_WORKER_METRICS_PORT: '9465',
      TEMPORAL_METRICS_ADDRESS: '0.0.0.0:9464',
    });
    expect(config.metrics).toEqual({
      access: { kind: 'token', token: 'metrics-token-0123456789' },
      worker: { host: '0.0.0.0', port: 9465 },
      temporalAddress: '0.0.0.0:9464',
    });
    expect(loadConfig({ CONVOFLOW_METRICS_TOKEN: 'none' }).metrics.access).toEqual({ kind: 'open' });
    expect(loadConfig({ CONVOFLOW_WORKER_METRICS_PORT: '9465' }).metrics.worker).toEqual({ host: '127.0.0.1', port: 9465 });
    expect(loadConfig({ TEMPORAL_METRICS_ADDRESS: 'off' }).metrics.temporalAddress).toBeNull();
  });

  it('refuse a short token, a worker metrics server open beyond loopback, and a malformed SDK address, without echoing the token', () => {
    const short = loadError({ CONVOFLOW_METRICS_TOKEN: 'short-secret' });
    expect(short).toContain('CONVOFLOW_METRICS_TOKEN: must be at least 16 characters');
    expect(short).not.toContain('short-secret');
    expect(loadError({ CONVOFLOW_WORKER_METRICS_HOST: '0.0.0.0', CONVOFLOW_WORKER_METRICS_PORT: '9465' })).toContain(
      'CONVOFLOW_WORKER_METRICS_HOST=0.0.0.0 is not loopback: set CONVOFLOW_METRICS_TOKEN',
    );
    expect(loadError({ CONVOFLOW_WORKER_METRICS_PORT: '99999' })).toContain('CONVOFLOW_WORKER_METRICS_PORT=99999');
    expect(loadError({ TEMPORAL_METRICS_ADDRESS: '9464' })).toContain('TEMPORAL_METRICS_ADDRESS=9464: expected host:port');
  });

  it('tell loopback hosts from the others', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.5', 'api.internal'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('the SDK runtime options', () => {
  const logger = createLogger({ level: 'silent' });

  it('forward Core logs at TEMPORAL_SDK_LOG_LEVEL and install no signal handlers', () => {
    const options = runtimeOptions(loadConfig({ TEMPORAL_SDK_LOG_LEVEL: 'info' }), logger);
    expect(options.shutdownSignals).toEqual([]);
    expect(options.telemetryOptions).toEqual({ logging: { filter: { core: 'INFO', other: 'ERROR' }, forward: {} } });
  });

  it('add the Prometheus exporter only with TEMPORAL_METRICS_ADDRESS', () => {
    const options = runtimeOptions(loadConfig({ TEMPORAL_METRICS_ADDRESS: '127.0.0.1:9464' }), logger);
    expect(options.telemetryOptions?.metrics).toEqual({
      prometheus: { bindAddress: '127.0.0.1:9464', countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
    });
  });
});
