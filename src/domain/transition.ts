import type { Refusal } from './errors';
import { ErrorCode } from './errors';
import type { LifecycleConfig } from './lifecycle-config';
import type { Actor, Command, TransitionRecord } from './operations';
import { ActorKind, Operation } from './operations';
import type { ConversationSnapshot, OfferOutcome, PendingOffer } from './snapshot';
import { appendBounded, PAST_OFFERS_LIMIT } from './snapshot';
import type { ConversationState } from './states';
import type { Presence } from './presence';
import type { SkillRequirement } from './skills';
import { ConversationState as S, WrapUpCapacityPolicy as P } from './states';
import { timerApplies } from './timers';

/**
 * What the capacity store must grant for a transition to commit (in the same
 * transaction as its write); the store can still refuse (no room, already
 * taken). A queue that does not exist is refused by the write that enters it.
 * `hold` grants nothing new: the agent must still hold the reservation the
 * routing engine made (an offer stands on it).
 */
export type Acquisition = { kind: 'claim' | 'reserve' | 'hold'; agentId: string; force: boolean };

/** Store side effects that follow a committed decision (all idempotent). */
export interface Effects {
  /** Release the capacity reserved for this conversation. */
  release: boolean;
  /** Put the conversation in its (new) queue; it keeps the arrival time of when it entered Open. */
  enqueue: boolean;
  /** Take the conversation out of its queue. */
  dequeue: boolean;
  /** An agent never to be pushed this conversation again (declined, missed, or handed it back to a queue). */
  exclude: string | null;
  /** An agent who let an offer expire, and the presence to set them to so nothing more is pushed to them. */
  missed: { agentId: string; presence: Presence } | null;
}

/** The outcome of applying a command: the next snapshot or a refusal. */
export type Decision =
  | {
      ok: true;
      snapshot: ConversationSnapshot;
      acquire: Acquisition | null;
      effects: Effects;
      stateChanged: boolean;
      /** The line added to the transition log, if the change is one it records. */
      record: TransitionRecord | null;
    }
  | { ok: false; refusal: Refusal };

function refuse(code: ErrorCode, message: string, s: ConversationSnapshot, op: string): Decision {
  return { ok: false, refusal: { code, message, details: { operation: op, state: s.state } } };
}

function wrongState(s: ConversationSnapshot, op: string): Decision {
  if (s.state === S.Closed) {
    return refuse(ErrorCode.ConversationClosed, `Cannot ${op}: the conversation is Closed, and Closed is final.`, s, op);
  }
  return refuse(ErrorCode.InvalidTransition, `Cannot ${op}: the conversation is ${s.state}.`, s, op);
}

/** The excluded agents with one more. */
function excluding(s: ConversationSnapshot, agentId: string | null): string[] {
  return agentId === null || s.excludedAgents.includes(agentId) ? s.excludedAgents : [...s.excludedAgents, agentId];
}

/**
 * The one answer to an accept or decline that found no offer standing for its
 * sender: the offer expired first (OFFER_EXPIRED), or it ended another way or
 * went to someone else (OFFER_TAKEN); a Closed conversation says so.
 */
function offerLost(s: ConversationSnapshot, cmd: Command): Decision {
  if (s.state === S.Closed) return wrongState(s, cmd.op);
  const agentId = cmd.actor.kind === ActorKind.Agent ? cmd.actor.id : undefined;
  const theirs = [...s.pastOffers].reverse().find((o) => agentId === undefined || o.agentId === agentId);
  if (theirs?.outcome === 'expired') {
    return refuse(ErrorCode.OfferExpired, `Cannot ${cmd.op}: the offer to ${theirs.agentId} expired at ${theirs.expiresAt}.`, s, cmd.op);
  }
  const why = theirs ? `the offer to ${theirs.agentId} was ${theirs.outcome}` : 'no offer of it stands for you';
  return refuse(ErrorCode.OfferTaken, `Cannot ${cmd.op}: ${why}; the conversation is ${s.state}.`, s, cmd.op);
}

/** The standing offer an accept or decline answers, or the refusal saying why it cannot. */
function answerable(s: ConversationSnapshot, cmd: Command & { sentAt?: string }): PendingOffer | Decision {
  const offer = s.state === S.Open ? s.offer : null;
  if (!offer || (cmd.actor.kind === ActorKind.Agent && cmd.actor.id !== offer.agentId)) return offerLost(s, cmd);
  // The API's receipt time, carried in the request: the countdown the agent saw decides, not when the task ran.
  if (cmd.sentAt !== undefined && Date.parse(cmd.sentAt) > Date.parse(offer.expiresAt)) {
    return refuse(ErrorCode.OfferExpired, `Cannot ${cmd.op}: the offer expired at ${offer.expiresAt}.`, s, cmd.op);
  }
  return offer;
}

/** How the standing offer ends when `cmd` commits a change that drops it. */
function offerOutcome(offer: PendingOffer, cmd: Command): OfferOutcome {
  if (cmd.op === Operation.Accept) return 'accepted';
  if (cmd.op === Operation.Decline) return 'declined';
  if (cmd.op === Operation.OfferExpire) return 'expired';
  if ((cmd.op === Operation.Pick || cmd.op === Operation.Assign) && cmd.agentId === offer.agentId) return 'accepted';
  return 'withdrawn';
}

/** Agents may act only on their own conversation; supervisors, operators and timers on any. */
function notTheirs(s: ConversationSnapshot, actor: Actor): boolean {
  return actor.kind === ActorKind.Agent && actor.id !== s.agentId;
}

function holdsInWrapUp(config: LifecycleConfig): boolean {
  return config.wrapUp.policy !== P.Release;
}

interface Change {
  to?: ConversationState;
  patch?: Partial<ConversationSnapshot>;
  acquire?: Acquisition | null;
  reason?: string;
  /** Log the change even though the state stays (a direct transfer between agents). */
  log?: boolean;
  /** Leave the current queue and enter the (new) one without a state change (overflow). */
  requeue?: boolean;
  /** Enter the queue again without a state change, at the same place (an offer declined or missed). */
  reenter?: boolean;
  exclude?: string | null;
  missed?: Effects['missed'];
  /** The agent the log line names when it is not the conversation's agent (the offered one). */
  about?: string;
}

/** Applies a change, keeping the bookkeeping (times, flags, log, effects) in one place. */
function commit(s: ConversationSnapshot, cmd: Command, now: Date, change: Change): Decision {
  const at = now.toISOString();
  const next: ConversationSnapshot = { ...s, ...change.patch, version: s.version + 1 };
  const to = change.to;
  const stateChanged = to !== undefined && to !== s.state;
  if (stateChanged) {
    next.state = to;
    next.stateEnteredAt = at;
    next.enteredAt = { ...s.enteredAt, [to]: at };
    // A new state starts a new stale period; a closed conversation keeps the flag time that may have closed it.
    next.staleFlaggedAt = to === S.Closed ? s.staleFlaggedAt : null;
    next.capacityHeld = to === S.Active || (to === S.WrapUp && s.capacityHeld && next.capacityHeld);
    // An offer stands, and a conversation waits, only while Open.
    next.offer = null;
    if (s.state === S.Open) next.routing = { ...next.routing, waiting: null };
    if (to === S.Closed) next.closedReason = change.reason ?? cmd.op;
  }
  if (s.offer && !next.offer) {
    const ended = { agentId: s.offer.agentId, expiresAt: s.offer.expiresAt, outcome: offerOutcome(s.offer, cmd) };
    next.pastOffers = appendBounded(s.pastOffers, ended, PAST_OFFERS_LIMIT).log;
  }
  let record: TransitionRecord | null = null;
  if (stateChanged || change.log) {
    record = {
      from: s.state,
      to: next.state,
      op: cmd.op,
      actor: cmd.actor,
      at,
      agentId: change.about ?? next.agentId,
      queueId: next.queueId,
    };
    if (change.reason) record.reason = change.reason;
    const { log, dropped } = appendBounded(s.transitions, record);
    next.transitions = log;
    next.transitionsDropped = s.transitionsDropped + dropped;
  }
  const effects: Effects = {
    // Leaving a capacity-holding state releases once; entering Closed always releases,
    // which also frees a reservation the dispatcher made for an Open conversation that closed first.
    release: (s.capacityHeld && !next.capacityHeld) || (stateChanged && to === S.Closed),
    enqueue: (stateChanged && to === S.Open) || change.requeue === true || change.reenter === true,
    dequeue: (stateChanged && s.state === S.Open) || change.requeue === true,
    exclude: change.exclude ?? null,
    missed: change.missed ?? null,
  };
  return { ok: true, snapshot: next, acquire: change.acquire ?? null, effects, stateChanged, record };
}

/**
 * The lifecycle's transition function: given a snapshot, a command and the
 * current time, either the next snapshot (with what to acquire first and which
 * store effects follow) or a refusal that changes nothing. Every row of the
 * specification's transition table is here, and nothing else.
 */
export function decide(s: ConversationSnapshot, cmd: Command, now: Date, config: LifecycleConfig): Decision {
  const t = now.getTime();
  switch (cmd.op) {
    case Operation.Assign:
    case Operation.Pick: {
      if (s.state !== S.Open) return wrongState(s, cmd.op);
      if (cmd.op === Operation.Pick && cmd.actor.kind === ActorKind.Agent && cmd.actor.id !== cmd.agentId) {
        return refuse(ErrorCode.NotYourConversation, 'An agent can only pick a conversation for themselves.', s, cmd.op);
      }
      const force = cmd.force ?? false;
      // A pick or an assignment skips the offer (a person chose the work): one standing for someone
      // else is withdrawn, its reservation moving to the chosen agent.
      const withdraw = s.offer !== null && s.offer.agentId !== cmd.agentId;
      const pushed =
        cmd.actor.kind === ActorKind.Engine ? { routing: { ...s.routing, pushedTo: [...s.routing.pushedTo, cmd.agentId] } } : {};
      return commit(s, cmd, now, {
        to: S.Active,
        patch: { agentId: cmd.agentId, ...pushed },
        acquire: withdraw ? { kind: 'reserve', agentId: cmd.agentId, force } : { kind: 'claim', agentId: cmd.agentId, force },
        reason: withdraw && s.offer ? `offer to ${s.offer.agentId} withdrawn` : undefined,
      });
    }
    case Operation.Offer: {
      if (s.state !== S.Open) return wrongState(s, cmd.op);
      if (s.offer) return refuse(ErrorCode.InvalidTransition, `Cannot offer: it is already offered to ${s.offer.agentId}.`, s, cmd.op);
      if (s.offersStopped || s.excludedAgents.includes(cmd.agentId)) {
        return refuse(ErrorCode.InvalidTransition, `Cannot offer to ${cmd.agentId}: offers stopped or already declined.`, s, cmd.op);
      }
      const { agentId, timeoutMs, maxDeclines, missedPresence } = cmd;
      // The countdown starts when the offer is the workflow's, so the agent, who sees it from then on, gets all of it.
      const offer = {
        agentId,
        timeoutMs,
        maxDeclines,
        missedPresence,
        offeredAt: now.toISOString(),
        expiresAt: new Date(t + timeoutMs).toISOString(),
      };
      return commit(s, cmd, now, {
        patch: { offer, capacityHeld: true, routing: { ...s.routing, pushedTo: [...s.routing.pushedTo, agentId] } },
        // The reservation the offer stands on must still be this agent's (a redelivered match may be stale).
        acquire: { kind: 'hold', agentId, force: false },
        log: true,
        about: agentId,
        reason: `offered to ${agentId} until ${offer.expiresAt}`,
      });
    }
    case Operation.Accept: {
      const offer = answerable(s, cmd);
      if (!('agentId' in offer)) return offer;
      const agentId = offer.agentId;
      return commit(s, cmd, now, {
        to: S.Active,
        patch: { agentId },
        acquire: { kind: 'claim', agentId, force: false },
        reason: 'offer accepted',
      });
    }
    case Operation.Relax: {
      if (!timerApplies(s, config, cmd, t)) return refuse(ErrorCode.InvalidTransition, 'No requirement has waited its time.', s, cmd.op);
      const since = Date.parse(s.stateEnteredAt);
      // Every requirement whose time has come by the fired deadline (or by now, when the task runs later).
      const until = cmd.at === undefined ? t : Math.max(cmd.at, t);
      const due = (r: SkillRequirement) => r.relaxAfterMs !== null && since + r.relaxAfterMs <= until;
      const dropped = s.requirements.filter(due);
      const relaxed = dropped.map((r) => ({ skill: r.skill, minProficiency: r.minProficiency, at: now.toISOString() }));
      return commit(s, cmd, now, {
        patch: {
          requirements: s.requirements.filter((r) => !due(r)),
          routing: { ...s.routing, relaxed: [...s.routing.relaxed, ...relaxed] },
        },
        log: true,
        reason: `relaxed ${dropped.map((r) => `${r.skill} >= ${r.minProficiency}`).join(', ')} after waiting`,
        // Back in line at the same place with fewer requirements; matching runs again.
        requeue: true,
      });
    }
    case Operation.Decline:
    case Operation.OfferExpire: {
      let offer: PendingOffer;
      if (cmd.op === Operation.Decline) {
        const answered = answerable(s, cmd);
        if (!('agentId' in answered)) return answered;
        offer = answered;
      } else {
        if (s.state !== S.Open || !s.offer || !timerApplies(s, config, cmd, t)) {
          return refuse(ErrorCode.InvalidTransition, 'The offer has not expired, or no longer stands.', s, cmd.op);
        }
        offer = s.offer;
      }
      const declines = s.declines + 1;
      const offersStopped = declines >= offer.maxDeclines;
      const why =
        cmd.op === Operation.Decline
          ? `declined by ${offer.agentId}${cmd.reason ? `: ${cmd.reason}` : ''}`
          : `offer to ${offer.agentId} expired`;
      return commit(s, cmd, now, {
        patch: { offer: null, capacityHeld: false, excludedAgents: excluding(s, offer.agentId), declines, offersStopped },
        log: true,
        reason: offersStopped ? `${why}; no longer pushed after ${declines} declines and misses` : why,
        // Back in line at its original place (the arrival it entered Open with), never pushed to this agent again.
        reenter: true,
        exclude: offer.agentId,
        about: offer.agentId,
        missed:
          cmd.op === Operation.OfferExpire && offer.missedPresence ? { agentId: offer.agentId, presence: offer.missedPresence } : null,
      });
    }
    case Operation.End: {
      if (s.state !== S.Active) return wrongState(s, cmd.op);
      if (notTheirs(s, cmd.actor))
        return refuse(ErrorCode.NotYourConversation, `Cannot end: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      return commit(s, cmd, now, { to: S.WrapUp, patch: { capacityHeld: holdsInWrapUp(config) }, reason: 'ended by agent' });
    }
    case Operation.CustomerEnd: {
      if (s.state === S.Open || s.state === S.Waiting) return commit(s, cmd, now, { to: S.Closed, reason: 'ended by customer' });
      if (s.state === S.Active)
        return commit(s, cmd, now, { to: S.WrapUp, patch: { capacityHeld: holdsInWrapUp(config) }, reason: 'ended by customer' });
      return wrongState(s, cmd.op);
    }
    case Operation.Disconnect: {
      if (s.state === S.Closed) return wrongState(s, cmd.op);
      if (s.state === S.Open)
        return commit(s, cmd, now, { to: S.Closed, patch: { customerConnected: false }, reason: 'customer disconnected' });
      return commit(s, cmd, now, { patch: { customerConnected: false } });
    }
    case Operation.CloseTab: {
      if (s.state !== S.Active && s.state !== S.WrapUp) return wrongState(s, cmd.op);
      if (notTheirs(s, cmd.actor))
        return refuse(ErrorCode.NotYourConversation, `Cannot close the tab: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      return commit(s, cmd, now, s.state === S.Active ? { to: S.Waiting } : { to: S.Closed, reason: 'closed by agent' });
    }
    case Operation.Reopen: {
      if (s.state !== S.Waiting) return wrongState(s, cmd.op);
      if (notTheirs(s, cmd.actor))
        return refuse(ErrorCode.NotYourConversation, `Cannot reopen: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      const agentId = s.agentId ?? '';
      return commit(s, cmd, now, { to: S.Active, acquire: { kind: 'reserve', agentId, force: cmd.force ?? false } });
    }
    case Operation.Revive: {
      if (s.state !== S.Waiting) return wrongState(s, cmd.op);
      if (!s.customerConnected) {
        return refuse(ErrorCode.CustomerDisconnected, 'Cannot revive: the customer session has ended.', s, cmd.op);
      }
      const since = Date.parse(s.enteredAt.Waiting ?? s.stateEnteredAt);
      if (t - since > config.reviveWindowMs) {
        return refuse(
          ErrorCode.ReviveWindowExpired,
          `Cannot revive: the revive window of ${config.reviveWindowMs} ms after entering Waiting has passed.`,
          s,
          cmd.op,
        );
      }
      return commit(s, cmd, now, { to: S.Open, patch: { agentId: null, lastAgentId: s.agentId } });
    }
    case Operation.Transfer: {
      if (s.state !== S.Active) return wrongState(s, cmd.op);
      if (notTheirs(s, cmd.actor))
        return refuse(ErrorCode.NotYourConversation, `Cannot transfer: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      if ('agentId' in cmd.to) {
        if (cmd.to.agentId === s.agentId)
          return refuse(ErrorCode.InvalidInput, `Cannot transfer: ${s.agentId} already has the conversation.`, s, cmd.op);
        // Active -> Active: the reservation moves to the new agent in one store operation.
        return commit(s, cmd, now, {
          patch: { agentId: cmd.to.agentId, lastAgentId: s.agentId },
          acquire: { kind: 'reserve', agentId: cmd.to.agentId, force: cmd.force ?? false },
          reason: `transferred to agent ${cmd.to.agentId}`,
          log: true,
        });
      }
      return commit(s, cmd, now, {
        to: S.Open,
        patch: { agentId: null, lastAgentId: s.agentId, queueId: cmd.to.queueId, excludedAgents: excluding(s, s.agentId) },
        reason: `transferred to queue ${cmd.to.queueId}`,
        // The agent handing it back is not pushed it again (they can still pick it).
        exclude: s.agentId,
      });
    }
    case Operation.Message: {
      const allowed: readonly ConversationState[] = cmd.from === 'customer' ? [S.Open, S.Active, S.Waiting] : [S.Active, S.Waiting];
      if (!allowed.includes(s.state)) return wrongState(s, `send a ${cmd.from} message`);
      if (cmd.from === 'agent' && notTheirs(s, cmd.actor)) {
        return refuse(ErrorCode.NotYourConversation, `Cannot send: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      }
      return commit(s, cmd, now, {
        patch: {
          messageCount: s.messageCount + 1,
          lastExchangeAt: now.toISOString(),
          unreadCount: cmd.from === 'customer' ? s.unreadCount + 1 : s.unreadCount,
        },
      });
    }
    case Operation.MarkRead: {
      if (s.state === S.Open || s.state === S.Closed) return wrongState(s, 'mark messages read');
      if (notTheirs(s, cmd.actor))
        return refuse(ErrorCode.NotYourConversation, `Cannot mark read: the conversation belongs to ${s.agentId}.`, s, cmd.op);
      return commit(s, cmd, now, { patch: { unreadCount: 0 } });
    }
    case Operation.Reroute: {
      if (s.state !== S.Open) return wrongState(s, cmd.op);
      if (cmd.toQueueId === s.queueId) return refuse(ErrorCode.InvalidInput, `Cannot reroute: already in queue ${s.queueId}.`, s, cmd.op);
      // Decided for the queue it waited in: a move that arrives after it left that queue (picked, transferred) is stale.
      if (cmd.fromQueueId !== undefined && cmd.fromQueueId !== s.queueId) {
        return refuse(
          ErrorCode.InvalidTransition,
          `Cannot reroute from queue ${cmd.fromQueueId}: it is in queue ${s.queueId} now.`,
          s,
          cmd.op,
        );
      }
      return commit(s, cmd, now, {
        patch: { queueId: cmd.toQueueId },
        reason:
          cmd.reason === 'outOfHours'
            ? `out of hours: queue ${s.queueId} is closed, moved to ${cmd.toQueueId}`
            : `overflow from queue ${s.queueId} to ${cmd.toQueueId}`,
        log: true,
        requeue: true,
      });
    }
    case Operation.WaitingTimeout: {
      if (!timerApplies(s, config, cmd, t)) return refuse(ErrorCode.InvalidTransition, 'The waiting timeout is not due.', s, cmd.op);
      return commit(s, cmd, now, { to: S.Closed, reason: 'waiting timeout: no exchange between agent and customer' });
    }
    case Operation.StaleFlag: {
      if (!timerApplies(s, config, cmd, t)) return refuse(ErrorCode.InvalidTransition, 'The stale period has not passed.', s, cmd.op);
      return commit(s, cmd, now, { patch: { staleFlaggedAt: now.toISOString() } });
    }
    case Operation.StaleClose: {
      if (!timerApplies(s, config, cmd, t)) return refuse(ErrorCode.InvalidTransition, 'The stale grace period has not passed.', s, cmd.op);
      return commit(s, cmd, now, { to: S.Closed, reason: `stale: ${s.state} longer than its period` });
    }
    case Operation.WrapUpRelease: {
      if (!timerApplies(s, config, cmd, t))
        return refuse(ErrorCode.InvalidTransition, 'The wrap-up hold period has not passed.', s, cmd.op);
      return commit(s, cmd, now, { patch: { capacityHeld: false } });
    }
  }
}
