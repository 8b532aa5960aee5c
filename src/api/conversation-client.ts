import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ErrorCode } from '../domain/errors';
import { conversationWorkflowId } from '../domain/ids';
import type { ConversationDetails, StartConversationInput } from '../domain/snapshot';
import { ConversationState } from '../domain/states';
import type { ConversationSummary } from '../domain/summary';
import { summarize } from '../domain/summary';
import type { Store } from '../store/store';
import type * as workflows from '../../workflows';
import type { conversationWorkflow } from '../../workflows/conversation';
import { snapshotQuery, syncUpdate } from '../../workflows/messages';
import { ChannelAttribute, ConversationStateAttribute, QueueIdAttribute } from '../../workflows/search-attributes';
import { ApiError, ApiErrorCode, isApiErrorCode, unknownConversation } from './errors';

// By name, so the API process never loads workflow code; `satisfies` keeps the name honest.
const CONVERSATION_WORKFLOW = 'conversationWorkflow' satisfies keyof typeof workflows;
// The server's failure type for an update accepted just before the workflow completed.
const ACCEPTED_UPDATE_COMPLETED = 'AcceptedUpdateCompletedWorkflow';
const SUMMARY_LIMIT = 200;
// How the SDK refuses an update that reaches a run before its handler is registered.
const NO_HANDLER = /No registered handler for update/;

/**
 * Starts conversation workflows and sends them updates and queries, turning
 * workflow refusals into ApiErrors with the workflow's own error code. Every
 * call has a deadline so an unreachable Temporal answers 503, not a hang.
 */
export class ConversationClient {
  constructor(
    private readonly client: Client,
    private readonly store: Store,
    private readonly taskQueue: string,
    private readonly timeoutMs: number,
  ) {}

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + this.timeoutMs, fn);
  }

  private handle(conversationId: string) {
    return this.client.workflow.getHandle<typeof conversationWorkflow>(conversationWorkflowId(conversationId));
  }

  /**
   * Starts the workflow (an existing one with this id counts as started: a
   * retry after a crash) and waits until it is queued in the store.
   */
  async start(start: StartConversationInput): Promise<ConversationSummary> {
    const who = start.customer.name ?? start.customer.id;
    try {
      await this.withDeadline(() =>
        this.client.workflow.start<typeof conversationWorkflow>(CONVERSATION_WORKFLOW, {
          workflowId: conversationWorkflowId(start.conversationId),
          taskQueue: this.taskQueue,
          // No config: the worker's lifecycle rules apply.
          args: [{ start }],
          // A keyed retry must find the first run, even a finished one, never start a second.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: ConversationStateAttribute, value: ConversationState.Open },
            { key: QueueIdAttribute, value: start.queueId },
            { key: ChannelAttribute, value: start.channel },
          ],
          staticSummary: `${start.channel} from ${who} in queue ${start.queueId}`.slice(0, SUMMARY_LIMIT),
        }),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
    try {
      return await this.syncAfterStart(start.conversationId);
    } catch (error) {
      // A retried start of a conversation that has closed since: answer its final standing.
      if (error instanceof ApiError && error.code === ApiErrorCode.ConversationClosed)
        return summarize(await this.snapshot(start.conversationId));
      throw error;
    }
  }

  /**
   * The sync update, retried while the new run has not registered its handlers
   * yet (it fetches its lifecycle config first). Such a rejection is not written
   * to history, so retrying is safe.
   */
  private async syncAfterStart(conversationId: string): Promise<ConversationSummary> {
    const deadline = Date.now() + this.timeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await this.update(conversationId, syncUpdate, undefined);
      } catch (error) {
        if (!(error instanceof WorkflowUpdateFailedError && NO_HANDLER.test(error.cause?.message ?? '')) || Date.now() > deadline)
          throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Sends an update and returns its answer; `updateId` makes a retried send apply once. */
  async update<A>(
    conversationId: string,
    def: UpdateDefinition<ConversationSummary, [A]> | UpdateDefinition<ConversationSummary, []>,
    arg: A,
    updateId?: string,
  ): Promise<ConversationSummary> {
    const args = (arg === undefined ? [] : [arg]) as [A];
    try {
      return await this.withDeadline(() =>
        this.handle(conversationId).executeUpdate(def as UpdateDefinition<ConversationSummary, [A]>, { args, updateId }),
      );
    } catch (error) {
      throw await this.translate(conversationId, error);
    }
  }

  /** The full snapshot from the workflow's query. */
  async snapshot(conversationId: string): Promise<ConversationDetails> {
    try {
      return await this.withDeadline(() => this.handle(conversationId).query(snapshotQuery));
    } catch (error) {
      throw await this.translate(conversationId, error);
    }
  }

  /** Workflow refusals become ApiErrors; anything else (unavailability) passes through. */
  private async translate(conversationId: string, error: unknown): Promise<unknown> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const failure = error.cause;
      if (failure.type === ACCEPTED_UPDATE_COMPLETED) return this.closedOrUnknown(conversationId);
      // Anything but a known refusal is a bug (e.g. an unregistered handler): it goes on as a 500.
      if (!isApiErrorCode(failure.type)) return error;
      const details = failure.details?.[0];
      return new ApiError(
        failure.type,
        failure.message,
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined,
      );
    }
    if (error instanceof WorkflowNotFoundError) return this.closedOrUnknown(conversationId);
    return error;
  }

  /** A workflow that no longer runs: Closed if the read model says so, else unknown. */
  private async closedOrUnknown(conversationId: string): Promise<ApiError> {
    const view = await this.store.getConversation(conversationId);
    if (view?.state === ConversationState.Closed) {
      return new ApiError(ErrorCode.ConversationClosed, 'The conversation is Closed, and Closed is final.', {
        state: ConversationState.Closed,
      });
    }
    return unknownConversation(conversationId);
  }
}
