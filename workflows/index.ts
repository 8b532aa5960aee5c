// Workflows registered by the worker, re-exported by name.
export { conversationWorkflow } from './conversation';
