import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import type { DevServer } from '../../src/temporal/dev-server';
import { startDevServer } from '../../src/temporal/dev-server';
import { resolveDevServerExecutable } from '../../src/temporal/executables';
import { indexedValueType, registerSearchAttributes } from '../../src/temporal/search-attributes';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

/** A port that was free a moment ago (the dev server needs fixed ports). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// Without a provisioned CLI this would download one, which offline machines cannot.
const provisioned = resolveDevServerExecutable().type === 'existing-path';
const describeIfProvisioned = provisioned ? describe : describe.skip;

describeIfProvisioned('embedded dev server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'convoflow-dev-server-'));
  let server: DevServer | undefined;
  let connection: Connection | undefined;

  afterAll(async () => {
    await connection?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts on the configured ports with every search attribute registered', async () => {
    const config = loadConfig({
      CONVOFLOW_DATA_DIR: dataDir,
      TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    server = await startDevServer(config.temporal, () => undefined);
    expect(server.address).toBe(`127.0.0.1:${config.temporal.devServer.port}`);

    connection = await Connection.connect({ address: server.address });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const key of SEARCH_ATTRIBUTES) expect(customAttributes?.[key.name]).toBe(indexedValueType(key.type));
    // Registering on a cluster that already has them (the TEMPORAL_ADDRESS path) is a no-op.
    await expect(registerSearchAttributes(connection, 'default')).resolves.toBeUndefined();

    const ui = await fetch(server.uiUrl);
    expect(ui.status).toBe(200);
  });

  it('stops on request and can be stopped twice', async () => {
    await server?.stop();
    await expect(server?.stop()).resolves.toBeUndefined();
    await expect(Connection.connect({ address: server?.address, connectTimeout: 500 })).rejects.toThrow();
  });
});
