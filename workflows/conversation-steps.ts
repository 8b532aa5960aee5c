import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { Refusal } from '../src/domain/errors';
import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { Command, RefusedSignalRecord, TransitionRecord } from '../src/domain/operations';
import { ActorKind, Operation } from '../src/domain/operations';
import type { ConversationSnapshot } from '../src/domain/snapshot';
import { ConversationState as S } from '../src/domain/states';
import type { ConversationSummary } from '../src/domain/summary';
import { summarize } from '../src/domain/summary';
import type { Effects } from '../src/domain/transition';
import { decide } from '../src/domain/transition';
import type { ApplyConversationInput } from '../src/store/conversation-write';
import type { EnterQueueAnswer, EnterQueueInput, WriteAnswer } from '../src/sync/queue-entry';
import { assignmentOnEntry, entryWrite, routed } from '../src/sync/queue-entry';
import { toApplyInput } from '../src/sync/store-write';

/** A refusal as the failure a workflow update or signal handler raises. */
export function failure(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({
    type: refusal.code,
    message: refusal.message,
    nonRetryable: true,
    details: [refusal.details ?? {}],
  });
}

/**
 * What the steps of a conversation need from where they run: the workflow
 * passes its activities, its clock and the Temporal UI; the model-based test
 * (test/model) passes the store itself and a clock it moves.
 */
export interface ConversationPorts {
  /** The store write of a transition (one transaction; a refusal rejects and changes nothing). */
  applyConversation(input: ApplyConversationInput): Promise<WriteAnswer>;
  /** A new conversation's entry into its queue, and the assignment a match makes there, in one store write (the rules: the port's to add). */
  enterQueue?(input: Omit<EnterQueueInput, 'config'>): Promise<EnterQueueAnswer>;
  /** The time a decision is made at. */
  now(): Date;
  /** Shows a committed state (search attributes and details in the workflow). */
  publish(s: ConversationSnapshot): void;
  /** The signals refused so far, written with each store write (none where nothing can signal). */
  refusedSignals?(): RefusedSignalRecord[];
}

/**
 * Whether `command` is the routing engine's match this conversation already
 * holds: an offer standing for the same agent (on the same reservation: a
 * conversation holds one at a time), or the assignment it has.
 */
function redelivered(s: ConversationSnapshot, command: Command): boolean {
  if (command.op === Operation.Offer) return s.state === S.Open && s.offer?.agentId === command.agentId;
  return (
    command.op === Operation.Assign && command.actor.kind === ActorKind.Engine && s.state === S.Active && s.agentId === command.agentId
  );
}

/** A store refusal reaches the caller with the store's code and message. */
function rethrowRefusal(err: unknown): never {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type) {
    throw ApplicationFailure.create({ type: err.cause.type, message: err.cause.message, nonRetryable: true });
  }
  throw err;
}

/**
 * A conversation's state and the steps of its operations: decide (the pure
 * transition function), write the store (granting what it must), commit,
 * publish, and take at once a match the write made. The caller runs one step
 * at a time (the workflow's serializer); nothing here knows it is in a workflow.
 */
export class ConversationSteps {
  constructor(
    private state: ConversationSnapshot,
    private readonly rules: () => LifecycleConfig,
    private readonly ports: ConversationPorts,
  ) {}

  /** The committed state. */
  get snapshot(): ConversationSnapshot {
    return this.state;
  }

  /**
   * Enters the queue: one store transaction that also checks the queue exists
   * and matches the conversation to an agent with room (then taken at once).
   */
  async enter(): Promise<void> {
    const entry = entryWrite(this.state, this.rules(), this.ports.refusedSignals?.() ?? []);
    const { matched, waiting } = await this.ports.applyConversation(entry).catch(rethrowRefusal);
    this.noteWaiting(waiting);
    if (matched) await this.execute(routed(matched));
  }

  /**
   * Enters the queue and, when routing assigns the conversation there and
   * then, is Active: one store transaction (the enterQueue port), whose answer
   * the step commits without a second write. An offer is taken up as `enter`
   * does.
   */
  async enterInOneWrite(): Promise<void> {
    if (!this.ports.enterQueue) throw new Error('enterInOneWrite needs the enterQueue port');
    const at = this.ports.now();
    const answer = await this.ports
      .enterQueue({ snapshot: this.state, refusedSignals: this.ports.refusedSignals?.() ?? [], at: at.toISOString() })
      .catch(rethrowRefusal);
    this.noteWaiting(answer.waiting);
    if (!answer.matched) return;
    const assigned = answer.assigned && assignmentOnEntry(this.state, answer.matched, at, this.rules());
    if (!assigned) {
      await this.execute(routed(answer.matched));
      return;
    }
    this.state = assigned.snapshot;
    this.ports.publish(this.state);
  }

  /** Decides, writes the store (granting what it must), then commits and publishes. */
  async execute(command: Command): Promise<ConversationSummary> {
    // A match delivered again (after a crash, any process re-sends what was not taken up) changes nothing.
    if (redelivered(this.state, command)) return summarize(this.state);
    const decision = decide(this.state, command, this.ports.now(), this.rules());
    if (!decision.ok) throw failure(decision.refusal);
    const acquire = decision.acquire && { ...decision.acquire, requireMembership: command.op === Operation.Pick };
    const { matched, waiting } = await this.write(decision.snapshot, decision.effects, { record: decision.record, acquire, command });
    this.state = decision.snapshot;
    if (decision.effects.enqueue) this.noteWaiting(waiting);
    this.ports.publish(this.state);
    // Back in a queue (transfer, revive, overflow, a declined offer) and matched at once: take the
    // assignment, or the offer, in this same step.
    if (matched) return this.execute(routed(matched));
    return summarize(this.state);
  }

  /**
   * The store write of a transition: one transaction that grants what it needs
   * (refused: nothing changes, the refusal is thrown), writes the read model and
   * its events, applies the effects and routes on them. Answers the agent the
   * conversation was matched to if it entered a queue.
   */
  private async write(
    next: ConversationSnapshot,
    effects: Effects,
    extra: { record: TransitionRecord | null; acquire?: ApplyConversationInput['acquire']; command?: Command },
  ): Promise<WriteAnswer> {
    const command = extra.command;
    const input = toApplyInput(next, effects, {
      config: this.rules(),
      preferredAgentId: command?.op === Operation.Revive ? this.state.agentId : null,
      record: extra.record,
      messageId: command?.op === Operation.Message ? command.messageId : null,
      refusedSignals: this.ports.refusedSignals?.() ?? [],
    });
    return this.ports.applyConversation({ ...input, acquire: extra.acquire ?? null, route: true }).catch(rethrowRefusal);
  }

  /** Keeps, in the routing trace, why the conversation waits after entering a queue (the store's words). */
  private noteWaiting(waiting: string | null): void {
    this.state = { ...this.state, routing: { ...this.state.routing, waiting } };
  }
}
