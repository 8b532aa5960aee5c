import { ConfigError, loadConfig } from '../../src/config';
import { DEFAULT_WEBHOOK_CONFIG } from '../../src/config/webhooks';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('webhook configuration', () => {
  it('retries for 24 h, from 1 s doubling up to 10 min apart, 10 s per attempt, holding events at most 7 days, by default', () => {
    expect(loadConfig({}).webhooks).toEqual(DEFAULT_WEBHOOK_CONFIG);
    expect(DEFAULT_WEBHOOK_CONFIG).toEqual({
      delivery: {
        requestTimeoutMs: 10_000,
        initialIntervalMs: 1_000,
        maximumIntervalMs: 600_000,
        retryWindowMs: 86_400_000,
        wakeEveryMs: 60_000,
      },
      maxHoldMs: 7 * 86_400_000,
    });
  });

  it('reads CONVOFLOW_WEBHOOK_* durations', () => {
    const config = loadConfig({
      CONVOFLOW_WEBHOOK_TIMEOUT: '5s',
      CONVOFLOW_WEBHOOK_RETRY_INITIAL: '2s',
      CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL: '1h',
      CONVOFLOW_WEBHOOK_RETRY_WINDOW: '3d',
      CONVOFLOW_WEBHOOK_MAX_HOLD: '14d',
    });
    expect(config.webhooks).toEqual({
      delivery: {
        requestTimeoutMs: 5_000,
        initialIntervalMs: 2_000,
        maximumIntervalMs: 3_600_000,
        retryWindowMs: 3 * 86_400_000,
        wakeEveryMs: 60_000,
      },
      maxHoldMs: 14 * 86_400_000,
    });
  });

  it('refuses at start-up what is not a duration, "none", and a maximum interval below the first', () => {
    expect(problems({ CONVOFLOW_WEBHOOK_RETRY_WINDOW: 'a day' })).toContain('CONVOFLOW_WEBHOOK_RETRY_WINDOW');
    expect(problems({ CONVOFLOW_WEBHOOK_TIMEOUT: 'none' })).toContain('CONVOFLOW_WEBHOOK_TIMEOUT');
    expect(problems({ CONVOFLOW_WEBHOOK_RETRY_INITIAL: '5m', CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL: '1m' })).toContain(
      'CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL',
    );
  });
});
