// What the pages read from the API: the server's own types, imported as types only.
export type { StoredEvent } from '../../domain/events';
export type { PositionFrameData } from '../../live/position-frame';
export type { Presence } from '../../domain/presence';
export type { ConversationState } from '../../domain/states';
export type { AgentLoad, ChatMessage, ConversationView, QueueEntry, QueueStats } from '../../store/types';

import type { Static } from '@sinclair/typebox';
import type { StuckWorkflowItem as StuckWorkflowSchema } from '../../api/schemas/stuck';
import type { AgentLoad, ConversationView } from '../../store/types';

/** GET /api/me. */
export type Me = { kind: 'admin' } | { kind: 'agent'; agent: AgentLoad } | { kind: 'customer'; conversation: ConversationView };

/** GET /api/ui-config. */
export interface UiConfig {
  temporalUiUrl: string | null;
  namespace: string;
  queues: { id: string; name: string }[];
}

/** GET /api/stuck-workflows: one workflow whose workflow tasks keep failing (the answer's own schema). */
export type StuckWorkflowItem = Static<typeof StuckWorkflowSchema>;
