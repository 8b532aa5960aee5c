import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ChatRequirement, Desk, DeskItem, NewChat, Op, Outcome } from '../../bench/chaos/desk';
import { conversationWorkflowId } from '../../src/domain/ids';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import type { Actor } from '../../src/domain/operations';
import type { Presence } from '../../src/domain/presence';
import type { ConversationState } from '../../src/domain/states';
import type { ConversationSummary } from '../../src/domain/summary';
import type { RoutingChanges } from '../../src/routing';
import type { Store } from '../../src/store/store';
import type { conversationWorkflow } from '../../workflows';
import * as m from '../../workflows/messages';

/** Units each chat fills (the queues' default). */
const UNITS = 10;

/** The update and argument of each operation, sent as `actor`. */
function message(op: Op, actor: Actor, toQueueId?: string): { def: UpdateDefinition<ConversationSummary, [never]>; arg: unknown } {
  const update = <A>(def: UpdateDefinition<ConversationSummary, [A]>, arg: A) => ({
    def: def as unknown as UpdateDefinition<ConversationSummary, [never]>,
    arg,
  });
  switch (op) {
    case 'accept':
      return update(m.acceptUpdate, { actor });
    case 'decline':
      return update(m.declineUpdate, { actor });
    case 'pick':
      return update(m.pickUpdate, { agentId: actor.id ?? '' });
    case 'end':
      return update(m.endUpdate, { actor });
    case 'closeTab':
      return update(m.closeTabUpdate, { actor });
    case 'transfer':
      return update(m.transferUpdate, { toQueueId, actor });
    case 'reopen':
      return update(m.reopenUpdate, { actor });
    case 'customerEnd':
      return update(m.customerEndUpdate, { actor });
    case 'disconnect':
      return update(m.disconnectUpdate, { actor });
  }
}

/** What a Temporal failure says about an operation: a refusal changed nothing; anything else may or may not have applied. */
function outcomeOf(error: unknown): Outcome {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    return { kind: 'refused', code: error.cause.type ?? 'ERROR' };
  }
  if (error instanceof WorkflowNotFoundError) return { kind: 'refused', code: 'NOT_FOUND' };
  const { name, message } = error as Error;
  return { kind: 'unknown', code: `${name}: ${message.split('\n')[0]?.slice(0, 100)}` };
}

/**
 * The chaos workload's desk over the Temporal client and the store directly,
 * as the API would call them: chats start as workflows, operations are
 * workflow updates whose id is the idempotency key (Temporal dedupes a retry),
 * presence changes go through RoutingChanges, and reads come from the store.
 */
export class ClientDesk implements Desk {
  constructor(
    private readonly client: Client,
    private readonly store: Store,
    private readonly changes: RoutingChanges,
    private readonly taskQueue: string,
    private readonly lifecycle: LifecycleConfig,
    private readonly timeoutMs = 15_000,
  ) {}

  private within<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + this.timeoutMs, fn);
  }

  async start(key: string, chat: NewChat): Promise<{ outcome: Outcome; conversationId?: string }> {
    const conversationId = `chaos-${key}`;
    const requirements = chat.requirements.map((r: ChatRequirement) => ({ ...r }));
    try {
      await this.within(() =>
        this.client.workflow.start<typeof conversationWorkflow>('conversationWorkflow', {
          workflowId: conversationWorkflowId(conversationId),
          taskQueue: this.taskQueue,
          args: [
            {
              start: {
                conversationId,
                queueId: chat.queueId,
                channel: 'chat',
                customer: { id: `customer-${key}` },
                units: UNITS,
                requirements,
              },
              config: this.lifecycle,
            },
          ],
        }),
      );
    } catch (error) {
      // A retried start finds the first one.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) return { outcome: outcomeOf(error) };
    }
    return { outcome: { kind: 'ok' }, conversationId };
  }

  async operate(conversationId: string, op: Op, agentId: string | null, key: string, toQueueId?: string): Promise<Outcome> {
    const actor: Actor = agentId ? { kind: 'agent', id: agentId } : { kind: 'customer' };
    const { def, arg } = message(op, actor, toQueueId);
    try {
      await this.within(() =>
        this.client.workflow.getHandle(conversationWorkflowId(conversationId)).executeUpdate(def, { args: [arg as never], updateId: key }),
      );
      return { kind: 'ok' };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  async setPresence(agentId: string, presence: Presence): Promise<Outcome> {
    await this.changes.setPresence(agentId, presence);
    return { kind: 'ok' };
  }

  workItems(agentId: string): Promise<DeskItem[]> {
    return this.store.listWorkItems(agentId);
  }

  async openWork(queueId: string): Promise<string[]> {
    return (await this.store.listQueueEntries(queueId)).map((e) => e.conversationId);
  }

  agents() {
    return this.store.listAgents();
  }

  async states(): Promise<Map<string, ConversationState>> {
    return new Map((await this.store.listConversations({ limit: 1_000 })).map((c) => [c.conversationId, c.state]));
  }
}
