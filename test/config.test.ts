import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfigFile } from '../src/config/file';
import { ConfigError, DEFAULT_CONFIG_FILE, describeConfig, loadConfig } from '../src/config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../src/domain/lifecycle-config';

const dir = mkdtempSync(join(tmpdir(), 'convoflow-config-'));

function configFile(contents: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

function loadError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('uses the embedded dev server, SQLite and local ports by default', () => {
    const config = loadConfig({});
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.temporal).toEqual({
      address: null,
      namespace: 'default',
      taskQueue: 'conversations',
      tls: null,
      apiKey: null,
      sdkLogLevel: 'WARN',
      devServer: {
        port: 7233,
        uiPort: 8233,
        httpPort: 7243,
        metricsPort: 7244,
        dbFile: join(resolve('data'), 'temporal.sqlite'),
        pidFile: join(resolve('data'), 'temporal-dev-server.pid'),
      },
    });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.databaseUrl).toBeNull();
    expect(config.sqliteFile).toBe(join(resolve('data'), 'convoflow.sqlite'));
    expect(config.configFile).toBe(DEFAULT_CONFIG_FILE);
  });

  it('ships a demo file whose lifecycle section equals the built-in defaults', () => {
    const config = loadConfig({});
    expect(config.lifecycle).toEqual(DEFAULT_LIFECYCLE_CONFIG);
    expect(config.seed.queues.map((q) => q.id)).toEqual(['default', 'billing']);
    expect(config.seed.agents.map((a) => [a.id, a.capacity])).toEqual([
      ['alice', 100],
      ['bob', 100],
      ['carol', 100],
    ]);
  });

  it('reads a remote cluster, its namespace and an API key from the environment', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'support',
      TEMPORAL_TASK_QUEUE: 'chats',
      TEMPORAL_API_KEY: 'secret',
      DATABASE_URL: 'postgres://app:pw@db:5432/convoflow',
      HOST: '0.0.0.0',
      PORT: '8080',
      CONVOFLOW_DATA_DIR: dir,
    });
    expect(config.temporal.address).toBe('temporal:7233');
    expect(config.temporal.namespace).toBe('support');
    expect(config.temporal.taskQueue).toBe('chats');
    expect(config.temporal.apiKey).toBe('secret');
    expect(config.databaseUrl).toBe('postgres://app:pw@db:5432/convoflow');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.sqliteFile).toBe(join(dir, 'convoflow.sqlite'));
  });

  it('reads mutual TLS file paths when they exist', () => {
    const cert = configFile('cert');
    const key = configFile('key');
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.example:7233', TEMPORAL_TLS_CERT_PATH: cert, TEMPORAL_TLS_KEY_PATH: key });
    expect(config.temporal.tls).toEqual({ certPath: cert, keyPath: key, caPath: null, serverName: null });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '', PORT: ' ' }).temporal.address).toBeNull();
  });

  it('lists every environment problem in one message', () => {
    const message = loadError({
      PORT: 'eighty',
      TEMPORAL_ADDRESS: 'http://temporal',
      TEMPORAL_TLS_CERT_PATH: '/no/such/cert.pem',
      TEMPORAL_SDK_LOG_LEVEL: 'loud',
    });
    expect(message).toContain('PORT=eighty: expected a port number');
    expect(message).toContain('TEMPORAL_ADDRESS=http://temporal: expected host:port');
    expect(message).toContain('TEMPORAL_TLS_CERT_PATH=/no/such/cert.pem: no such file');
    expect(message).toContain('must be set together');
    expect(message).toContain('TEMPORAL_SDK_LOG_LEVEL=LOUD: expected one of');
  });

  it('derives the dev server HTTP and metrics ports and refuses a UI port among them', () => {
    expect(loadConfig({ TEMPORAL_DEV_SERVER_PORT: '7400' }).temporal.devServer).toMatchObject({ httpPort: 7410, metricsPort: 7411 });
    expect(loadError({ TEMPORAL_DEV_SERVER_PORT: '7400', TEMPORAL_UI_PORT: '7410' })).toContain(
      'TEMPORAL_UI_PORT=7410: must differ from TEMPORAL_DEV_SERVER_PORT and from it + 10 and + 11',
    );
    expect(loadError({ TEMPORAL_DEV_SERVER_PORT: '65530' })).toContain('TEMPORAL_DEV_SERVER_PORT=65530: at most 65524');
  });

  it('refuses TLS settings without a remote address', () => {
    expect(loadError({ TEMPORAL_API_KEY: 'k' })).toContain('set TEMPORAL_ADDRESS too');
  });

  it('refuses a non-PostgreSQL DATABASE_URL without echoing it', () => {
    const message = loadError({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(message).toContain('DATABASE_URL: expected postgres://');
    expect(message).not.toContain('hunter2');
  });

  it('names a missing or malformed configuration file', () => {
    expect(loadError({ CONVOFLOW_CONFIG: join(dir, 'missing.json') })).toContain('cannot read the configuration file (ENOENT)');
    expect(loadError({ CONVOFLOW_CONFIG: configFile('{ nope') })).toContain('not valid JSON');
  });

  it('summarises without secrets', () => {
    const summary = describeConfig(loadConfig({ DATABASE_URL: 'postgres://app:hunter2@db/x' }));
    expect(summary).toContain('store=PostgreSQL');
    expect(summary).not.toContain('hunter2');
  });
});

describe('parseConfigFile', () => {
  it('fills defaults for an empty file', () => {
    expect(parseConfigFile({})).toEqual({ lifecycle: DEFAULT_LIFECYCLE_CONFIG, autoPresence: false, seed: { queues: [], agents: [] } });
  });

  it('reads offer mode per queue with durations, and automatic presence per agent over the global switch', () => {
    const { seed, autoPresence } = parseConfigFile({
      autoPresence: true,
      queues: [{ id: 'sales', offerMode: 'offer', offerTimeout: '90s', maxDeclines: 2, missedOfferPresence: 'unchanged' }],
      agents: [
        { id: 'a', queues: ['sales'] },
        { id: 'b', autoPresence: false },
      ],
    });
    expect(autoPresence).toBe(true);
    expect(seed.queues[0]).toMatchObject({ offerMode: 'offer', offerTimeoutMs: 90_000, maxDeclines: 2, missedOfferPresence: null });
    expect(seed.agents.map((x) => [x.id, x.autoPresence])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('converts queue overflow durations to milliseconds', () => {
    const { seed } = parseConfigFile({ queues: [{ id: 'vip', overflow: { after: '2m', toQueueId: 'default' } }] });
    expect(seed.queues[0]?.overflow).toEqual({ afterMs: 120_000, toQueueId: 'default' });
  });

  it('ships a routing example that parses: offers, skills, intake rules and business hours', () => {
    const { seed } = parseConfigFile(JSON.parse(readFileSync(join(__dirname, '..', 'config', 'routing-example.json'), 'utf8')));
    expect(seed.queues.find((q) => q.id === 'billing')).toMatchObject({
      offerMode: 'offer',
      offerTimeoutMs: 120_000,
      outOfHoursQueueId: 'default',
      hours: { timeZone: 'Europe/Paris' },
    });
    expect(seed.agents.find((a) => a.id === 'amelie')?.skills).toEqual({ french: 9, refunds: 6 });
    expect(seed.intake?.[0]).toMatchObject({
      id: 'french-billing',
      then: { requirements: [{ skill: 'french', minProficiency: 8, relaxAfterMs: 60_000 }] },
    });
  });

  it('reads business hours and an out-of-hours queue per queue', () => {
    const hours = { timeZone: 'Europe/Paris', weekly: { mon: [{ from: '08:00', to: '18:00' }] }, holidays: ['2026-12-25'] };
    const { seed } = parseConfigFile({ queues: [{ id: 'billing', hours, outOfHoursQueueId: 'default' }] });
    expect(seed.queues[0]).toMatchObject({ hours, outOfHoursQueueId: 'default' });
  });

  it('applies lifecycle overrides', () => {
    const { lifecycle } = parseConfigFile({ lifecycle: { reviveWindow: '5m', wrapUp: { policy: 'release' } } });
    expect(lifecycle.reviveWindowMs).toBe(300_000);
    expect(lifecycle.wrapUp.policy).toBe('release');
  });

  it.each([
    [{ agents: [{ id: 'a', capcity: 5 }] }, 'agents[0].capcity: unknown setting'],
    [{ agents: [{ id: 'a', capacity: -1 }] }, 'agents[0].capacity: expected an integer >= 0'],
    [{ agents: [{ id: 'a', presence: 'Sleeping' }] }, 'agents[0].presence: expected one of'],
    [{ agents: [{ id: 'a', queues: ['nowhere'] }] }, 'agents[0].queues: unknown queue "nowhere"'],
    [{ agents: [{ id: 'a' }, { id: 'a' }] }, 'agents[1].id: duplicate id "a"'],
    [{ agents: [{ id: 'has space' }] }, 'agents[0].id: expected an id'],
    [{ queues: [{ id: 'q', assignmentMethod: 'random' }] }, 'queues[0].assignmentMethod: expected one of'],
    [{ queues: [{ id: 'q', overflow: { after: 'soon', toQueueId: 'default' } }] }, 'queues[0].overflow.after: expected a duration'],
    [{ queues: [{ id: 'q', overflow: { after: '1m', toQueueId: 'elsewhere' } }] }, 'queues[0].overflow.toQueueId: unknown queue'],
    [
      { queues: [{ id: 'q', hours: { timeZone: 'Europe/Paris', weekly: { fri: [{ from: '18:00', to: '09:00' }] } } }] },
      'queues[0].hours.weekly.fri[0].to: must be after from',
    ],
    [{ queues: [{ id: 'q', hours: { timeZone: 'Paris', weekly: {} } }] }, 'queues[0].hours.timeZone: unknown time zone'],
    [{ queues: [{ id: 'q', outOfHoursQueueId: 'q' }] }, 'queues[0].outOfHoursQueueId: expected another queue of this file'],
    [{ queues: {} }, 'queues: expected a list'],
    [{ queues: [{ id: 'q', offerMode: 'push' }] }, 'queues[0].offerMode: expected "autoAccept" or "offer"'],
    [{ queues: [{ id: 'q', offerTimeout: '2d' }] }, 'queues[0].offerTimeout: expected a duration from 1s to 24h'],
    [{ queues: [{ id: 'q', maxDeclines: 9 }] }, 'queues[0].maxDeclines: expected 1 to 5'],
    [{ agents: [{ id: 'a', autoPresence: 'yes' }] }, 'agents[0].autoPresence: expected true or false'],
    [{ lifecycle: { reviveWindow: 'forever' } }, 'lifecycle.reviveWindow'],
    [{ agnets: [] }, 'config.agnets: unknown setting'],
    [[], 'config: expected an object'],
  ])('refuses %j naming the field', (raw, message) => {
    expect(() => parseConfigFile(raw)).toThrow(message);
  });
});
