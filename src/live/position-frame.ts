// The customer's position frame, shared by the stream (src/live) and the chat page (src/pages): no imports, so the
// pages can take its types without the server's.

/**
 * The frame a customer's stream sends when their place in the queue changed,
 * and once after connecting (after the backlog). Derived from the hub's index,
 * not an outbox event: it has no `id:` line, so it never moves a client's
 * Last-Event-ID resume point.
 */
export const POSITION_FRAME = 'conversation.position';

/** The data of a position frame; every field but the id is null once the conversation waits in no queue. */
export interface PositionFrameData {
  conversationId: string;
  queueId: string | null;
  /** 1-based place in the queue's service order. */
  position: number | null;
  /** How many wait in the queue, this conversation included. */
  waiting: number | null;
  /** The queue's moving average of recent waits; null until 20 waits were measured. */
  estimatedWaitMs: number | null;
  /** Whether the queue is outside its business hours (null once it waits in no queue). */
  closed: boolean | null;
  /** While closed: when the queue opens (null: open, unknown, or no queue). */
  opensAt: string | null;
}
