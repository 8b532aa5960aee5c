// Workflows registered by the worker, re-exported by name.
export { conversationWorkflow } from './conversation';
export { queueDispatcherWorkflow } from './queue-dispatcher';
export { webhookDeliveryWorkflow } from './webhook-delivery';
