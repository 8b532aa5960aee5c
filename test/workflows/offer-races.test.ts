import { acceptSignal, acceptUpdate, assignUpdate, offerSignal, syncUpdate } from '../../workflows/messages';
import { OFFER_ACCEPT_GRACE_MS } from '../../src/domain/timers';
import { invariantViolations } from '../helpers/invariants';
import type { Harness } from './conversation-fixture';
import { agent, allOffline, finish, id, startOfferHarness, TIMEOUT_MS } from './offer-fixture';
import { eventually, expectRefusal, snapshot, startConversation, stopHarness, until } from './conversation-fixture';

let h: Harness;
beforeAll(async () => {
  h = await startOfferHarness();
});
afterAll(() => stopHarness(h));
afterEach(() => allOffline(h));

// The races run on a harness of their own: after the presence test of offers.test.ts on the same
// time-skipping server, the conversation that gets an accept 20 ms before its expiry was seen to
// stop making progress (neither applied) from about 23:20 UTC on 2026-12-01, at commits from before
// that day's changes too; alone it passes. Not diagnosed: see the closing note of that day.
describe('offers in an offer-mode queue: races', () => {
  it('lets exactly one of an accept and the expiry win when they meet at the deadline, leaking no capacity', async () => {
    // Just before the deadline the accept wins and the timer finds nothing to expire...
    await h.changes.setPresence('ann', 'Available');
    const early = await startConversation(h, { queueId: 'calm' });
    await eventually(early, (s) => s.offer?.agentId === 'ann');
    await h.env.sleep(TIMEOUT_MS - 1_000);
    expect(await early.executeUpdate(acceptUpdate, { args: [agent('ann')] })).toMatchObject({ state: 'Active', agentId: 'ann' });
    await h.env.sleep(2_000);
    expect(await snapshot(early)).toMatchObject({ state: 'Active', agentId: 'ann' });
    expect(await invariantViolations(h.store, [await snapshot(early)])).toEqual([]);
    await finish([early]);

    // ...just after, the expiry has won and the accept is refused, changing nothing...
    await h.changes.setPresence('ann', 'Available');
    const late = await startConversation(h, { queueId: 'calm' });
    await eventually(late, (s) => s.offer?.agentId === 'ann');
    await h.env.sleep(TIMEOUT_MS + OFFER_ACCEPT_GRACE_MS + 1_000);
    await eventually(late, (s) => s.offer === null);
    await expectRefusal(late.executeUpdate(acceptUpdate, { args: [agent('ann')] }), 'OFFER_EXPIRED');
    expect(await invariantViolations(h.store, [await snapshot(late)])).toEqual([]);
    await finish([late]);

    // ...and when both reach the workflow together, one of them wins.
    await h.changes.setPresence('ann', 'Available');
    const both = await startConversation(h, { queueId: 'calm' });
    await eventually(both, (s) => s.offer?.agentId === 'ann');
    await h.env.sleep(TIMEOUT_MS - 20);
    await both.signal(acceptSignal, agent('ann'));
    await h.env.sleep(40);
    // Time moves on while we wait (a retried store call waits on a timer the time-skipping server fires only then).
    let s = await snapshot(both);
    for (let i = 0; i < 40 && s.offer !== null; i += 1) {
      await h.env.sleep(500);
      s = await snapshot(both);
    }
    if (s.state === 'Active') {
      expect(s).toMatchObject({ agentId: 'ann', refusedSignals: [] });
    } else {
      expect(s).toMatchObject({ state: 'Open', capacityHeld: false, refusedSignals: [expect.objectContaining({ op: 'accept' })] });
    }
    expect(await invariantViolations(h.store, [s])).toEqual([]);
    await finish([both]);
  });

  it('lets exactly one of the offered agent’s accept and a supervisor’s assignment win, leaking no capacity', async () => {
    await h.changes.setPresence('ann', 'Available');
    const handle = await startConversation(h, { queueId: 'calm' });
    await eventually(handle, (s) => s.offer?.agentId === 'ann');
    const outcomes = await Promise.allSettled([
      handle.executeUpdate(acceptUpdate, { args: [agent('ann')] }),
      handle.executeUpdate(assignUpdate, { args: [{ agentId: 'ben', force: true, actor: { kind: 'supervisor', id: 'admin' } }] }),
    ]);
    const s = await snapshot(handle);
    expect(s.state).toBe('Active');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    // Whoever won holds exactly this conversation's units; the other holds nothing for it.
    const reservations = (await h.store.listReservations()).filter((r) => r.conversationId === id(handle));
    expect(reservations).toEqual([expect.objectContaining({ agentId: s.agentId, units: 10 })]);
    expect(await invariantViolations(h.store, [s])).toEqual([]);
    await finish([handle]);
  });

  it('settles an offer whose signal arrives after its countdown would have ended, leaking no capacity', async () => {
    const handle = await startConversation(h, { queueId: 'calm' });
    await until(async () => (await h.store.listQueueEntries('calm')).some((e) => e.conversationId === id(handle)));
    // A dispatch round matched ann (her room is reserved for the offer) and its signal was held up:
    // made on the store alone, so nothing delivers it before the test does.
    await h.store.setPresence('ann', 'Available');
    const [match] = await h.store.dispatch('calm', 10);
    expect(match).toMatchObject({ conversationId: id(handle), agentId: 'ann', offer: expect.objectContaining({ timeoutMs: TIMEOUT_MS }) });
    await h.env.sleep(TIMEOUT_MS + 60_000);
    expect((await snapshot(handle)).offer).toBeNull();

    const terms = match?.offer;
    if (!terms) throw new Error('expected an offer-mode match');
    await handle.signal(offerSignal, { agentId: 'ann', ...terms, actor: { kind: 'engine' } });
    await handle.executeUpdate(syncUpdate);
    // Whether it is expired on arrival or runs a countdown of its own, no offer outlives its timeout.
    let s = await snapshot(handle);
    for (let i = 0; i < 10 && s.offer !== null; i += 1) {
      await h.env.sleep(TIMEOUT_MS / 4);
      s = await snapshot(handle);
    }
    expect(s).toMatchObject({ state: 'Open', offer: null, capacityHeld: false });
    expect((await h.store.listReservations()).filter((r) => r.conversationId === id(handle))).toEqual([]);
    expect(await invariantViolations(h.store, [s])).toEqual([]);
    await finish([handle]);
  });
});

describe('offers: the countdown the agent sees is the deadline', () => {
  it('lets an accept received before the countdown ended win though it reaches the workflow after it, and refuses one received after', async () => {
    await h.changes.setPresence('ann', 'Available');
    const handle = await startConversation(h, { queueId: 'calm' });
    const offered = await eventually(handle, (s) => s.offer?.agentId === 'ann');
    const expiresAt = offered.offer?.expiresAt ?? '';
    // Past the countdown, inside the grace: the offer still stands.
    await h.env.sleep(TIMEOUT_MS + OFFER_ACCEPT_GRACE_MS / 2);
    expect((await snapshot(handle)).offer?.agentId).toBe('ann');
    const tooLate = new Date(Date.parse(expiresAt) + 1).toISOString();
    await expectRefusal(handle.executeUpdate(acceptUpdate, { args: [{ ...agent('ann'), sentAt: tooLate }] }), 'OFFER_EXPIRED');
    expect((await snapshot(handle)).offer?.agentId).toBe('ann');
    expect(await handle.executeUpdate(acceptUpdate, { args: [{ ...agent('ann'), sentAt: expiresAt }] })).toMatchObject({
      state: 'Active',
      agentId: 'ann',
    });
    const s = await snapshot(handle);
    expect(s.pastOffers).toEqual([{ agentId: 'ann', expiresAt, outcome: 'accepted' }]);
    expect(await invariantViolations(h.store, [s])).toEqual([]);
    await finish([handle]);
  });
});
