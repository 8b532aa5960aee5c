import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { parseCommand } from '../src/domain/commands';
import { ErrorCode } from '../src/domain/errors';
import type { Actor, Command } from '../src/domain/operations';
import { ActorKind, Operation } from '../src/domain/operations';
import { startInputError } from '../src/domain/snapshot';
import type { ConversationSummary } from '../src/domain/summary';
import type { ConversationWorkflowInput } from './conversation-entity';
import { Conversation, failure } from './conversation-entity';
import * as m from './messages';

export type { ConversationWorkflowInput } from './conversation-entity';

const OPERATOR: Actor = { kind: ActorKind.Operator };
const CUSTOMER: Actor = { kind: ActorKind.Customer };
const ENGINE: Actor = { kind: ActorKind.Engine };

/** How one operation's messages reach the conversation: its update and/or signal, and the actor when the message names none. */
interface OperationHandlers {
  registerUpdate(conversation: Conversation): void;
  registerSignal(conversation: Conversation): void;
}

/** The untrusted argument of a message as a command, or the refusal naming the bad field. */
function parse(op: Command['op'], arg: unknown, actor: Actor): Command {
  const parsed = parseCommand(op, arg, actor);
  if (!parsed.ok) throw failure(parsed.refusal);
  return parsed.command;
}

function handlers<A>(
  op: Command['op'],
  actor: Actor,
  messages: { update?: UpdateDefinition<ConversationSummary, [A]>; signal?: SignalDefinition<[A]> },
): OperationHandlers {
  const { update, signal } = messages;
  return {
    registerUpdate(conversation) {
      if (!update) return;
      wf.setHandler(update, (arg: A) => conversation.run(parse(op, arg, actor), true), {
        // Synchronous on purpose: a refusal here is not written to history and changes nothing.
        validator: (arg: A) => conversation.validate(parse(op, arg, actor)),
      });
    },
    registerSignal(conversation) {
      if (!signal) return;
      wf.setHandler(signal, async (arg: A) => {
        try {
          await conversation.run(parse(op, arg, actor));
        } catch (err) {
          conversation.recordRefusal(op, err);
        }
      });
    },
  };
}

/** Every operation a person, the engine or the CLI can send, in one table. */
const OPERATIONS: readonly OperationHandlers[] = [
  handlers(Operation.Assign, OPERATOR, { update: m.assignUpdate, signal: m.assignSignal }),
  handlers(Operation.Pick, OPERATOR, { update: m.pickUpdate }),
  handlers(Operation.End, OPERATOR, { update: m.endUpdate, signal: m.endSignal }),
  handlers(Operation.CustomerEnd, CUSTOMER, { update: m.customerEndUpdate, signal: m.customerEndSignal }),
  handlers(Operation.Disconnect, CUSTOMER, { update: m.disconnectUpdate, signal: m.disconnectSignal }),
  handlers(Operation.CloseTab, OPERATOR, { update: m.closeTabUpdate, signal: m.closeTabSignal }),
  handlers(Operation.Reopen, OPERATOR, { update: m.reopenUpdate, signal: m.reopenSignal }),
  handlers(Operation.Revive, CUSTOMER, { update: m.reviveUpdate, signal: m.reviveSignal }),
  handlers(Operation.Transfer, OPERATOR, { update: m.transferUpdate, signal: m.transferSignal }),
  handlers(Operation.MarkRead, OPERATOR, { update: m.markReadUpdate, signal: m.markReadSignal }),
  handlers(Operation.Message, CUSTOMER, { update: m.messageUpdate, signal: m.messageSignal }),
  handlers(Operation.Reroute, ENGINE, { signal: m.rerouteSignal }),
  handlers(Operation.Offer, ENGINE, { signal: m.offerSignal }),
  handlers(Operation.Accept, OPERATOR, { update: m.acceptUpdate, signal: m.acceptSignal }),
  handlers(Operation.Decline, OPERATOR, { update: m.declineUpdate, signal: m.declineSignal }),
];

/**
 * One customer conversation, from entering its queue to Closed: every row of the
 * lifecycle table, its durable timers (waiting timeout, stale flag and close,
 * wrap-up hold), capacity through the store, and continue-as-new for long chats.
 */
export async function conversationWorkflow(input: ConversationWorkflowInput): Promise<ConversationSummary> {
  const problem = input.snapshot ? null : startInputError(input.start);
  if (problem) throw wf.ApplicationFailure.create({ type: ErrorCode.InvalidInput, message: problem, nonRetryable: true });
  const conversation = new Conversation(input);
  const entered = conversation.enter();

  // Every handler is registered before the first await, so nothing that arrives with the start is refused for want of one.
  for (const operation of OPERATIONS) operation.registerUpdate(conversation);
  wf.setHandler(m.syncUpdate, () => conversation.sync(), {
    validator: () => {
      if (conversation.closed) throw failure({ code: ErrorCode.ConversationClosed, message: 'The conversation is Closed.' });
    },
  });
  for (const operation of OPERATIONS) operation.registerSignal(conversation);
  wf.setHandler(m.snapshotQuery, () => conversation.details);

  await entered;
  // Handlers change the state at any await, so it is re-read through the entity, never narrowed.
  while (!conversation.closed) {
    if (conversation.shouldContinueAsNew()) {
      // Only from the main function, once every handler (and so every queued operation) has finished.
      await wf.condition(() => wf.allHandlersFinished() && conversation.idle);
      if (conversation.closed) break;
      await wf.continueAsNew<typeof conversationWorkflow>(conversation.continuation());
    }
    const next = conversation.nextDeadline();
    const seen = conversation.version;
    const changed = () => conversation.version !== seen || conversation.shouldContinueAsNew();
    if (!next) await wf.condition(changed);
    else if (!(await wf.condition(changed, Math.max(1, next.at - Date.now())))) await conversation.fire(next);
  }
  await wf.condition(() => wf.allHandlersFinished() && conversation.idle);
  return conversation.summary();
}
