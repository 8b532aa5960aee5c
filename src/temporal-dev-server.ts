import { loadConfig } from './config';
import { exitOnStartupError, onShutdownSignal } from './shutdown';
import { startDevServer } from './temporal/dev-server';

/**
 * `npm run start:temporal`: the dev server `npm start` embeds, alone (same
 * flags, search attributes, dynamic config and data file), for running the
 * worker and the API as separate processes against it.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { devServer } = config.temporal;
  if (config.temporal.address !== null) {
    console.log(`(TEMPORAL_ADDRESS=${config.temporal.address} is for the worker and API; this starts the dev server itself.)`);
  }
  const started = Date.now();
  const server = await startDevServer(config.temporal);
  console.log(`Temporal dev server ready in ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${devServer.dbFile}).`);
  console.log('');
  console.log(`  Temporal gRPC: ${server.address}   (TEMPORAL_ADDRESS=${server.address} npm run start:worker / start:api)`);
  console.log(`  Temporal UI:   ${server.uiUrl}`);
  console.log('');
  console.log('Press Ctrl-C to stop.');
  onShutdownSignal(() => server.stop());
  const how = await server.unexpectedExit;
  console.error(`The Temporal dev server stopped by itself (${how}).`);
  process.exit(1);
}

main().catch(exitOnStartupError);
