import type { ConversationDetails } from '../../domain/snapshot';
import type { Operations } from '../program';
import { read } from '../program';
import * as reads from './read-programs';
import type { ConversationFilter, ConversationView, QueueEntry } from '../types';

/** What people see of conversations, written by the workflows' store writes. */
export interface ConversationReadModel {
  getConversation(id: string): Promise<ConversationView | null>;
  /**
   * The conversation in full, exactly as its workflow's query answers it
   * (written with each transition); null when the store does not know it in
   * full (written before details were kept): ask the workflow then.
   */
  getConversationDetails(id: string): Promise<ConversationDetails | null>;
  /** My work items: an agent's Active, Wrap-up and Waiting conversations. */
  listWorkItems(agentId: string): Promise<ConversationView[]>;
  /** Closed work items: an agent's conversations closed at or after `since`. */
  listClosedWorkItems(agentId: string, since: Date): Promise<ConversationView[]>;
  /** Open conversations of a queue in service order (priority, then arrival). */
  listQueueEntries(queueId: string, limit?: number): Promise<QueueEntry[]>;
  /** Conversations matching every given field, newest first, at most `limit` (1-1,000): the supervisor's list. */
  listConversations(filter: ConversationFilter): Promise<ConversationView[]>;
}

/** The ConversationReadModel operations. */
export const readModelOperations: Operations<ConversationReadModel> = {
  getConversation: read(reads.getConversation),
  getConversationDetails: read(reads.getConversationDetails),
  listWorkItems: read(reads.listWorkItems),
  listClosedWorkItems: read(reads.listClosedWorkItems),
  listQueueEntries: read(reads.listQueueEntries),
  listConversations: read(reads.listConversations),
};
