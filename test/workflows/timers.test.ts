import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import { closeTabUpdate, endUpdate, messageSignal, pickUpdate, reviveUpdate } from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { eventually, expectRefusal, snapshot, until, startConversation, startHarness, stopHarness } from './conversation-fixture';

const MIN = 60_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

async function waitingWithAlice(config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG) {
  const handle = await startConversation(h, { config });
  await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
  await handle.executeUpdate(closeTabUpdate, { args: [{}] });
  return handle;
}

describe('waiting timeout', () => {
  it('closes a Waiting chat when 30 minutes pass without an exchange, and not before', async () => {
    const handle = await waitingWithAlice();
    await h.env.sleep(30 * MIN - 5_000);
    expect((await snapshot(handle)).state).toBe('Waiting');
    await h.env.sleep(10_000);
    const s = await eventually(handle, (x) => x.state === 'Closed');
    expect(s.closedReason).toMatch(/waiting timeout/);
    expect(s.transitions.at(-1)).toMatchObject({ from: 'Waiting', to: 'Closed', op: 'waitingTimeout', actor: { kind: 'timer' } });
  });

  it('restarts the timeout on every message between agent and customer', async () => {
    const handle = await waitingWithAlice();
    await h.env.sleep(20 * MIN);
    await handle.signal(messageSignal, { from: 'customer', messageId: 'm1', text: 'still there?' });
    await eventually(handle, (x) => x.messageCount === 1);
    await h.env.sleep(20 * MIN);
    expect((await snapshot(handle)).state).toBe('Waiting');
    await h.env.sleep(11 * MIN);
    await eventually(handle, (x) => x.state === 'Closed');
  });
});

describe('revive window', () => {
  it('refuses a revive once three minutes have passed in Waiting', async () => {
    const handle = await waitingWithAlice();
    await h.env.sleep(3 * MIN + 1_000);
    await expectRefusal(handle.executeUpdate(reviveUpdate, { args: [{}] }), 'REVIVE_WINDOW_EXPIRED');
    expect((await snapshot(handle)).state).toBe('Waiting');
  });
});

describe('stale auto-close', () => {
  it('flags an Open chat after 20 minutes and closes it after the 24-hour grace', async () => {
    const handle = await startConversation(h);
    await h.env.sleep(20 * MIN + 1_000);
    const flagged = await eventually(handle, (x) => x.staleFlaggedAt !== null);
    expect(flagged.state).toBe('Open');
    const description = await handle.describe();
    expect(description.searchAttributes.StaleFlagged).toEqual([true]);
    expect((await h.store.getConversation(flagged.conversationId))?.staleFlaggedAt).toBe(flagged.staleFlaggedAt);
    await h.env.sleep(24 * 60 * MIN - 60_000);
    expect((await snapshot(handle)).state).toBe('Open');
    await h.env.sleep(2 * MIN);
    const closed = await eventually(handle, (x) => x.state === 'Closed');
    expect(closed.closedReason).toMatch(/stale/);
    expect((await h.store.listQueueEntries('default')).some((e) => e.conversationId === closed.conversationId)).toBe(false);
  });

  it('cancels the pending close when the state changes after the flag', async () => {
    const handle = await startConversation(h);
    await h.env.sleep(20 * MIN + 1_000);
    await eventually(handle, (x) => x.staleFlaggedAt !== null);
    await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
    expect((await snapshot(handle)).staleFlaggedAt).toBeNull();
    await h.env.sleep(25 * 60 * MIN);
    expect((await snapshot(handle)).state).toBe('Active');
  });

  it('closes at once after the flag when the grace is 0', async () => {
    const handle = await startConversation(h, { config: { ...DEFAULT_LIFECYCLE_CONFIG, staleGraceMs: 0 } });
    await h.env.sleep(20 * MIN + 1_000);
    const s = await eventually(handle, (x) => x.state === 'Closed');
    expect(s.transitions.at(-1)?.op).toBe('staleClose');
  });
});

describe('wrap-up capacity policy', () => {
  it('holds capacity for the configured period, then releases it while staying in Wrap-up', async () => {
    const config: LifecycleConfig = { ...DEFAULT_LIFECYCLE_CONFIG, wrapUp: { policy: 'holdFor', holdForMs: 2 * MIN } };
    const handle = await startConversation(h, { config });
    await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
    await handle.executeUpdate(endUpdate, { args: [{}] });
    const id = handle.workflowId.replace('conversation-', '');
    expect((await h.store.listReservations('alice')).some((r) => r.conversationId === id)).toBe(true);
    await h.env.sleep(2 * MIN + 1_000);
    const s = await eventually(handle, (x) => !x.capacityHeld);
    expect(s.state).toBe('WrapUp');
    await until(async () => !(await h.store.listReservations('alice')).some((r) => r.conversationId === id));
  });
});
