import { DEFAULT_QUEUE_ID } from '../domain/defaults';
import { PostgresBackend } from './backends/postgres';
import { SqliteBackend } from './backends/sqlite';
import type { Clock, Store } from './store';
import { storeOver } from './store';
import type { IntakeRule } from '../domain/intake';
import type { AgentInput, QueueInput } from './types';

export type { AgentDirectory } from './agents/agent-directory';
export type { ApiRecords } from './records/api-records';
export type { CapacityLedger } from './capacity/capacity-ledger';
export type { ConversationReadModel } from './conversations/read-model';
export type { EventLog } from './events/event-log';
export type { RoutingRules } from './agents/routing-rules';
export type { WebhookRegistry } from './webhooks/webhook-registry';
export type { StuckWorkflow, StuckWorkflowInput, StuckWorkflowRegistry, StuckWorkflowView } from './stuck/stuck-workflows';
export type { Clock, Store } from './store';
export { StoreError } from './store-error';

/** Where the store lives. */
export interface CreateStoreOptions {
  /** PostgreSQL connection URL; when set, the shared PostgreSQL store is used. */
  databaseUrl?: string | null;
  /** SQLite file for the embedded store (':memory:' for a private one). */
  sqliteFile: string;
  /** PostgreSQL schema to use instead of the default search_path. */
  postgresSchema?: string;
  clock?: Clock;
}

/** Opens the configured store, migrates it and makes sure the default queue exists. */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const store = storeOver(
    options.databaseUrl
      ? new PostgresBackend({ connectionString: options.databaseUrl, schema: options.postgresSchema, clock: options.clock })
      : new SqliteBackend({ file: options.sqliteFile, clock: options.clock }),
  );
  try {
    await store.migrate();
    await ensureDefaultQueue(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Queues, agents and intake rules to load at start-up. */
export interface SeedOptions {
  queues?: QueueInput[];
  agents?: AgentInput[];
  /** Written only when no rules were ever set (the admin API's changes since are kept). */
  intake?: IntakeRule[];
}

/** Creates the default queue unless it exists (an existing one keeps its settings). */
export async function ensureDefaultQueue(store: Store): Promise<void> {
  // upsertQueue with only an id creates with defaults or patches nothing.
  await store.upsertQueue({ id: DEFAULT_QUEUE_ID });
}

/**
 * Creates the configured queues, then agents, that do not exist yet. Existing
 * ones are left alone: presence, capacity and memberships changed at run time
 * (by the API) survive a restart, and several processes can seed at once.
 */
export async function seedStore(store: Store, seed: SeedOptions): Promise<void> {
  await ensureDefaultQueue(store);
  for (const queue of seed.queues ?? []) if (!(await store.getQueue(queue.id))) await store.upsertQueue(queue);
  for (const agent of seed.agents ?? []) if (!(await store.getAgent(agent.id))) await store.upsertAgent(agent);
  if (seed.intake && (await store.getIntakeRules()).version === 0) await store.replaceIntakeRules(seed.intake);
}
