import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { Command, RefusedSignalRecord } from '../src/domain/operations';
import { ActorKind } from '../src/domain/operations';
import type { ConversationDetails, ConversationSnapshot, StartConversationInput } from '../src/domain/snapshot';
import { appendBounded, newConversation, upgradeSnapshot } from '../src/domain/snapshot';
import { ConversationState as S } from '../src/domain/states';
import type { ConversationSummary } from '../src/domain/summary';
import { describe, summarize } from '../src/domain/summary';
import type { Deadline } from '../src/domain/timers';
import { deadlines } from '../src/domain/timers';
import { decide } from '../src/domain/transition';
import {
  AgentIdAttribute,
  ChannelAttribute,
  ConversationStateAttribute,
  QueueIdAttribute,
  OffersStoppedAttribute,
  StaleFlaggedAttribute,
} from './search-attributes';
import { ENTER_IN_ONE_WRITE, STORE_WRITES_AS_ACTIVITIES } from './patches';
import { Serializer } from './serializer';
import { ConversationSteps, failure } from './conversation-steps';

export { failure } from './conversation-steps';

/** Arguments of conversationWorkflow. */
export interface ConversationWorkflowInput {
  start: StartConversationInput;
  /** Lifecycle rules; omitted, the worker's configured rules apply (fetched once, then carried). */
  config?: LifecycleConfig;
  /** Present only after continue-as-new: the state carried over (runs of older versions kept refusals inside it). */
  snapshot?: ConversationSnapshot & { refusedSignals?: RefusedSignalRecord[] };
  /** Present only after continue-as-new: signals refused so far. */
  refusedSignals?: RefusedSignalRecord[];
}

// Transient store trouble retries without limit; refusals are non-retryable failures.
const retry: wf.RetryPolicy = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };

/** Runs from before STORE_WRITES_AS_ACTIVITIES, replayed as they ran (their options unchanged). */
const local = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// One short store transaction each. The timeout is what a write lost with a killed worker
// costs before it is retried elsewhere (a retry of a committed write is recognised by its version).
const remote = wf.proxyActivities<Activities>({ startToCloseTimeout: '4 seconds', retry });

/** The store's activities for this run. */
function store(): Activities {
  return wf.patched(STORE_WRITES_AS_ACTIVITIES) ? remote : local;
}

/** Continue-as-new after this many updates in one run (the server's hard limit is 2,000). */
export const UPDATES_PER_RUN = 1_500;

/**
 * One conversation's state and its operations, as the workflow's handlers and
 * timer loop drive it. Every operation goes through one serializer, so each
 * sees the state the previous one left (a pick must not race an end):
 * decide (the pure transition function), acquire what the store must grant,
 * commit, publish to the Temporal UI, then write the store.
 */
export class Conversation {
  private readonly steps: ConversationSteps;
  /** Signals cannot answer, so their refusals are kept beside the state, for the query. */
  private refused: RefusedSignalRecord[];
  private config: LifecycleConfig | null;
  private readonly lock = new Serializer();
  private updatesThisRun = 0;

  constructor(private readonly input: ConversationWorkflowInput) {
    this.config = input.config ?? null;
    const carried: ConversationWorkflowInput['snapshot'] = input.snapshot ?? newConversation(input.start, new Date());
    const { refusedSignals, ...snapshot } = carried;
    this.steps = new ConversationSteps(upgradeSnapshot(snapshot), () => this.rules, {
      applyConversation: (write) => store().applyConversation(write),
      enterQueue: async (entry) => {
        const answer = await remote.enterQueue({ ...entry, config: this.config });
        this.config ??= answer.config;
        return answer;
      },
      now: () => new Date(),
      publish: (s) => this.publish(s),
      refusedSignals: () => this.refused,
    });
    this.refused = input.refusedSignals ?? refusedSignals ?? [];
  }

  /** The committed state. */
  private get s(): ConversationSnapshot {
    return this.steps.snapshot;
  }

  /** The query's answer: the snapshot and the refused signals. */
  get details(): ConversationDetails {
    return { ...this.s, refusedSignals: this.refused };
  }

  get closed(): boolean {
    return this.s.state === S.Closed;
  }

  /** Increments on every committed change. */
  get version(): number {
    return this.s.version;
  }

  /** True when no operation is queued or running. */
  get idle(): boolean {
    return this.lock.idle;
  }

  private get rules(): LifecycleConfig {
    if (!this.config) throw wf.ApplicationFailure.create({ message: 'lifecycle rules not loaded yet', nonRetryable: true });
    return this.config;
  }

  /**
   * The first serialized step: load the rules if they did not come with the
   * start, and (in a new conversation) enter the queue. It is queued before any
   * handler is registered, because registering a handler at once dispatches
   * the updates and signals that arrived with the start.
   */
  enter(): Promise<void> {
    return this.lock.run(async () => {
      if (!this.input.snapshot && wf.patched(ENTER_IN_ONE_WRITE)) {
        this.publish(this.s);
        // One store transaction: the queue entered and, if an agent has room, Active (the rules come with the answer).
        await this.steps.enterInOneWrite();
        return;
      }
      this.config ??= await store().getLifecycleConfig();
      this.publish(this.s);
      if (this.input.snapshot) return;
      // Entering the queue is one store transaction that also checks the queue
      // exists and matches the conversation to an agent with room, so it is
      // usually Active before this first workflow task ends.
      await this.steps.enter();
    });
  }

  /** The update validator: synchronous, so a refusal is not written to history and changes nothing. */
  validate(command: Command): void {
    // Until the rules are loaded (the first serialized step) the handler decides. So it does while
    // a step is queued or running: the store, and the stream people watch, may already show that
    // step's outcome (an agent told "Active" presses End at once), so judging the command on the
    // state before it would refuse what is allowed a moment later.
    if (!this.config || !this.lock.idle) return;
    const decision = decide(this.s, command, new Date(), this.config);
    if (!decision.ok) throw failure(decision.refusal);
  }

  /** Runs a command after everything queued before it; an update counts towards the per-run limit. */
  run(command: Command, counted = false): Promise<ConversationSummary> {
    const result = this.lock.run(() => this.steps.execute(command));
    return counted ? result.finally(() => (this.updatesThisRun += 1)) : result;
  }

  /** Answers once every operation accepted before it has been applied. */
  sync(): Promise<ConversationSummary> {
    return this.lock.run(async () => summarize(this.s));
  }

  /** Keeps a refused signal's reason for the query (a signal cannot answer). */
  recordRefusal(op: Command['op'], err: unknown): void {
    const refusal =
      err instanceof wf.ApplicationFailure ? { code: err.type ?? 'ERROR', message: err.message } : { code: 'ERROR', message: String(err) };
    wf.log.warn('Refused signal', { op, ...refusal });
    this.refused = appendBounded(this.refused, { op, ...refusal, at: new Date().toISOString() }).log;
  }

  /** The earliest timer the conversation runs now, if any. */
  nextDeadline(): Deadline | undefined {
    return deadlines(this.s, this.rules)[0];
  }

  /**
   * Applies a fired timer's operation if the deadline it was started for still
   * stands (never by reading the clock: see TimerCommand); losing a race with an
   * operation that changed the state first is fine.
   */
  async fire(deadline: Deadline): Promise<void> {
    await this.run({ op: deadline.op, at: deadline.at, actor: { kind: ActorKind.Timer } }).catch((err: unknown) => {
      wf.log.info('Timer no longer applies', { op: deadline.op, error: String(err) });
    });
  }

  /** Whether this run should hand over to a new one (history or update limits). */
  shouldContinueAsNew(): boolean {
    const info = wf.workflowInfo();
    return (
      info.continueAsNewSuggested || info.historyLength >= this.rules.continueAsNewAfterEvents || this.updatesThisRun >= UPDATES_PER_RUN
    );
  }

  /** The input of the next run: everything carried over. */
  continuation(): ConversationWorkflowInput {
    return { start: this.input.start, config: this.rules, snapshot: this.s, refusedSignals: this.refused };
  }

  /** The final answer of the workflow. */
  summary(): ConversationSummary {
    return summarize(this.s);
  }

  /**
   * Shows the state in the Temporal UI: the current-details line, and the
   * search attributes whose value changed (each upsert is a command in history;
   * the start already set state, queue and channel; an unset flag counts as false).
   */
  private publish(s: ConversationSnapshot): void {
    const current = wf.workflowInfo().typedSearchAttributes;
    const changed = [
      { key: ConversationStateAttribute, value: s.state },
      { key: AgentIdAttribute, value: s.agentId },
      { key: QueueIdAttribute, value: s.queueId },
      { key: ChannelAttribute, value: s.channel },
      { key: StaleFlaggedAttribute, value: s.staleFlaggedAt !== null },
      { key: OffersStoppedAttribute, value: s.offersStopped },
    ].filter(({ key, value }) => (current.get(key) ?? (typeof value === 'boolean' ? false : null)) !== value);
    if (changed.length) wf.upsertSearchAttributes(changed);
    wf.setCurrentDetails(describe(s));
  }
}
