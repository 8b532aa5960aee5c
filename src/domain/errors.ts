/**
 * Machine-readable codes for every business refusal. Workflows throw them as
 * ApplicationFailure types, activities as non-retryable failures, and the API
 * maps them to HTTP statuses.
 */
export const ErrorCode = {
  InvalidTransition: 'INVALID_TRANSITION',
  ConversationClosed: 'CONVERSATION_CLOSED',
  InvalidInput: 'INVALID_INPUT',
  NotYourConversation: 'NOT_YOUR_CONVERSATION',
  ReviveWindowExpired: 'REVIVE_WINDOW_EXPIRED',
  CustomerDisconnected: 'CUSTOMER_DISCONNECTED',
  NoCapacity: 'NO_CAPACITY',
  AlreadyTaken: 'ALREADY_TAKEN',
  UnknownAgent: 'UNKNOWN_AGENT',
  UnknownQueue: 'UNKNOWN_QUEUE',
  UnknownConversation: 'UNKNOWN_CONVERSATION',
  NotQueueMember: 'NOT_QUEUE_MEMBER',
  /** An accept or decline of an offer whose countdown ended first (sent after it, or the expiry was applied first). */
  OfferExpired: 'OFFER_EXPIRED',
  /** An accept or decline of an offer that no longer stands for this agent: declined, withdrawn, or the conversation went elsewhere. */
  OfferTaken: 'OFFER_TAKEN',
} as const;

/** One of the business error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refused operation: the code, a human sentence, and optional details. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
