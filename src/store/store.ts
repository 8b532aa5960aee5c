import type { AgentDirectory } from './agent-directory';
import { agentDirectoryOperations } from './agent-directory';
import type { ApiRecords } from './api-records';
import { apiRecordOperations } from './api-records';
import type { CapacityLedger } from './capacity-ledger';
import { capacityLedgerOperations } from './capacity-ledger';
import type { EventLog } from './event-log';
import { eventLogOperations } from './event-log';
import type { Runner } from './program';
import type { RoutingRules } from './routing-rules';
import { routingRulesOperations } from './routing-rules';
import { bindOperations } from './program';
import type { ConversationReadModel } from './read-model';
import { readModelOperations } from './read-model';
import type { StuckWorkflowRegistry } from './stuck-workflows';
import { stuckWorkflowOperations } from './stuck-workflows';
import type { WebhookRegistry } from './webhook-registry';
import { webhookRegistryOperations } from './webhook-registry';

/** Where the store gets the time it stamps on reservations, messages and events. */
export type Clock = () => Date;

/** A database the store runs on: how to run programs, migrate and close. */
export interface Backend extends Runner {
  /** Creates or upgrades the schema (versioned migrations). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Calls `listener` after commits that wrote events (see Store.onEvents); returns the unsubscribe. */
  onEvents(listener: () => void): () => void;
}

/**
 * The store: every face implemented over one backend. Code that needs only
 * one concept takes that face's interface (the routing activities take the
 * CapacityLedger, authentication the ApiRecords and AgentDirectory).
 */
export interface Store
  extends
    AgentDirectory,
    CapacityLedger,
    ConversationReadModel,
    ApiRecords,
    EventLog,
    RoutingRules,
    WebhookRegistry,
    StuckWorkflowRegistry {
  /** Creates or upgrades the schema (versioned migrations). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /**
   * Calls `listener` (no arguments: read `listEvents` after your last id) soon
   * after any commit that wrote events: in this process with SQLite, in every
   * process on the database with PostgreSQL. Returns the unsubscribe.
   */
  onEvents(listener: () => void): () => void;
}

/** Binds every face's operations to `backend`. */
export function storeOver(backend: Backend): Store {
  return {
    ...bindOperations(backend, agentDirectoryOperations),
    ...bindOperations(backend, capacityLedgerOperations),
    ...bindOperations(backend, readModelOperations),
    ...bindOperations(backend, apiRecordOperations),
    ...bindOperations(backend, eventLogOperations),
    ...bindOperations(backend, routingRulesOperations),
    ...bindOperations(backend, webhookRegistryOperations),
    ...bindOperations(backend, stuckWorkflowOperations),
    migrate: () => backend.migrate(),
    close: () => backend.close(),
    onEvents: (listener) => backend.onEvents(listener),
  };
}
