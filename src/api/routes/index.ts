import type { EndpointOf } from '../http/route';
import { agentTokenRoutes } from './agent-tokens';
import { agentRoutes } from './agents';
import { conversationRoutes } from './conversations';
import { eventRoutes } from './events';
import { healthRoutes } from './health';
import { intakeRuleRoutes } from './intake-rules';
import { operationRoutes } from './operations';
import { queueRoutes } from './queues';
import { sessionRoutes } from './session';
import { stuckWorkflowRoutes } from './stuck-workflows';
import { supervisorListRoutes } from './supervisor-lists';
import { webhookRoutes } from './webhooks';

/** Every route of the API except the OpenAPI document itself (src/api/app.ts adds it). */
export const API_ROUTES = [
  ...healthRoutes,
  ...conversationRoutes,
  ...operationRoutes,
  ...agentRoutes,
  ...agentTokenRoutes,
  ...queueRoutes,
  ...supervisorListRoutes,
  ...stuckWorkflowRoutes,
  ...intakeRuleRoutes,
  ...sessionRoutes,
  ...eventRoutes,
  ...webhookRoutes,
] as const;

/** Every endpoint of the API as types (method, path, query, body, answers): what the pages' client is typed from. */
export type ApiEndpoint = EndpointOf<(typeof API_ROUTES)[number]>;
