import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { conversationWorkflowId, queueDispatcherWorkflowId } from '../domain/ids';
import { ActorKind } from '../domain/operations';
import type { Router } from '../routing/router';
import { assignSignal, offerSignal, pokeSignal, rerouteSignal } from '../../workflows/messages';
import type { queueDispatcherWorkflow } from '../../workflows/queue-dispatcher';
import { WORKFLOW_TASK_TIMEOUT } from './task-timeout';

const ENGINE = { kind: ActorKind.Engine };

/** Sends a signal; false when the workflow has ended (nothing to deliver to). */
async function signalIfRunning(send: () => Promise<void>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The router over a Temporal client: dispatchers are workflows on the worker's task queue. */
export function createTemporalRouter(client: Client, taskQueue: string): Router {
  async function pokeOne(queueId: string): Promise<void> {
    const workflowId = queueDispatcherWorkflowId(queueId);
    try {
      await client.workflow.signalWithStart<typeof queueDispatcherWorkflow, []>('queueDispatcherWorkflow', {
        workflowId,
        taskQueue,
        workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
        args: [{ queueId }],
        signal: pokeSignal,
        signalArgs: [],
      });
    } catch (error) {
      // Two pokes racing to start the same dispatcher: the loser's poke still has to land.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      await client.workflow.getHandle(workflowId).signal(pokeSignal);
    }
  }

  return {
    async poke(queueIds) {
      await Promise.all([...new Set(queueIds)].map((queueId) => pokeOne(queueId)));
    },
    deliver(a) {
      const handle = client.workflow.getHandle(conversationWorkflowId(a.conversationId));
      return signalIfRunning(() =>
        a.offer
          ? handle.signal(offerSignal, { agentId: a.agentId, ...a.offer, actor: ENGINE })
          : handle.signal(assignSignal, { agentId: a.agentId, actor: ENGINE }),
      );
    },
    reroute(conversationId, toQueueId, reason, fromQueueId) {
      return signalIfRunning(() =>
        client.workflow.getHandle(conversationWorkflowId(conversationId)).signal(rerouteSignal, {
          toQueueId,
          actor: ENGINE,
          ...(reason && reason !== 'overflow' && { reason }),
          ...(fromQueueId !== undefined && { fromQueueId }),
        }),
      );
    },
  };
}
