import type { Presence } from '../domain/routing';
import * as agents from './agent-programs';
import * as dispatch from './dispatch-programs';
import * as api from './api-programs';
import * as capacity from './capacity-programs';
import type { Dialect, Program } from './program';
import * as queues from './queue-programs';
import * as reads from './read-programs';
import type {
  AgentInput,
  AgentLoad,
  AgentRecord,
  ApplyConversationInput,
  ChatMessage,
  Assignment,
  CapacityStore,
  ConversationView,
  IdempotencyRecord,
  NewChatMessage,
  QueueEntry,
  QueueInput,
  QueueRecord,
  QueueStats,
  Reservation,
  ReserveInput,
  ReserveOutcome,
} from './types';

/** Where the store gets the time it stamps on reservations and assignments. */
export type Clock = () => Date;

/**
 * CapacityStore in terms of programs: a backend supplies only how to run a
 * program (read-only or in one write transaction), its dialect, and dispatch.
 */
export abstract class ProgramStore implements CapacityStore {
  protected constructor(
    protected readonly dialect: Dialect,
    private readonly clock: Clock,
  ) {}

  /** Runs a read-only program. */
  protected abstract read<T>(program: () => Program<T>): Promise<T>;
  /** Runs a program in one write transaction; the factory lets a backend retry it from scratch. */
  protected abstract write<T>(program: () => Program<T>): Promise<T>;

  abstract migrate(): Promise<void>;
  abstract close(): Promise<void>;
  abstract dispatch(queueId: string, limit: number): Promise<Assignment[]>;

  /** The current time as stored. */
  protected now(): string {
    return this.clock().toISOString();
  }

  upsertAgent(input: AgentInput): Promise<AgentRecord> {
    return this.write(() => agents.upsertAgent(this.dialect, input));
  }

  getAgent(id: string): Promise<AgentRecord | null> {
    return this.read(() => agents.getAgent(id));
  }

  listAgents(): Promise<AgentLoad[]> {
    return this.read(() => agents.listAgents());
  }

  setPresence(agentId: string, presence: Presence): Promise<AgentRecord | null> {
    return this.write(() => agents.setPresence(agentId, presence));
  }

  upsertQueue(input: QueueInput): Promise<QueueRecord> {
    return this.write(() => queues.upsertQueue(this.dialect, input));
  }

  getQueue(id: string): Promise<QueueRecord | null> {
    return this.read(() => queues.getQueue(id));
  }

  listQueues(): Promise<QueueStats[]> {
    return this.read(() => queues.listQueues());
  }

  claim(input: ReserveInput): Promise<ReserveOutcome> {
    const now = this.now();
    return this.write(() => capacity.claim(this.dialect, input, now));
  }

  reserve(input: ReserveInput): Promise<ReserveOutcome> {
    const now = this.now();
    return this.write(() => capacity.reserve(this.dialect, input, now));
  }

  applyConversation(input: ApplyConversationInput): Promise<void> {
    const now = this.now();
    return this.write(() => capacity.applyConversation(this.dialect, input, now));
  }

  releaseReservation(conversationId: string, agentId?: string): Promise<Reservation | null> {
    const now = this.now();
    return this.write(() => capacity.releaseReservation(this.dialect, conversationId, agentId, now));
  }

  getConversation(id: string): Promise<ConversationView | null> {
    return this.read(() => reads.getConversation(id));
  }

  listWorkItems(agentId: string): Promise<ConversationView[]> {
    return this.read(() => reads.listWorkItems(agentId));
  }

  listClosedWorkItems(agentId: string, since: Date): Promise<ConversationView[]> {
    return this.read(() => reads.listClosedWorkItems(agentId, since));
  }

  listQueueEntries(queueId: string, limit?: number): Promise<QueueEntry[]> {
    return this.read(() => reads.listQueueEntries(queueId, limit));
  }

  listReservations(agentId?: string): Promise<Reservation[]> {
    return this.read(() => reads.listReservations(agentId));
  }

  addMessage(message: NewChatMessage): Promise<ChatMessage> {
    const now = this.now();
    return this.write(() => api.addMessage(message, now));
  }

  deleteMessage(id: string): Promise<void> {
    return this.write(() => api.deleteMessage(id));
  }

  listMessages(conversationId: string, limit?: number): Promise<ChatMessage[]> {
    return this.read(() => api.listMessages(conversationId, limit));
  }

  addAgentToken(agentId: string, tokenHash: string, expiresAt: string | null = null): Promise<void> {
    const now = this.now();
    return this.write(() => api.addAgentToken(agentId, tokenHash, expiresAt, now));
  }

  deleteAgentToken(tokenHash: string): Promise<void> {
    return this.write(() => api.deleteAgentToken(tokenHash));
  }

  findAgentByTokenHash(tokenHash: string): Promise<string | null> {
    const now = this.now();
    return this.read(() => api.findAgentByTokenHash(tokenHash, now));
  }

  revokeAgentTokens(agentId: string, keepHash?: string): Promise<number> {
    return this.write(() => api.revokeAgentTokens(agentId, keepHash));
  }

  getIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | null> {
    return this.read(() => api.getIdempotencyRecord(scope, key));
  }

  saveIdempotencyRecord(scope: string, key: string, response: string): Promise<IdempotencyRecord> {
    const now = this.now();
    return this.write(() => api.saveIdempotencyRecord(scope, key, response, now));
  }

  overflowDue(queueId: string, now: Date, limit: number): Promise<dispatch.OverflowDue> {
    return this.read(() => dispatch.overflowDue(queueId, now, limit));
  }

  hasDispatchableWork(queueId: string): Promise<boolean> {
    return this.read(() => dispatch.hasDispatchableWork(queueId));
  }

  listUndeliveredAssignments(queueId: string, reservedBefore: Date): Promise<Assignment[]> {
    return this.read(() => reads.listUndeliveredAssignments(queueId, reservedBefore));
  }
}
