import type { AgentDirectory } from './agents/agent-directory';
import { agentDirectoryOperations } from './agents/agent-directory';
import type { ApiRecords } from './records/api-records';
import { apiRecordOperations } from './records/api-records';
import type { CapacityLedger } from './capacity/capacity-ledger';
import { capacityLedgerOperations } from './capacity/capacity-ledger';
import type { EventLog } from './events/event-log';
import { eventLogOperations } from './events/event-log';
import type { Runner } from './program';
import type { RoutingRules } from './agents/routing-rules';
import { routingRulesOperations } from './agents/routing-rules';
import { bindOperations } from './program';
import type { ConversationReadModel } from './conversations/read-model';
import { readModelOperations } from './conversations/read-model';
import type { StuckWorkflowRegistry } from './stuck/stuck-workflows';
import { stuckWorkflowOperations } from './stuck/stuck-workflows';
import type { WebhookRegistry } from './webhooks/webhook-registry';
import { webhookRegistryOperations } from './webhooks/webhook-registry';

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
