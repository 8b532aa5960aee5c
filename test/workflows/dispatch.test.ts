import { randomUUID } from 'node:crypto';
import type { BusinessHours, Weekday } from '../../src/domain/business-hours';
import { WEEKDAYS } from '../../src/domain/business-hours';
import { queueDispatcherWorkflowId } from '../../src/domain/ids';
import { conversationWorkflow } from '../../workflows';
import { closeTabUpdate, reviveUpdate, snapshotQuery } from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { awaitIdle, terminateOnTestServer } from '../helpers/temporal-env';
import { eventually, reservedUnits, startConversation, startHarness, stopHarness, until } from './conversation-fixture';

const REDELIVER_AFTER_MS = 300;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    redeliverAfterMs: REDELIVER_AFTER_MS,
    seed: {
      queues: [
        { id: 'sales', name: 'Sales' },
        { id: 'returns', name: 'Returns' },
      ],
      agents: [
        { id: 'dora', capacity: 20, presence: 'Offline', queues: ['sales'] },
        { id: 'eve', capacity: 20, presence: 'Offline', queues: ['sales'] },
        { id: 'fred', capacity: 50, presence: 'Offline', queues: ['returns'] },
      ],
    },
  });
});
afterAll(() => stopHarness(h));

describe('push distribution', () => {
  it('keeps a conversation Open while no agent of its queue is eligible, and assigns it when one becomes Available', async () => {
    const handle = await startConversation(h, { queueId: 'sales', units: 10 });
    await until(async () =>
      (await h.store.listQueueEntries('sales')).some((e) => `conversation-${e.conversationId}` === handle.workflowId),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await handle.query(snapshotQuery)).state).toBe('Open');

    await h.changes.setPresence('dora', 'Available');
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s.agentId).toBe('dora');
    expect(s.transitions.at(-1)).toMatchObject({ op: 'assign', actor: { kind: 'engine' } });
    expect((await reservedUnits(h.store)).dora).toBe(10);
  });

  it('never pushes past capacity, and assigns the next in line when room appears', async () => {
    // dora has 10 of 20 units used; a 10-unit and then a second 10-unit conversation arrive.
    const first = await startConversation(h, { queueId: 'sales', units: 10 });
    await eventually(first, (x) => x.state === 'Active');
    const second = await startConversation(h, { queueId: 'sales', units: 10 });
    await until(async () => (await h.store.listQueueEntries('sales')).length === 1);
    expect((await reservedUnits(h.store)).dora).toBe(20);
    expect((await second.query(snapshotQuery)).state).toBe('Open');

    await first.executeUpdate(closeTabUpdate, { args: [{}] });
    const s = await eventually(second, (x) => x.state === 'Active');
    expect(s.agentId).toBe('dora');
    expect((await reservedUnits(h.store)).dora).toBe(20);
  });

  it('offers the queue head in priority order, then arrival order', async () => {
    await h.changes.setPresence('dora', 'Offline');
    const late = await startConversation(h, { queueId: 'sales', units: 5, priority: 10 });
    const urgent = await startConversation(h, { queueId: 'sales', units: 5, priority: 1 });
    await until(async () => (await h.store.listQueueEntries('sales')).length === 2);
    expect((await h.store.listQueueEntries('sales')).map((e) => `conversation-${e.conversationId}`)).toEqual([
      urgent.workflowId,
      late.workflowId,
    ]);
    await h.changes.upsertAgent({ id: 'eve', capacity: 5, presence: 'Available' });
    await eventually(urgent, (x) => x.state === 'Active');
    expect((await late.query(snapshotQuery)).state).toBe('Open');
  });

  it('routes a revived conversation back to its last agent when that agent has room', async () => {
    await h.changes.upsertAgent({ id: 'eve', capacity: 100 });
    const handle = await startConversation(h, { queueId: 'sales', units: 5 });
    const { agentId: last } = await eventually(handle, (x) => x.state === 'Active');
    // Give the other agent far more free room: without the preference, it would win.
    await h.changes.upsertAgent({ id: last === 'eve' ? 'dora' : 'eve', capacity: 1000, presence: 'Available' });
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    await handle.executeUpdate(reviveUpdate, { args: [{}] });
    const again = await eventually(handle, (x) => x.state === 'Active' && x.transitions.length > 4);
    expect(again.agentId).toBe(last);
  });
});

describe('the dispatcher workflow', () => {
  it('takes pokes without cancelling its durable timer: a poke adds a signal and a round, no timer events', async () => {
    const dispatcher = h.env.client.workflow.getHandle(queueDispatcherWorkflowId('sales'));
    const events = async () => ((await dispatcher.fetchHistory()).events ?? []) as unknown as Record<string, unknown>[];
    const signals = (evs: Record<string, unknown>[]) => evs.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    // Served: `n` pokes in history, and a round (an activity) completed after the last of them.
    const served = async (n: number) => {
      const evs = await events();
      const lastPoke = evs.map((e) => Boolean(e.workflowExecutionSignaledEventAttributes)).lastIndexOf(true);
      return signals(evs) >= n && evs.slice(lastPoke).some((e) => e.activityTaskCompletedEventAttributes);
    };
    await h.changes.upsertQueue({ id: 'sales' }); // starts the dispatcher if nothing has poked it yet
    await until(() => served(1));
    const before = signals(await events());
    for (let i = 0; i < 3; i++) await h.changes.upsertQueue({ id: 'sales' });
    await until(() => served(before + 3));
    expect((await events()).filter((e) => e.timerCanceledEventAttributes)).toEqual([]);
  });
});

describe('entering a queue where an agent has room', () => {
  it('is Active after one store write: one activity in its history, the rules answered by the worker, the same times in the store', async () => {
    await h.changes.upsertQueue({ id: 'instant', name: 'Instant' });
    await h.store.upsertAgent({ id: 'gina', capacity: 20, presence: 'Available', queues: ['instant'] });
    const conversationId = randomUUID();
    // Started without rules of its own, as the API starts it: the worker's apply.
    const handle = await h.env.client.workflow.start(conversationWorkflow, {
      workflowId: `conversation-${conversationId}`,
      taskQueue: h.taskQueue,
      args: [{ start: { conversationId, queueId: 'instant', channel: 'chat', customer: { id: 'cust-9' }, units: 10 } }],
    });
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s.agentId).toBe('gina');
    expect(s.transitions.map((t) => [t.from, t.to, t.op])).toEqual([
      [null, 'Open', 'start'],
      ['Open', 'Active', 'assign'],
    ]);
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activities).toEqual(['enterQueue']);
    const stored = await h.store.getConversation(conversationId);
    expect(stored).toMatchObject({ state: 'Active', agentId: 'gina', stateEnteredAt: s.stateEnteredAt, version: s.version });
    expect((await reservedUnits(h.store)).gina).toBe(10);
    expect(await h.store.listQueueEntries('instant')).toEqual([]);
  });
});

describe('crash safety of routing', () => {
  it('delivers a match that a crashed dispatch round reserved but never signalled', async () => {
    const handle = await startConversation(h, { queueId: 'returns', units: 10 });
    await until(async () => (await h.store.listQueueEntries('returns')).length === 1);
    // What a round does before it signals, with the signal lost: the reservation exists, the conversation is still Open.
    await h.store.setPresence('fred', 'Available');
    const [match] = await h.store.dispatch('returns', 10);
    expect(match).toMatchObject({ agentId: 'fred' });
    expect((await handle.query(snapshotQuery)).state).toBe('Open');
    await new Promise((r) => setTimeout(r, REDELIVER_AFTER_MS));
    await h.changes.pokeAll();
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s.agentId).toBe('fred');
    expect((await h.store.listReservations('fred')).map((r) => r.units)).toEqual([10]);
  });

  it('releases a match whose conversation ended before it was delivered', async () => {
    await h.store.setPresence('fred', 'Offline');
    const handle = await startConversation(h, { queueId: 'returns', units: 10 });
    await until(async () => (await h.store.listQueueEntries('returns')).length === 1);
    // Terminated while busy, the run would strand the test server's time skipping (terminateOnTestServer);
    // idle before the match is made, so the match cannot be delivered before the termination.
    await awaitIdle(h.env, handle.workflowId);
    await h.store.setPresence('fred', 'Available');
    const [match] = await h.store.dispatch('returns', 10);
    expect(match?.conversationId).toBe(handle.workflowId.replace('conversation-', ''));
    await terminateOnTestServer(h.env, handle.workflowId, 'simulated loss of the conversation');
    await new Promise((r) => setTimeout(r, REDELIVER_AFTER_MS));
    await h.changes.pokeAll();
    await until(async () => !(await h.store.listReservations('fred')).some((r) => r.conversationId === match?.conversationId));
  });
});

describe('overflow', () => {
  it('moves a conversation that waited past its queue limit to the overflow queue, where it is assigned', async () => {
    await h.changes.upsertQueue({ id: 'vip', overflow: { afterMs: 5 * 60_000, toQueueId: 'sales' } });
    await h.changes.upsertAgent({ id: 'eve', capacity: 1000, presence: 'Available', queues: ['sales'] });
    const handle = await startConversation(h, { queueId: 'vip', units: 5 });
    await until(async () => (await h.store.listQueueEntries('vip')).length === 1);
    await h.env.sleep(4 * 60_000);
    expect((await handle.query(snapshotQuery)).state).toBe('Open');
    await h.env.sleep(2 * 60_000);
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s).toMatchObject({ queueId: 'sales', agentId: 'eve' });
    expect(s.transitions.map((t) => [t.op, t.queueId])).toEqual([
      ['start', 'vip'],
      ['reroute', 'sales'],
      ['assign', 'sales'],
    ]);
  });
});

/**
 * Business hours that open 30 minutes after `nowMs` (the test server's clock,
 * ahead of the store's real one after earlier sleeps) and run to 23:00, in a
 * fixed-offset zone where it is about noon, so the schedule never crosses
 * midnight whatever time the test runs.
 */
function opensInHalfAnHour(nowMs: number): BusinessHours {
  const now = new Date(nowMs);
  const offset = 12 - now.getUTCHours();
  const timeZone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const opening = new Date(now.getTime() + offset * 3_600_000 + 30 * 60_000);
  const weekday = WEEKDAYS[opening.getUTCDay()] as Weekday;
  const from = `${String(opening.getUTCHours()).padStart(2, '0')}:${String(opening.getUTCMinutes()).padStart(2, '0')}`;
  return { timeZone, weekly: { [weekday]: [{ from, to: '23:00' }] } };
}

describe('business hours', () => {
  it('keeps a conversation waiting while its queue is closed, telling why, and assigns it when a durable timer opens the queue', async () => {
    await h.changes.upsertQueue({ id: 'daytime', hours: opensInHalfAnHour(await h.env.currentTimeMs()) });
    await h.changes.upsertAgent({ id: 'gina', capacity: 20, presence: 'Available', queues: ['daytime'] });
    const handle = await startConversation(h, { queueId: 'daytime', units: 5 });
    await until(async () => (await h.store.listQueueEntries('daytime')).length === 1);
    // The store's answer (why it waits) reaches the workflow in the task after the write commits.
    const waiting = await eventually(handle, (x) => x.routing.waiting !== null);
    expect(waiting.state).toBe('Open');
    expect(waiting.routing.waiting).toMatch(/^queue daytime is closed until /);
    await h.env.sleep(20 * 60_000);
    expect((await handle.query(snapshotQuery)).state).toBe('Open');
    await h.env.sleep(20 * 60_000);
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s).toMatchObject({ queueId: 'daytime', agentId: 'gina' });
    // Forty skipped minutes fire a sweep timer per minute in each of four dispatchers: seconds with a
    // workflow cache, minutes without one (CONVOFLOW_TEST_WORKFLOW_CACHE=0: each sweep replays its dispatcher).
  }, 300_000);

  it('moves a conversation that starts outside hours to the out-of-hours queue, where it is assigned', async () => {
    await h.changes.upsertQueue({ id: 'night', hours: opensInHalfAnHour(await h.env.currentTimeMs()), outOfHoursQueueId: 'sales' });
    await h.changes.upsertAgent({ id: 'eve', capacity: 1000, presence: 'Available', queues: ['sales'] });
    const handle = await startConversation(h, { queueId: 'night', units: 5 });
    const s = await eventually(handle, (x) => x.state === 'Active');
    expect(s).toMatchObject({ queueId: 'sales', agentId: expect.stringMatching(/^(dora|eve)$/) });
    expect(s.transitions.map((t) => [t.op, t.queueId])).toEqual([
      ['start', 'night'],
      ['reroute', 'sales'],
      ['assign', 'sales'],
    ]);
    expect(s.transitions[1]?.reason).toBe('out of hours: queue night is closed, moved to sales');
  });
});
