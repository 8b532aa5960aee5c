import { Type } from '@sinclair/typebox';
import { closed, Id, nullable, StateSchema } from './requests';

// The answers about stuck workflows (workflows whose workflow tasks keep
// failing): the marker on a conversation's read and the admin list.

const Time = Type.String({ format: 'date-time' });
const failure = {
  workflowId: Type.String(),
  runId: Type.String({ description: 'The run that keeps failing; a reset starts another.' }),
  since: Type.String({ format: 'date-time', description: 'When the first of the failing attempts in a row failed.' }),
  detectedAt: Type.String({ format: 'date-time', description: 'When a worker’s monitor confirmed it stuck.' }),
  attempts: Type.Integer({ minimum: 1, description: 'Workflow task attempts in a row that failed or timed out.' }),
  cause: Type.String({
    description:
      'Temporal’s cause of the failure: NON_DETERMINISTIC_ERROR (the code no longer replays its history), WORKFLOW_WORKER_UNHANDLED_FAILURE (workflow code threw), TIMED_OUT, …',
  }),
  message: Type.String({ description: 'The last failure’s message (at most 1,000 characters).' }),
};

/** What a conversation's read says while its workflow is stuck. */
export const StuckMarker = nullable(
  closed(failure, 'The conversation’s workflow tasks keep failing: no operation can be applied until an operator fixes it.'),
  'Null unless the conversation’s workflow is stuck (see GET /api/stuck-workflows and the runbook).',
);

/** One stuck workflow in the admin list. */
export const StuckWorkflowItem = closed({
  conversationId: nullable(Id, 'The conversation, for a conversation workflow; null for a queue dispatcher or a webhook delivery.'),
  workflowType: Type.String(),
  state: nullable(StateSchema, 'The conversation’s state as the read model last recorded it (null: not a conversation).'),
  ...failure,
  checkedAt: { ...Time, description: 'When a monitor last confirmed it still failing.' },
});
