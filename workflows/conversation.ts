import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { parseCommand } from '../src/domain/commands';
import type { Refusal } from '../src/domain/errors';
import { ErrorCode } from '../src/domain/errors';
import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { Actor, Command } from '../src/domain/operations';
import { ActorKind, Operation } from '../src/domain/operations';
import type { ConversationSnapshot, StartConversationInput } from '../src/domain/snapshot';
import { appendBounded, newConversation, startInputError } from '../src/domain/snapshot';
import { ConversationState as S } from '../src/domain/states';
import type { ConversationSummary } from '../src/domain/summary';
import { describe, summarize } from '../src/domain/summary';
import { deadlines } from '../src/domain/timers';
import type { Acquisition } from '../src/domain/transition';
import { decide } from '../src/domain/transition';
import * as m from './messages';
import {
  AgentIdAttribute,
  ChannelAttribute,
  ConversationStateAttribute,
  QueueIdAttribute,
  StaleFlaggedAttribute,
} from './search-attributes';
import { Serializer } from './serializer';
import { toApplyInput } from './store-sync';

/** Arguments of conversationWorkflow. */
export interface ConversationWorkflowInput {
  start: StartConversationInput;
  /** Lifecycle rules; omitted, the worker's configured rules apply (fetched once, then carried). */
  config?: LifecycleConfig;
  /** Present only after continue-as-new: the state carried over. */
  snapshot?: ConversationSnapshot;
}

// Local activities: each is one short store transaction on the worker that runs
// the workflow task, so it costs no activity task round trip through the server
// (the benchmark's main cost) and its result is still recorded in history.
const acts = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // Transient store trouble retries without limit; refusals are non-retryable failures.
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Continue-as-new after this many updates in one run (the server's hard limit is 2,000). */
export const UPDATES_PER_RUN = 1_500;
const OPERATOR: Actor = { kind: ActorKind.Operator };
const CUSTOMER: Actor = { kind: ActorKind.Customer };
const ENGINE: Actor = { kind: ActorKind.Engine };

function failure(refusal: Refusal): wf.ApplicationFailure {
  return wf.ApplicationFailure.create({
    type: refusal.code,
    message: refusal.message,
    nonRetryable: true,
    details: [refusal.details ?? {}],
  });
}

/** A store refusal reaches the caller with the store's code and message. */
function rethrowRefusal(err: unknown): never {
  if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type) {
    throw wf.ApplicationFailure.create({ type: err.cause.type, message: err.cause.message, nonRetryable: true });
  }
  throw err;
}

/**
 * One customer conversation, from entering its queue to Closed: every row of the
 * lifecycle table, its durable timers (waiting timeout, stale flag and close,
 * wrap-up hold), capacity through the store, and continue-as-new for long chats.
 */
export async function conversationWorkflow(input: ConversationWorkflowInput): Promise<ConversationSummary> {
  const problem = input.snapshot ? null : startInputError(input.start);
  if (problem) throw wf.ApplicationFailure.create({ type: ErrorCode.InvalidInput, message: problem, nonRetryable: true });
  // Handlers are registered before the first await, so an update arriving in the
  // first workflow task is never refused for want of a handler; until the rules
  // are loaded (the first serialized step) validators defer to the handler.
  let config: LifecycleConfig | null = input.config ?? null;
  const rules = (): LifecycleConfig => {
    if (!config) throw wf.ApplicationFailure.create({ message: 'lifecycle rules not loaded yet', nonRetryable: true });
    return config;
  };
  let s = input.snapshot ?? newConversation(input.start, new Date());
  const lock = new Serializer();
  // The server refuses updates past 2,000 per run; chats with many messages continue as new well before.
  let updatesThisRun = 0;

  function publish(): void {
    wf.upsertSearchAttributes([
      { key: ConversationStateAttribute, value: s.state },
      { key: AgentIdAttribute, value: s.agentId },
      { key: QueueIdAttribute, value: s.queueId },
      { key: ChannelAttribute, value: s.channel },
      { key: StaleFlaggedAttribute, value: s.staleFlaggedAt !== null },
    ]);
    wf.setCurrentDetails(describe(s));
  }

  async function acquire(a: Acquisition, cmd: Command): Promise<void> {
    const reserve = { conversationId: s.conversationId, units: s.units };
    try {
      if (a.kind === 'claim') {
        await acts.claimConversation({ ...reserve, agentId: a.agentId, force: a.force, requireMembership: cmd.op === Operation.Pick });
      } else if (a.kind === 'reserve') await acts.reserveCapacity({ ...reserve, agentId: a.agentId, force: a.force });
      else await acts.checkTransferTarget({ queueId: a.queueId });
    } catch (err) {
      rethrowRefusal(err);
    }
  }

  /** Decides, acquires what the store must grant, commits, then writes the store. Runs under the lock. */
  async function execute(cmd: Command): Promise<ConversationSummary> {
    const decision = decide(s, cmd, new Date(), rules());
    if (!decision.ok) throw failure(decision.refusal);
    if (decision.acquire) await acquire(decision.acquire, cmd);
    const previous = s;
    // Signals refused while this operation awaited the store were logged on the newer `s`: keep them.
    s = { ...decision.snapshot, refusedSignals: s.refusedSignals };
    publish();
    const preferred = cmd.op === Operation.Revive ? previous.agentId : null;
    await acts.applyConversation(toApplyInput(s, decision.effects, preferred));
    return summarize(s);
  }

  function recordRefusal(op: Command['op'], err: unknown): void {
    const refusal =
      err instanceof wf.ApplicationFailure ? { code: err.type ?? 'ERROR', message: err.message } : { code: 'ERROR', message: String(err) };
    wf.log.warn('Refused signal', { op, ...refusal });
    s = { ...s, refusedSignals: appendBounded(s.refusedSignals, { op, ...refusal, at: new Date().toISOString() }).log };
  }

  function onUpdate<A>(def: UpdateDefinition<ConversationSummary, [A]>, op: Command['op'], fallback: Actor): void {
    const parse = (arg: unknown): Command => {
      const parsed = parseCommand(op, arg, fallback);
      if (!parsed.ok) throw failure(parsed.refusal);
      return parsed.command;
    };
    wf.setHandler(def, (arg: A) => lock.run(() => execute(parse(arg))).finally(() => (updatesThisRun += 1)), {
      // Synchronous on purpose: a refusal here is not written to history and changes nothing.
      validator: (arg: A) => {
        const command = parse(arg);
        if (!config) return;
        const decision = decide(s, command, new Date(), config);
        if (!decision.ok) throw failure(decision.refusal);
      },
    });
  }

  function onSignal<A>(def: SignalDefinition<[A]>, op: Command['op'], fallback: Actor): void {
    wf.setHandler(def, async (arg: A) => {
      const parsed = parseCommand(op, arg, fallback);
      if (!parsed.ok) return recordRefusal(op, failure(parsed.refusal));
      await lock.run(() => execute(parsed.command)).catch((err: unknown) => recordRefusal(op, err));
    });
  }

  // Loading the rules and entering the queue come first: this step takes the
  // serializer before any handler is registered, because registering a handler
  // dispatches the updates and signals that arrived with the start at once.
  const initialized = lock.run(async () => {
    config ??= await acts.getLifecycleConfig();
    publish();
    if (input.snapshot) return;
    await acts.checkTransferTarget({ queueId: s.queueId }).catch(rethrowRefusal);
    await acts.applyConversation(toApplyInput(s, { release: false, dequeue: false, enqueue: true }, null));
  });

  onUpdate(m.assignUpdate, Operation.Assign, OPERATOR);
  onUpdate(m.pickUpdate, Operation.Pick, OPERATOR);
  onUpdate(m.endUpdate, Operation.End, OPERATOR);
  onUpdate(m.customerEndUpdate, Operation.CustomerEnd, CUSTOMER);
  onUpdate(m.disconnectUpdate, Operation.Disconnect, CUSTOMER);
  onUpdate(m.closeTabUpdate, Operation.CloseTab, OPERATOR);
  onUpdate(m.reopenUpdate, Operation.Reopen, OPERATOR);
  onUpdate(m.reviveUpdate, Operation.Revive, CUSTOMER);
  onUpdate(m.transferUpdate, Operation.Transfer, OPERATOR);
  onUpdate(m.markReadUpdate, Operation.MarkRead, OPERATOR);
  onUpdate(m.messageUpdate, Operation.Message, CUSTOMER);
  wf.setHandler(m.syncUpdate, () => lock.run(async () => summarize(s)), {
    validator: () => {
      if (s.state === S.Closed) throw failure({ code: ErrorCode.ConversationClosed, message: 'The conversation is Closed.' });
    },
  });
  onSignal(m.assignSignal, Operation.Assign, OPERATOR);
  onSignal(m.endSignal, Operation.End, OPERATOR);
  onSignal(m.customerEndSignal, Operation.CustomerEnd, CUSTOMER);
  onSignal(m.disconnectSignal, Operation.Disconnect, CUSTOMER);
  onSignal(m.closeTabSignal, Operation.CloseTab, OPERATOR);
  onSignal(m.reopenSignal, Operation.Reopen, OPERATOR);
  onSignal(m.reviveSignal, Operation.Revive, CUSTOMER);
  onSignal(m.transferSignal, Operation.Transfer, OPERATOR);
  onSignal(m.messageSignal, Operation.Message, CUSTOMER);
  onSignal(m.rerouteSignal, Operation.Reroute, ENGINE);
  onSignal(m.markReadSignal, Operation.MarkRead, OPERATOR);
  wf.setHandler(m.snapshotQuery, () => s);

  await initialized;

  const shouldContinueAsNew = () => {
    const info = wf.workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= rules().continueAsNewAfterEvents || updatesThisRun >= UPDATES_PER_RUN;
  };

  // Handlers replace `s` at any await, so the state is re-read through a function, not narrowed.
  const closed = () => s.state === S.Closed;
  while (!closed()) {
    if (shouldContinueAsNew()) {
      // Only from the main function, once every handler (and so every queued operation) has finished.
      await wf.condition(() => wf.allHandlersFinished() && lock.idle);
      if (closed()) break;
      await wf.continueAsNew<typeof conversationWorkflow>({ start: input.start, config: rules(), snapshot: s });
    }
    const next = deadlines(s, rules())[0];
    const seen = s.version;
    const changed = () => s.version !== seen || shouldContinueAsNew();
    if (!next) {
      await wf.condition(changed);
      continue;
    }
    const woke = await wf.condition(changed, Math.max(1, next.at - Date.now()));
    if (!woke) {
      await lock
        .run(() => execute({ op: next.op, actor: { kind: ActorKind.Timer } }))
        .catch((err: unknown) => {
          // A timer can lose a race with a queued operation that changed the state first; that is fine.
          wf.log.info('Timer no longer applies', { op: next.op, error: String(err) });
        });
    }
  }
  await wf.condition(() => wf.allHandlersFinished() && lock.idle);
  return summarize(s);
}
