// What the pages read from the API: the answers of its routes, typed from the
// schemas that validate them on the server, and the event types of the stream.
import type { Answer } from './client';

export type { StoredEvent } from '../../domain/events';
export type { PositionFrameData } from '../../live/position-frame';
export type { Presence } from '../../domain/presence';
export type { ConversationState } from '../../domain/states';

/** GET /api/me: who a token is. */
export type Me = Answer<'get', '/api/me'>;
/** GET /api/ui-config. */
export type UiConfig = Answer<'get', '/api/ui-config'>;
/** An agent with its load (GET /api/agents). */
export type AgentLoad = Answer<'get', '/api/agents'>['agents'][number];
/** A conversation as lists show it (My work items, the supervisor's list). */
export type ConversationView = Answer<'get', '/api/agents/:id/work-items'>['workItems'][number];
/** A queue with its depth and oldest wait (GET /api/queues). */
export type QueueStats = Answer<'get', '/api/queues'>['queues'][number];
/** An Open conversation an agent may pick (GET /api/queues/:id/open-work-items). */
export type QueueEntry = Answer<'get', '/api/queues/:id/open-work-items'>['openWorkItems'][number];
/** One chat message. */
export type ChatMessage = Answer<'get', '/api/conversations/:id/messages'>['messages'][number];
/** GET /api/stuck-workflows: one workflow whose workflow tasks keep failing. */
export type StuckWorkflowItem = Answer<'get', '/api/stuck-workflows'>['stuckWorkflows'][number];
