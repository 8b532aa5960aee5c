import type { RerouteReason } from '../domain/operations';
import type { Assignment } from '../store/conversation-write';

/**
 * The routing port: how routing reaches the queue dispatchers and the
 * conversations it assigns. The Temporal adapter is src/temporal/router.ts;
 * tests may pass their own.
 */
export interface Router {
  /** Tells each queue's dispatcher that something changed (starting it if needed). */
  poke(queueIds: Iterable<string>): Promise<void>;
  /** Hands a match to its conversation; false when the conversation no longer runs. */
  deliver(assignment: Assignment): Promise<boolean>;
  /** Moves an Open conversation to another queue (overflow, or out of hours); false when it no longer runs. */
  reroute(conversationId: string, toQueueId: string, reason?: RerouteReason, fromQueueId?: string): Promise<boolean>;
}
