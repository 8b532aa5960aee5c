/**
 * The one id rule of the project (conversations, agents, queues, customers,
 * messages): 1 to 128 letters, digits, or `_ . : @ -`. The API's schemas, the
 * workflow's input checks, the configuration file and the store all use it.
 */
// Spelled out rather than with \w, which other regex engines (OpenAPI tools in Python or Rust) read as Unicode-aware.
export const ID_PATTERN = '^[A-Za-z0-9_.:@-]{1,128}$';
/** The id rule in words, for error messages. */
export const ID_RULE = '1-128 letters, digits, or _ . : @ -';

const ID = new RegExp(ID_PATTERN);

/** Whether `value` is an id by the project's rule. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

/** The workflow id of a conversation. */
export function conversationWorkflowId(conversationId: string): string {
  return `conversation-${conversationId}`;
}

/** The workflow id of a queue's dispatcher. */
export function queueDispatcherWorkflowId(queueId: string): string {
  return `queue-dispatcher-${queueId}`;
}
