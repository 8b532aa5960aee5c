/** The workflow id of a conversation. */
export function conversationWorkflowId(conversationId: string): string {
  return `conversation-${conversationId}`;
}

/** The workflow id of a queue's dispatcher. */
export function queueDispatcherWorkflowId(queueId: string): string {
  return `queue-dispatcher-${queueId}`;
}
