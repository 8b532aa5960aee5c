import type { Presence } from '../../domain/presence';
import * as agents from './agent-programs';
import type { Operations } from '../program';
import { read, write } from '../program';
import * as queues from './queue-programs';
import type { AgentInput, AgentLoad, AgentRecord, QueueInput, QueueRecord, QueueStats } from '../types';

/** Agents (capacity, presence, memberships) and queues (settings, depth). */
export interface AgentDirectory {
  /** Creates an agent with defaults, or patches only the given fields; `queues` replaces membership. */
  upsertAgent(input: AgentInput): Promise<AgentRecord>;
  getAgent(id: string): Promise<AgentRecord | null>;
  /** Every agent with its load, ordered by id. */
  listAgents(): Promise<AgentLoad[]>;
  /** Changes an agent's presence; null when the agent is unknown. */
  setPresence(agentId: string, presence: Presence): Promise<AgentRecord | null>;

  /** Creates a queue with defaults, or patches only the given fields. */
  upsertQueue(input: QueueInput): Promise<QueueRecord>;
  getQueue(id: string): Promise<QueueRecord | null>;
  /** Every queue with depth, oldest wait and member count, in priority order. */
  listQueues(): Promise<QueueStats[]>;
}

/** The AgentDirectory operations. */
export const agentDirectoryOperations: Operations<AgentDirectory> = {
  upsertAgent: write(agents.upsertAgent),
  getAgent: read(agents.getAgent),
  listAgents: read(agents.listAgents),
  setPresence: write(agents.setPresence),
  upsertQueue: write(queues.upsertQueue),
  getQueue: read(queues.getQueue),
  listQueues: read(queues.listQueues),
};
