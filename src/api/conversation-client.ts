import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ErrorCode } from '../domain/errors';
import { conversationWorkflowId } from '../domain/ids';
import type { LifecycleConfig } from '../domain/lifecycle-config';
import type { ConversationDetails, StartConversationInput } from '../domain/snapshot';
import { ConversationState } from '../domain/states';
import type { ConversationSummary } from '../domain/summary';
import type { StuckWorkflow } from '../store/stuck/stuck-workflows';
import type { ConversationView } from '../store/types';
import { isStuck, logStuck, stuckEntry } from '../stuck/stuck-entry';
import { inspectWorkflowTask } from '../stuck/workflow-task-health';
import type { Store } from '../store/store';
import type * as workflows from '../../workflows';
import type { conversationWorkflow } from '../../workflows/conversation';
import { snapshotQuery, syncUpdate } from '../../workflows/messages';
import { ChannelAttribute, ConversationStateAttribute, QueueIdAttribute } from '../../workflows/search-attributes';
import { ApiError, isApiErrorCode, unknownConversation } from './http/errors';
import type { StuckMarker } from './workflow-stuck';
import { stuckMarker, workflowStuck } from './workflow-stuck';
import { WORKFLOW_TASK_TIMEOUT } from '../temporal/task-timeout';
import type { TemporalCall } from './http/temporal-errors';
import { isTemporalError, temporalFailure, workflowGaveNoAnswer } from './http/temporal-errors';

// By name, so the API process never loads workflow code; `satisfies` keeps the name honest.
const CONVERSATION_WORKFLOW = 'conversationWorkflow' satisfies keyof typeof workflows;
// The server's failure type for an update accepted just before the workflow completed.
const ACCEPTED_UPDATE_COMPLETED = 'AcceptedUpdateCompletedWorkflow';
const SUMMARY_LIMIT = 200;

/**
 * A conversation as read: the workflow's snapshot, or the store's read model
 * when the workflow cannot answer; `stuck` while its workflow tasks keep failing.
 */
export type ConversationReading = (
  { source: 'store' | 'workflow'; conversation: ConversationDetails } | { source: 'readModel'; conversation: ConversationView }
) & { stuck: StuckMarker | null };

/** Who answers a read: the store (default, no workflow task) or the workflow's query. */
export type ReadSource = 'store' | 'workflow';

/** Deadlines of Temporal calls. */
export interface ConversationClientTimeouts {
  /** Starts and updates: past it, the outcome is unknown (503 OUTCOME_UNKNOWN). */
  updateMs: number;
  /** Queries: past it, the read model answers. */
  queryMs: number;
}

/** The compact summary of a read-model row (for a conversation whose workflow has finished). */
function summaryOf(view: ConversationView): ConversationSummary {
  return {
    conversationId: view.conversationId,
    state: view.state,
    agentId: view.agentId,
    queueId: view.queueId,
    capacityHeld: false,
    unreadCount: view.unreadCount,
    staleFlaggedAt: view.staleFlaggedAt,
    version: view.version,
  };
}

/**
 * Starts conversation workflows and sends them updates and queries, turning
 * workflow refusals into ApiErrors with the workflow's own error code and any
 * other Temporal failure into a 503 that says whether the change may have been
 * applied. Every call has a deadline, so an unreachable Temporal never hangs a request.
 */
export class ConversationClient {
  constructor(
    private readonly client: Client,
    private readonly store: Store,
    private readonly taskQueue: string,
    private readonly lifecycle: LifecycleConfig,
    private readonly timeouts: ConversationClientTimeouts,
    /** Where a stuck workflow noticed here is reported (default: nowhere). */
    private readonly logger?: Logger,
  ) {}

  private within<T>(ms: number, fn: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + ms, fn);
  }

  private handle(conversationId: string) {
    return this.client.workflow.getHandle<typeof conversationWorkflow>(conversationWorkflowId(conversationId));
  }

  /**
   * Starts the workflow and answers its first summary, once it is queued, in
   * one update-with-start call. An existing run with this id is used (a keyed
   * retry after a crash); one that has finished is never started again: its
   * final standing is the answer. The lifecycle rules travel in the start
   * arguments, so the run never fetches them. `updateId` makes a retried call
   * attach to the first one's update.
   */
  async start(start: StartConversationInput, updateId?: string): Promise<ConversationSummary> {
    await this.refuseIfStuck(start.conversationId);
    const who = start.customer.name ?? start.customer.id;
    const operation = new WithStartWorkflowOperation<typeof conversationWorkflow>(CONVERSATION_WORKFLOW, {
      workflowId: conversationWorkflowId(start.conversationId),
      taskQueue: this.taskQueue,
      args: [{ start, config: this.lifecycle }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
      // A keyed retry must find the first run, even a finished one, never start a second.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: ConversationStateAttribute, value: ConversationState.Open },
        { key: QueueIdAttribute, value: start.queueId },
        { key: ChannelAttribute, value: start.channel },
      ],
      staticSummary: `${start.channel} from ${who} in queue ${start.queueId}`.slice(0, SUMMARY_LIMIT),
    });
    try {
      return await this.within(this.timeouts.updateMs, () =>
        this.client.workflow.executeUpdateWithStart(syncUpdate, { startWorkflowOperation: operation, updateId }),
      );
    } catch (error) {
      const finished =
        error instanceof WorkflowExecutionAlreadyStartedError ||
        (error instanceof WorkflowUpdateFailedError &&
          error.cause instanceof ApplicationFailure &&
          error.cause.type === ErrorCode.ConversationClosed);
      if (!finished) throw await this.translate(start.conversationId, error, 'change');
      // A retried start of a conversation that has closed since: answer its final standing.
      const view = await this.store.getConversation(start.conversationId);
      if (view) return summaryOf(view);
      throw unknownConversation(start.conversationId);
    }
  }

  /** Sends an update and returns its answer; `updateId` makes a retried send apply once. */
  async update<A>(
    conversationId: string,
    def: UpdateDefinition<ConversationSummary, [A]>,
    arg: A,
    updateId?: string,
  ): Promise<ConversationSummary> {
    await this.refuseIfStuck(conversationId);
    try {
      return await this.within(this.timeouts.updateMs, () => this.handle(conversationId).executeUpdate(def, { args: [arg], updateId }));
    } catch (error) {
      // The update was sent: its answer stays OUTCOME_UNKNOWN (a fixed workflow may yet apply it), but the next operation learns.
      if (workflowGaveNoAnswer(error)) await this.noticeStuck(conversationId);
      throw await this.translate(conversationId, error, 'change');
    }
  }

  /**
   * The answer of the update sent earlier with this id: a retry whose first
   * answer was lost (503 OUTCOME_UNKNOWN) gets the first attempt's outcome,
   * whatever changed since. Null when no update with this id reached the
   * conversation; a refusal is thrown as the first attempt's would have been;
   * one still unanswered stays OUTCOME_UNKNOWN.
   */
  async earlierOutcome(conversationId: string, updateId: string): Promise<ConversationSummary | null> {
    try {
      return await this.within(this.timeouts.updateMs, () =>
        this.handle(conversationId).getUpdateHandle<ConversationSummary>(updateId).result(),
      );
    } catch (error) {
      // The server says NOT_FOUND for an update id it never saw, as for a workflow it does not know.
      if (error instanceof WorkflowNotFoundError) return null;
      throw await this.translate(conversationId, error, 'change');
    }
  }

  /**
   * The conversation in full. From the store by default: written with every
   * transition, exactly what the workflow's query answers, at no workflow
   * task. From the workflow when asked, or when the store does not hold it in
   * full (written before it kept details). When the workflow cannot answer
   * within the query deadline (no worker polls, Temporal is unreachable) or no
   * longer exists (past retention), the store's row answers instead, marked
   * as such; so it does at once while the workflow is recorded stuck
   * (Temporal refuses its query), with what is known of the failure.
   */
  async read(conversationId: string, source: ReadSource = 'store'): Promise<ConversationReading> {
    const workflowId = conversationWorkflowId(conversationId);
    if (source === 'store') {
      const [details, recorded] = await Promise.all([
        this.store.getConversationDetails(conversationId),
        this.store.getStuckWorkflow(workflowId),
      ]);
      if (details) return { source: 'store', conversation: details, stuck: recorded && stuckMarker(recorded) };
    }
    const stuck = await this.store.getStuckWorkflow(workflowId);
    if (stuck) {
      const view = await this.store.getConversation(conversationId);
      if (view) return { source: 'readModel', conversation: view, stuck: stuckMarker(stuck) };
    }
    try {
      const conversation = await this.within(this.timeouts.queryMs, () => this.handle(conversationId).query(snapshotQuery));
      return { source: 'workflow', conversation, stuck: null };
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) && !isTemporalError(error)) throw error;
      // A stuck workflow's query fails at once (FAILED_PRECONDITION: its task is in a failed state).
      const noticed = workflowGaveNoAnswer(error) ? await this.noticeStuck(conversationId) : null;
      const view = await this.store.getConversation(conversationId);
      if (view) return { source: 'readModel', conversation: view, stuck: noticed && stuckMarker(noticed) };
      throw error instanceof WorkflowNotFoundError
        ? unknownConversation(conversationId)
        : await this.translate(conversationId, error, 'read');
    }
  }

  /**
   * 500 WORKFLOW_STUCK before anything is sent to a workflow whose tasks keep
   * failing (a worker's monitor recorded it): an update would wait out its
   * deadline and answer OUTCOME_UNKNOWN, inviting retries that cannot help.
   */
  private async refuseIfStuck(conversationId: string): Promise<void> {
    const stuck = await this.store.getStuckWorkflow(conversationWorkflowId(conversationId));
    if (stuck) throw workflowStuck(stuck);
  }

  /**
   * After the workflow gave no answer: records it when its tasks keep failing,
   * so every later operation answers WORKFLOW_STUCK at once and the workers'
   * monitors track it until it recovers. This catches what no worker reported
   * (a worker without the cache, whose first attempt timed out). Best effort:
   * one describe (two once stuck) on this failure path only; errors are ignored.
   */
  private async noticeStuck(conversationId: string): Promise<StuckWorkflow | null> {
    const workflowId = conversationWorkflowId(conversationId);
    try {
      const health = await this.within(this.timeouts.queryMs, () => inspectWorkflowTask(this.client, workflowId));
      if (health.kind !== 'failing') return null;
      const entry = await this.store.getStuckWorkflow(workflowId);
      if (!isStuck(health, entry)) return null;
      const recorded = await this.store.recordStuckWorkflow(stuckEntry(workflowId, health, null, entry));
      if (this.logger && entry?.runId !== recorded.runId) logStuck(this.logger, recorded);
      return recorded;
    } catch {
      return null;
    }
  }

  /** Workflow refusals become ApiErrors; other Temporal failures 503s; anything else passes through as a bug. */
  private async translate(conversationId: string, error: unknown, call: TemporalCall): Promise<unknown> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      const failure = error.cause;
      if (failure.type === ACCEPTED_UPDATE_COMPLETED) return this.closedOrUnknown(conversationId);
      if (isApiErrorCode(failure.type)) {
        const details = failure.details?.[0];
        const record = typeof details === 'object' && details !== null ? Object.fromEntries(Object.entries(details)) : undefined;
        return new ApiError(failure.type, failure.message, record);
      }
    }
    if (error instanceof WorkflowNotFoundError) return this.closedOrUnknown(conversationId);
    return temporalFailure(error, call) ?? error;
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
