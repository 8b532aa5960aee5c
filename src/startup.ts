import { mkdirSync } from 'node:fs';
import type { Connection } from '@temporalio/client';
import type { AppConfig } from './config';
import { StartupError } from './startup-error';
import { createStore, seedStore } from './store';
import type { Store } from './store/store';
import { registerSearchAttributes, searchAttributeCommands } from './temporal/search-attributes';

/** Opens (and migrates) the configured store and creates the configured queues and agents it lacks. */
export async function openStore(config: AppConfig): Promise<Store> {
  if (config.databaseUrl === null) mkdirSync(config.dataDir, { recursive: true });
  const store = await createStore({ databaseUrl: config.databaseUrl, sqliteFile: config.sqliteFile });
  try {
    await seedStore(store, config.seed);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * Makes sure an existing cluster knows the custom search attributes (the embedded
 * dev server gets them on its command line). Some clusters, such as Temporal Cloud,
 * refuse operator calls: then warn with the commands to run instead of refusing to start.
 */
export async function ensureSearchAttributes(config: AppConfig, connection: Connection): Promise<void> {
  if (config.temporal.address === null) return;
  try {
    await registerSearchAttributes(connection, config.temporal.namespace);
  } catch (error) {
    const commands = searchAttributeCommands(config.temporal.namespace);
    console.warn(`Could not register search attributes (${(error as Error).message}). Register them yourself:\n  ${commands.join('\n  ')}`);
  }
}

/** Scaled deployments run against an existing cluster; refuses to start without TEMPORAL_ADDRESS. */
export function requireRemoteCluster(config: AppConfig, command: string): void {
  if (config.temporal.address === null) {
    throw new StartupError(
      `${command} needs TEMPORAL_ADDRESS (a running cluster); \`npm start\` runs everything with an embedded dev server.`,
    );
  }
}
