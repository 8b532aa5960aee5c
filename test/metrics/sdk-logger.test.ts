import { Writable } from 'node:stream';
import { LogTimestamp } from '@temporalio/worker';
import { createLogger } from '../../src/logger';
import { PinoSdkLogger } from '../../src/temporal/sdk-logger';

/** A pino logger at `level` whose lines land in the returned array, parsed. */
function capture(level: string): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level }, sink) };
}

describe('the Temporal SDK logger over pino', () => {
  it('writes an SDK message as a pino line at its level, with the metadata as fields', () => {
    const { lines, logger } = capture('info');
    const sdk = new PinoSdkLogger(logger, 'INFO');
    sdk.warn('Refused signal', {
      sdkComponent: 'workflow',
      workflowId: 'conversation-c1',
      op: 'end',
      code: 'INVALID_TRANSITION',
      [LogTimestamp]: 1n,
    });
    sdk.log('ERROR', 'Worker failed', { sdkComponent: 'worker' });
    sdk.info('Worker state changed', { state: 'RUNNING' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Refused signal',
        service: 'convoflow',
        sdkComponent: 'workflow',
        workflowId: 'conversation-c1',
        op: 'end',
        code: 'INVALID_TRANSITION',
      }),
      expect.objectContaining({ level: 50, msg: 'Worker failed', sdkComponent: 'worker' }),
      expect.objectContaining({ level: 30, msg: 'Worker state changed', state: 'RUNNING' }),
    ]);
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('drops SDK messages below TEMPORAL_SDK_LOG_LEVEL, and pino drops what LOG_LEVEL leaves out', () => {
    const quiet = capture('info');
    const sdk = new PinoSdkLogger(quiet.logger, 'WARN');
    sdk.trace('Got workflow activation');
    sdk.debug('Workflow started');
    sdk.info('Worker state changed');
    sdk.warn('kept');
    expect(quiet.lines.map((l) => l.msg)).toEqual(['kept']);

    const errorsOnly = capture('error');
    const chatty = new PinoSdkLogger(errorsOnly.logger, 'TRACE');
    chatty.debug('Workflow started');
    chatty.warn('a warning');
    chatty.error('an error');
    expect(errorsOnly.lines.map((l) => l.msg)).toEqual(['an error']);

    const silent = capture('silent');
    new PinoSdkLogger(silent.logger, 'TRACE').error('an error');
    expect(silent.lines).toEqual([]);
  });

  it('writes an error under err with its type, message and stack', () => {
    const { lines, logger } = capture('info');
    new PinoSdkLogger(logger).error('Activity failed', { error: new TypeError('store down'), activityType: 'applyConversation' });
    expect(lines[0]).toMatchObject({ level: 50, activityType: 'applyConversation', err: { type: 'TypeError', message: 'store down' } });
    expect(String((lines[0]?.err as { stack?: string }).stack)).toContain('TypeError: store down');
    expect(lines[0]).not.toHaveProperty('error');
  });

  it('keeps tokens and message text out, as every log line of the process', () => {
    const { lines, logger } = capture('info');
    new PinoSdkLogger(logger).warn('odd input', { token: 'agt_secret', input: { text: 'my card number 4242', customerToken: 'cus_x' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('agt_secret');
    expect(text).not.toContain('4242');
    expect(text).not.toContain('cus_x');
    expect(lines[0]).toMatchObject({ token: '[redacted]', input: { text: '[redacted]', customerToken: '[redacted]' } });
  });
});
