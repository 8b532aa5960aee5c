import { webhookWorkflowId } from '../../src/domain/webhooks';
import type { WebhookHarness } from './harness';
import { deliveries, presenceEvents, register, startWebhookHarness, until } from './harness';
import { Receiver } from './receiver';

// The real dev server: a new worker takes over the task queue as after a crash.
// It suggests continue-as-new early, so long runs of deliveries cross runs.
let h: WebhookHarness;
let r: Receiver;
beforeAll(async () => {
  h = await startWebhookHarness({ devServer: true, suggestContinueAsNewAfter: 60 });
  r = await Receiver.start();
}, 60_000);
afterAll(async () => {
  await r?.down();
  await h?.stop();
});

describe('a worker restart in the middle of deliveries', () => {
  it('loses no event: a new worker on the same task queue resumes at the event being retried, in order', async () => {
    const { id } = await register(h, r.url());
    const before = await presenceEvents(h.store, 3);
    await r.until((x) => x.accepted.length >= 3);

    // An event is being retried (the receiver is down) when the worker stops.
    await r.down();
    const retried = await presenceEvents(h.store, 1);
    await until(async () => (await deliveries(h, id))[0]?.eventId === retried[0]);
    await h.stopWorker();

    // While no worker runs: more events commit, and the receiver comes back.
    const whileDown = await presenceEvents(h.store, 3);
    await r.up();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.accepted).toHaveLength(3);

    await h.startWorker();
    const expected = [...before, ...retried, ...whileDown];
    await r.until((x) => new Set(x.accepted.map((q) => q.event.id)).size >= expected.length, 60_000);
    const ids = r.accepted.map((q) => q.event.id);
    // At least once, in order: a receiver deduplicating by event id sees each event once, in commit order.
    expect([...new Set(ids)]).toEqual(expected);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    await until(async () => (await deliveries(h, id)).every((d) => d.status === 'delivered'));
    expect((await deliveries(h, id)).map((d) => d.eventId)).toEqual([...expected].reverse());
  }, 120_000);
});

describe('a long run of deliveries', () => {
  it('continues as new with its cursor: every event once, in order, across runs', async () => {
    const receiver = await Receiver.start();
    try {
      const { id } = await register(h, receiver.url());
      const handle = h.env.client.workflow.getHandle(webhookWorkflowId(id));
      const firstRun = (await handle.describe()).runId;
      const sent = await presenceEvents(h.store, 30);
      await receiver.until((x) => x.accepted.length >= sent.length, 60_000);
      expect(receiver.accepted.map((q) => q.event.id)).toEqual(sent);
      const now = await handle.describe();
      expect(now.runId).not.toBe(firstRun);
      expect(now.status.name).toBe('RUNNING');
      expect(now.historyLength).toBeLessThan(200);
    } finally {
      await receiver.down();
    }
  }, 120_000);
});
