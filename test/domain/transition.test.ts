import { ErrorCode } from '../../src/domain/errors';
import type { Command, Operation, PersonOperation } from '../../src/domain/operations';
import { ActorKind, PERSON_OPERATIONS } from '../../src/domain/operations';
import type { ConversationState } from '../../src/domain/states';
import { ALL_STATES } from '../../src/domain/states';
import { deadlines, OFFER_ACCEPT_GRACE_MS } from '../../src/domain/timers';
import { decide } from '../../src/domain/transition';
import { after, config, inState, T0 } from './fixtures';

const supervisor = { kind: ActorKind.Supervisor, id: 'sup' } as const;

function command(op: Operation): Command {
  switch (op) {
    case 'assign':
    case 'pick':
      return { op, agentId: 'alice', actor: op === 'pick' ? { kind: ActorKind.Agent, id: 'alice' } : supervisor };
    case 'transfer':
      return { op, to: { queueId: 'billing' }, actor: supervisor };
    case 'message':
      return { op, from: 'customer', messageId: 'm1', actor: { kind: ActorKind.Customer } };
    default:
      return { op, actor: supervisor } as Command;
  }
}

// The specification's table, as (state, operation) -> next state, 'same' (accepted,
// no state change), or the refusal code. Every pair is listed: nothing else happens.
const R = ErrorCode.InvalidTransition;
// An answer to an offer when none stands: the offer went elsewhere (or never was).
const T = ErrorCode.OfferTaken;
const table: Record<ConversationState, Record<PersonOperation, ConversationState | 'same' | ErrorCode>> = {
  Open: {
    assign: 'Active',
    pick: 'Active',
    end: R,
    customerEnd: 'Closed',
    disconnect: 'Closed',
    closeTab: R,
    reopen: R,
    revive: R,
    transfer: R,
    message: 'same',
    markRead: R,
    accept: T,
    decline: T,
  },
  Active: {
    assign: R,
    pick: R,
    end: 'WrapUp',
    customerEnd: 'WrapUp',
    disconnect: 'same',
    closeTab: 'Waiting',
    reopen: R,
    revive: R,
    transfer: 'Open',
    message: 'same',
    markRead: 'same',
    accept: T,
    decline: T,
  },
  WrapUp: {
    assign: R,
    pick: R,
    end: R,
    customerEnd: R,
    disconnect: 'same',
    closeTab: 'Closed',
    reopen: R,
    revive: R,
    transfer: R,
    message: R,
    markRead: 'same',
    accept: T,
    decline: T,
  },
  Waiting: {
    assign: R,
    pick: R,
    end: R,
    customerEnd: 'Closed',
    disconnect: 'same',
    closeTab: R,
    reopen: 'Active',
    revive: 'Open',
    transfer: R,
    message: 'same',
    markRead: 'same',
    accept: T,
    decline: T,
  },
  Closed: Object.fromEntries(PERSON_OPERATIONS.map((op) => [op, ErrorCode.ConversationClosed])) as Record<PersonOperation, ErrorCode>,
};

describe('decide: the transition table', () => {
  for (const state of ALL_STATES) {
    for (const op of PERSON_OPERATIONS) {
      const expected = table[state][op];
      it(`${state} + ${op} -> ${expected}`, () => {
        const before = inState(state);
        const frozen = JSON.stringify(before);
        const d = decide(before, command(op), after(1000), config);
        expect(JSON.stringify(before)).toBe(frozen);
        if (expected === 'same') {
          expect(d.ok && d.snapshot.state).toBe(state);
          expect(d.ok && d.stateChanged).toBe(false);
        } else if (expected === R || expected === T || expected === ErrorCode.ConversationClosed) {
          expect(d.ok).toBe(false);
          if (!d.ok) {
            expect(d.refusal.code).toBe(expected);
            expect(d.refusal.message).toContain(state);
            expect(d.refusal.details).toEqual({ operation: expect.any(String), state });
          }
        } else {
          expect(d.ok && d.snapshot.state).toBe(expected);
          if (d.ok) {
            expect(d.snapshot.transitions.at(-1)).toMatchObject({ from: state, to: expected, op });
            expect(d.snapshot.version).toBe(before.version + 1);
          }
        }
      });
    }
  }
});

describe('decide: capacity and queue effects', () => {
  it('claims capacity when an Open conversation is assigned, and leaves the queue', () => {
    const d = decide(inState('Open'), command('assign'), after(1), config);
    expect(d.ok && d.acquire).toEqual({ kind: 'claim', agentId: 'alice', force: false });
    expect(d.ok && d.effects).toMatchObject({ release: false, enqueue: false, dequeue: true });
    expect(d.ok && d.snapshot.capacityHeld).toBe(true);
  });

  it('releases capacity when the agent closes the tab (Active -> Waiting)', () => {
    const d = decide(inState('Active'), command('closeTab'), after(1), config);
    expect(d.ok && d.effects).toMatchObject({ release: true, enqueue: false, dequeue: false });
    expect(d.ok && d.snapshot.capacityHeld).toBe(false);
  });

  it('holds capacity in Wrap-up by default and releases it when the tab closes', () => {
    const ended = decide(inState('Active'), command('end'), after(1), config);
    expect(ended.ok && ended.snapshot.capacityHeld).toBe(true);
    expect(ended.ok && ended.effects.release).toBe(false);
    const closed = ended.ok ? decide(ended.snapshot, command('closeTab'), after(2), config) : ended;
    expect(closed.ok && closed.effects.release).toBe(true);
  });

  it('releases capacity on entering Wrap-up under the release policy', () => {
    const d = decide(inState('Active'), command('end'), after(1), { ...config, wrapUp: { policy: 'release', holdForMs: 0 } });
    expect(d.ok && d.snapshot.capacityHeld).toBe(false);
    expect(d.ok && d.effects.release).toBe(true);
  });

  it('releases capacity and re-queues on transfer, remembering the last agent', () => {
    const d = decide(inState('Active'), command('transfer'), after(1), config);
    expect(d.ok && d.acquire).toBeNull();
    expect(d.ok && d.effects).toMatchObject({ release: true, enqueue: true, dequeue: false, exclude: 'alice' });
    expect(d.ok && d.snapshot).toMatchObject({ agentId: null, lastAgentId: 'alice', queueId: 'billing', state: 'Open' });
  });

  it('reserves capacity again when a Waiting conversation is reopened', () => {
    const d = decide(inState('Waiting'), command('reopen'), after(1), config);
    expect(d.ok && d.acquire).toEqual({ kind: 'reserve', agentId: 'alice', force: false });
    expect(d.ok && d.snapshot.capacityHeld).toBe(true);
  });

  it('always releases on entering Closed, which frees a reservation made for an Open conversation', () => {
    const d = decide(inState('Open'), command('disconnect'), after(1), config);
    expect(d.ok && d.effects).toMatchObject({ release: true, enqueue: false, dequeue: true });
  });
});

describe('decide: direct transfer to an agent', () => {
  it('keeps the conversation Active, moves the reservation to the new agent and logs the hand-over', () => {
    const d = decide(inState('Active'), { op: 'transfer', to: { agentId: 'bob' }, actor: supervisor }, after(1), config);
    expect(d.ok && d.acquire).toEqual({ kind: 'reserve', agentId: 'bob', force: false });
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Active', agentId: 'bob', lastAgentId: 'alice', capacityHeld: true });
    expect(d.ok && d.effects).toMatchObject({ release: false, enqueue: false, dequeue: false });
    expect(d.ok && d.snapshot.transitions.at(-1)).toMatchObject({
      from: 'Active',
      to: 'Active',
      agentId: 'bob',
      reason: 'transferred to agent bob',
    });
    expect(d.ok && d.snapshot.stateEnteredAt).toBe(T0.toISOString());
  });

  it('refuses a transfer to the agent who already has it', () => {
    const d = decide(inState('Active'), { op: 'transfer', to: { agentId: 'alice' }, actor: supervisor }, after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.InvalidInput);
  });
});

describe('decide: overflow', () => {
  const reroute = { op: 'reroute', toQueueId: 'billing', actor: { kind: ActorKind.Engine } } as const;

  it('moves an Open conversation to another queue without a state change, keeping its stale clock', () => {
    const d = decide(inState('Open'), reroute, after(1), config);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Open', queueId: 'billing', stateEnteredAt: T0.toISOString() });
    expect(d.ok && d.acquire).toBeNull();
    expect(d.ok && d.effects).toMatchObject({ release: false, enqueue: true, dequeue: true });
    expect(d.ok && d.snapshot.transitions.at(-1)).toMatchObject({
      from: 'Open',
      to: 'Open',
      op: 'reroute',
      reason: 'overflow from queue default to billing',
    });
  });

  it.each(['Active', 'WrapUp', 'Waiting', 'Closed'] as const)('refuses to reroute a conversation that is %s', (state) => {
    expect(decide(inState(state), reroute, after(1), config).ok).toBe(false);
  });

  it('refuses to reroute into the queue it is already in', () => {
    const d = decide(inState('Open'), { ...reroute, toQueueId: 'default' }, after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.InvalidInput);
  });

  it('refuses a reroute decided for a queue the conversation has left, and applies one decided for its own', () => {
    const stale = decide(inState('Open'), { ...reroute, fromQueueId: 'sales' }, after(1), config);
    expect(!stale.ok && stale.refusal.code).toBe(ErrorCode.InvalidTransition);
    const fresh = decide(inState('Open'), { ...reroute, fromQueueId: 'default' }, after(1), config);
    expect(fresh.ok && fresh.snapshot.queueId).toBe('billing');
  });
});

describe('decide: who may act', () => {
  it.each(['end', 'closeTab', 'transfer', 'markRead'] as const)('refuses %s by an agent who does not have the conversation', (op) => {
    const cmd = { ...command(op), actor: { kind: ActorKind.Agent, id: 'bob' } } as Command;
    const d = decide(inState('Active'), cmd, after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.NotYourConversation);
  });

  it('refuses reopen by another agent', () => {
    const d = decide(inState('Waiting'), { op: 'reopen', actor: { kind: ActorKind.Agent, id: 'bob' } }, after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.NotYourConversation);
  });

  it('refuses an agent picking on behalf of someone else', () => {
    const d = decide(inState('Open'), { op: 'pick', agentId: 'bob', actor: { kind: ActorKind.Agent, id: 'alice' } }, after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.NotYourConversation);
  });

  it('refuses an agent message from an agent who is not on the conversation', () => {
    const d = decide(
      inState('Active'),
      { op: 'message', from: 'agent', messageId: 'm', actor: { kind: ActorKind.Agent, id: 'bob' } },
      after(1),
      config,
    );
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.NotYourConversation);
  });
});

describe('decide: revive', () => {
  it('revives within the window while the customer is connected, preferring the last agent', () => {
    const d = decide(inState('Waiting'), command('revive'), after(config.reviveWindowMs), config);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Open', agentId: null, lastAgentId: 'alice' });
    expect(d.ok && d.effects.enqueue).toBe(true);
  });

  it('refuses a revive after the window', () => {
    const d = decide(inState('Waiting'), command('revive'), after(config.reviveWindowMs + 1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.ReviveWindowExpired);
  });

  it('refuses a revive once the customer session has ended', () => {
    const d = decide(inState('Waiting', { customerConnected: false }), command('revive'), after(1), config);
    expect(!d.ok && d.refusal.code).toBe(ErrorCode.CustomerDisconnected);
  });
});

describe('decide: messages and unread counts', () => {
  it('counts customer messages as unread until the agent reads them', () => {
    let s = inState('Active');
    for (let i = 0; i < 3; i++) {
      const d = decide(s, { op: 'message', from: 'customer', messageId: `m${i}`, actor: { kind: 'customer' } }, after(i), config);
      if (!d.ok) throw new Error(d.refusal.message);
      s = d.snapshot;
    }
    const agentReply = decide(
      s,
      { op: 'message', from: 'agent', messageId: 'a1', actor: { kind: 'agent', id: 'alice' } },
      after(5),
      config,
    );
    expect(agentReply.ok && agentReply.snapshot.unreadCount).toBe(3);
    const read = decide(s, { op: 'markRead', actor: { kind: 'agent', id: 'alice' } }, after(6), config);
    expect(read.ok && read.snapshot.unreadCount).toBe(0);
    expect(s.messageCount).toBe(3);
    expect(s.lastExchangeAt).toBe(after(2).toISOString());
  });
});

describe('decide: timers', () => {
  it('closes Waiting at the waiting timeout and not a millisecond before', () => {
    const s = inState('Waiting');
    const at = config.waitingTimeoutMs.chat;
    expect(decide(s, { op: 'waitingTimeout', actor: { kind: 'timer' } }, after(at - 1), config).ok).toBe(false);
    const d = decide(s, { op: 'waitingTimeout', actor: { kind: 'timer' } }, after(at), config);
    expect(d.ok && d.snapshot.state).toBe('Closed');
    expect(d.ok && d.snapshot.closedReason).toMatch(/waiting timeout/);
  });

  it('restarts the waiting timeout from the last exchange', () => {
    const s = inState('Waiting', { lastExchangeAt: after(60_000).toISOString() });
    const d = decide(s, { op: 'waitingTimeout', actor: { kind: 'timer' } }, after(config.waitingTimeoutMs.chat), config);
    expect(d.ok).toBe(false);
  });

  it('flags an Open chat at its stale period and closes it after the grace', () => {
    const s = inState('Open');
    const period = config.stalePeriodsMs.chat.Open ?? 0;
    expect(decide(s, { op: 'staleFlag', actor: { kind: 'timer' } }, after(period - 1), config).ok).toBe(false);
    const flagged = decide(s, { op: 'staleFlag', actor: { kind: 'timer' } }, after(period), config);
    expect(flagged.ok && flagged.snapshot.staleFlaggedAt).toBe(after(period).toISOString());
    expect(flagged.ok && flagged.snapshot.state).toBe('Open');
    if (!flagged.ok) return;
    expect(
      decide(flagged.snapshot, { op: 'staleClose', actor: { kind: 'timer' } }, after(period + config.staleGraceMs - 1), config).ok,
    ).toBe(false);
    const closed = decide(flagged.snapshot, { op: 'staleClose', actor: { kind: 'timer' } }, after(period + config.staleGraceMs), config);
    expect(closed.ok && closed.snapshot.state).toBe('Closed');
    expect(closed.ok && closed.effects).toMatchObject({ release: true, enqueue: false, dequeue: true });
    // The flag time stays on the closed conversation: why and since when it was closed automatically.
    expect(closed.ok && closed.snapshot.staleFlaggedAt).toBe(after(period).toISOString());
    expect(closed.ok && closed.snapshot.closedReason).toMatch(/stale/);
  });

  it('clears the stale flag on any state change but Closed', () => {
    const s = inState('Active', { staleFlaggedAt: T0.toISOString() });
    const d = decide(s, command('end'), after(1), config);
    expect(d.ok && d.snapshot.staleFlaggedAt).toBeNull();
  });

  it('never flags an Active chat (no period by default)', () => {
    const d = decide(inState('Active'), { op: 'staleFlag', actor: { kind: 'timer' } }, after(365 * 86_400_000), config);
    expect(d.ok).toBe(false);
  });

  it('releases Wrap-up capacity after the hold period under holdFor', () => {
    const holdFor = { ...config, wrapUp: { policy: 'holdFor' as const, holdForMs: 120_000 } };
    const s = inState('WrapUp');
    expect(decide(s, { op: 'wrapUpRelease', actor: { kind: 'timer' } }, after(119_999), holdFor).ok).toBe(false);
    const d = decide(s, { op: 'wrapUpRelease', actor: { kind: 'timer' } }, after(120_000), holdFor);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'WrapUp', capacityHeld: false });
    expect(d.ok && d.effects.release).toBe(true);
  });
});

describe('decide: offers', () => {
  const terms = { timeoutMs: 120_000, maxDeclines: 2, missedPresence: 'Away' as const };
  const engine = { kind: ActorKind.Engine } as const;
  const bob = { kind: ActorKind.Agent, id: 'bob' } as const;
  const offerTo = (agentId: string) => ({ op: 'offer' as const, agentId, ...terms, actor: engine });

  function offered(agentId = 'bob') {
    const d = decide(inState('Open'), offerTo(agentId), after(10), config);
    if (!d.ok) throw new Error(d.refusal.message);
    return d.snapshot;
  }

  it('keeps the conversation Open with the offer standing, its agent and expiry visible, capacity held', () => {
    const d = decide(inState('Open'), offerTo('bob'), after(10), config);
    expect(d.ok && d.snapshot).toMatchObject({
      state: 'Open',
      capacityHeld: true,
      offer: { agentId: 'bob', expiresAt: after(10 + terms.timeoutMs).toISOString() },
    });
    expect(d.ok && d.effects).toMatchObject({ release: false, enqueue: false, dequeue: false });
    expect(d.ok && d.record).toMatchObject({ from: 'Open', to: 'Open', op: 'offer' });
  });

  it('accepts for the offered agent only: Open -> Active with the capacity already held', () => {
    const s = offered();
    expect(decide(s, { op: 'accept', actor: { kind: ActorKind.Agent, id: 'carol' } }, after(20), config)).toMatchObject({
      ok: false,
      refusal: { code: ErrorCode.OfferTaken },
    });
    const d = decide(s, { op: 'accept', actor: bob }, after(20), config);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Active', agentId: 'bob', offer: null, capacityHeld: true });
    expect(d.ok && d.snapshot.pastOffers).toEqual([
      { agentId: 'bob', expiresAt: after(10 + terms.timeoutMs).toISOString(), outcome: 'accepted' },
    ]);
    expect(d.ok && d.acquire).toEqual({ kind: 'claim', agentId: 'bob', force: false });
    expect(d.ok && d.effects.release).toBe(false);
  });

  it('on decline releases, re-enters the queue at its place and never offers it to that agent again', () => {
    const d = decide(offered(), { op: 'decline', reason: 'on a call', actor: bob }, after(20), config);
    expect(d.ok && d.snapshot).toMatchObject({
      state: 'Open',
      offer: null,
      capacityHeld: false,
      excludedAgents: ['bob'],
      declines: 1,
      offersStopped: false,
    });
    expect(d.ok && d.snapshot.stateEnteredAt).toBe(T0.toISOString());
    expect(d.ok && d.effects).toMatchObject({ release: true, enqueue: true, dequeue: false, exclude: 'bob', missed: null });
    expect(d.ok && d.record).toMatchObject({ op: 'decline', agentId: 'bob', reason: 'declined by bob: on a call' });
    if (!d.ok) return;
    expect(decide(d.snapshot, offerTo('bob'), after(30), config)).toMatchObject({ ok: false });
  });

  it('expires by its timer when the deadline the timer was started for still stands, whatever the clock reads', () => {
    const s = offered();
    const [deadline] = deadlines(s, config);
    expect(deadline).toEqual({ op: 'offerExpire', at: after(10 + terms.timeoutMs + OFFER_ACCEPT_GRACE_MS).getTime() });
    if (!deadline) return;
    // A task's clock can read earlier on one run than on another: the fired timer decides, not the clock.
    const d = decide(s, { op: 'offerExpire', at: deadline.at, actor: { kind: ActorKind.Timer } }, after(11), config);
    expect(d.ok && d.effects).toMatchObject({ release: true, enqueue: true, exclude: 'bob', missed: { agentId: 'bob', presence: 'Away' } });
    expect(d.ok && d.record).toMatchObject({ op: 'offerExpire', agentId: 'bob', reason: 'offer to bob expired' });
    // A timer started for an earlier offer's deadline does not expire the one standing now.
    const stale = decide(
      s,
      { op: 'offerExpire', at: deadline.at - 1, actor: { kind: ActorKind.Timer } },
      after(10 + 10 * terms.timeoutMs),
      config,
    );
    expect(stale).toMatchObject({ ok: false, refusal: { code: ErrorCode.InvalidTransition } });
  });

  it('without a fired deadline, expires only once the countdown and the grace after it are over', () => {
    const s = offered();
    const end = 10 + terms.timeoutMs + OFFER_ACCEPT_GRACE_MS;
    expect(decide(s, { op: 'offerExpire', actor: { kind: ActorKind.Timer } }, after(end - 1), config).ok).toBe(false);
    expect(decide(s, { op: 'offerExpire', actor: { kind: ActorKind.Timer } }, after(end), config).ok).toBe(true);
  });

  it('stands on the reservation routing made, names its agent in the log and lists them as pushed to', () => {
    const d = decide(inState('Open'), offerTo('bob'), after(3_000), config);
    expect(d.ok && d.acquire).toEqual({ kind: 'hold', agentId: 'bob', force: false });
    expect(d.ok && d.snapshot.routing.pushedTo).toEqual(['bob']);
    expect(d.ok && d.record).toMatchObject({ op: 'offer', agentId: 'bob' });
  });

  it('lets an accept the API received before the countdown ended win, and refuses one received after it', () => {
    const s = offered();
    const end = after(10 + terms.timeoutMs);
    const inTime = decide(s, { op: 'accept', sentAt: end.toISOString(), actor: bob }, after(10 + terms.timeoutMs + 1_500), config);
    expect(inTime.ok && inTime.snapshot).toMatchObject({ state: 'Active', agentId: 'bob' });
    const late = decide(s, { op: 'accept', sentAt: new Date(end.getTime() + 1).toISOString(), actor: bob }, after(20), config);
    expect(late).toMatchObject({ ok: false, refusal: { code: ErrorCode.OfferExpired } });
    const lateDecline = decide(s, { op: 'decline', sentAt: new Date(end.getTime() + 1).toISOString(), actor: bob }, after(20), config);
    expect(lateDecline).toMatchObject({ ok: false, refusal: { code: ErrorCode.OfferExpired } });
  });

  it('answers an accept that lost with one code: OFFER_EXPIRED after the expiry, OFFER_TAKEN when it went elsewhere', () => {
    const s = offered('bob');
    const [deadline] = deadlines(s, config);
    const expired = decide(
      s,
      { op: 'offerExpire', at: deadline?.at, actor: { kind: ActorKind.Timer } },
      after(10 + terms.timeoutMs),
      config,
    );
    if (!expired.ok) throw new Error(expired.refusal.message);
    const accept = { op: 'accept' as const, actor: bob };
    expect(decide(expired.snapshot, accept, after(20), config)).toMatchObject({ ok: false, refusal: { code: ErrorCode.OfferExpired } });
    // Offered to carol meanwhile: bob's answer still lost to the expiry.
    const carol = decide(expired.snapshot, offerTo('carol'), after(30), config);
    if (!carol.ok) throw new Error(carol.refusal.message);
    expect(decide(carol.snapshot, accept, after(40), config)).toMatchObject({ ok: false, refusal: { code: ErrorCode.OfferExpired } });
    // Carol's offer withdrawn by a supervisor's assignment: her late accept lost to someone else.
    const assigned = decide(carol.snapshot, { op: 'assign', agentId: 'dave', actor: supervisor }, after(50), config);
    if (!assigned.ok) throw new Error(assigned.refusal.message);
    const carolAccepts = { op: 'accept' as const, actor: { kind: ActorKind.Agent, id: 'carol' } };
    expect(decide(assigned.snapshot, carolAccepts, after(60), config)).toMatchObject({
      ok: false,
      refusal: { code: ErrorCode.OfferTaken },
    });
    expect(assigned.ok && assigned.snapshot.pastOffers.map((o) => [o.agentId, o.outcome])).toEqual([
      ['bob', 'expired'],
      ['carol', 'withdrawn'],
    ]);
  });

  it('stops pushing after the queue’s limit of declines and misses, flagging it for the supervisor', () => {
    const first = decide(offered('bob'), { op: 'decline', actor: bob }, after(20), config);
    if (!first.ok) throw new Error('declined');
    const again = decide(first.snapshot, offerTo('carol'), after(30), config);
    if (!again.ok) throw new Error('offered');
    const [deadline] = deadlines(again.snapshot, config);
    const second = decide(again.snapshot, { op: 'offerExpire', at: deadline?.at, actor: { kind: ActorKind.Timer } }, after(31), config);
    expect(second.ok && second.snapshot).toMatchObject({ offersStopped: true, excludedAgents: ['bob', 'carol'], declines: 2 });
    expect(second.ok && second.record?.reason).toMatch(/no longer pushed after 2 declines and misses/);
    if (!second.ok) return;
    expect(decide(second.snapshot, offerTo('dave'), after(40), config).ok).toBe(false);
    // Pick and supervisor assignment still work.
    expect(decide(second.snapshot, { op: 'assign', agentId: 'dave', actor: supervisor }, after(40), config).ok).toBe(true);
  });

  it('lets a pick or a supervisor assignment withdraw an offer standing for someone else, moving the reservation', () => {
    const d = decide(offered('bob'), { op: 'assign', agentId: 'dave', actor: supervisor }, after(20), config);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Active', agentId: 'dave', offer: null });
    expect(d.ok && d.acquire).toEqual({ kind: 'reserve', agentId: 'dave', force: false });
    const own = decide(offered('bob'), { op: 'pick', agentId: 'bob', actor: bob }, after(20), config);
    expect(own.ok && own.acquire).toEqual({ kind: 'claim', agentId: 'bob', force: false });
  });

  it('clears the offer and releases when the customer leaves while it stands', () => {
    const d = decide(offered(), { op: 'disconnect', actor: { kind: ActorKind.Customer } }, after(20), config);
    expect(d.ok && d.snapshot).toMatchObject({ state: 'Closed', offer: null });
    expect(d.ok && d.effects.release).toBe(true);
  });
});
