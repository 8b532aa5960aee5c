import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import type { AppConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import type { DevServer } from '../../src/temporal/dev-server';
import { startDevServer } from '../../src/temporal/dev-server';
import { isAlive, readPidFile } from '../../src/temporal/dev-server-leftover';
import { bindProblem } from '../../src/temporal/dev-server-ports';
import { resolveDevServerExecutable } from '../../src/temporal/executables';
import { indexedValueType, registerSearchAttributes } from '../../src/temporal/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { devServerPorts } from '../helpers/ports';
import { describeWhen } from '../helpers/prerequisites';

// Without a provisioned CLI this would download one, which offline machines cannot.
const provisioned = resolveDevServerExecutable().type === 'existing-path';
const missing = provisioned ? null : 'the Temporal CLI is not provisioned in .temporal-cache (run npm install)';

describeWhen(missing, 'embedded dev server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'convoflow-dev-server-'));
  let config: AppConfig;
  let server: DevServer | undefined;
  let connection: Connection | undefined;

  beforeAll(async () => {
    const { port, uiPort } = await devServerPorts();
    config = loadConfig({ CONVOFLOW_DATA_DIR: dataDir, TEMPORAL_DEV_SERVER_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort) });
  });

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on the configured ports with every search attribute registered', async () => {
    server = await startDevServer(config.temporal, () => undefined);
    expect(server.address).toBe(`127.0.0.1:${config.temporal.devServer.port}`);
    // Every port it binds is one we chose: none left to a random pick that another program could take first.
    const { httpPort, metricsPort } = config.temporal.devServer;
    expect(await bindProblem('127.0.0.1', httpPort)).toBe('EADDRINUSE');
    expect(await bindProblem('127.0.0.1', metricsPort)).toBe('EADDRINUSE');
    expect(readPidFile(config.temporal.devServer.pidFile)?.parent).toBe(process.pid);

    connection = await Connection.connect({ address: server.address });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of SEARCH_ATTRIBUTES) expect(customAttributes?.[key.name]).toBe(indexedValueType(key.type));
    // Registering on a cluster that already has them (the TEMPORAL_ADDRESS path) is a no-op.
    await expect(registerSearchAttributes(connection, 'default')).resolves.toBeUndefined();

    const ui = await fetch(server.uiUrl);
    expect(ui.status).toBe(200);
  });

  it('refuses to start a second server on ports in use, naming the settings to change', async () => {
    await expect(
      startDevServer(
        { ...config.temporal, devServer: { ...config.temporal.devServer, pidFile: join(dataDir, 'other.pid') } },
        () => undefined,
      ),
    ).rejects.toThrow(
      /Port \d+ on 127\.0\.0\.1, the Temporal dev server's gRPC port \(TEMPORAL_DEV_SERVER_PORT\), is in use.*TEMPORAL_DEV_SERVER_PORT and TEMPORAL_UI_PORT/s,
    );
  });

  it('stops on request, server and watchdog alike, and can be stopped twice', async () => {
    const pids = readPidFile(config.temporal.devServer.pidFile);
    await server?.stop();
    await expect(server?.stop()).resolves.toBeUndefined();
    await expect(Connection.connect({ address: server?.address, connectTimeout: 500 })).rejects.toThrow();
    expect(pids).not.toBeNull();
    if (pids) expect([isAlive(pids.server), isAlive(pids.watchdog)]).toEqual([false, false]);
    expect(existsSync(config.temporal.devServer.pidFile)).toBe(false);
  });
});
