import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { WebhookNotifier } from '../../src/webhooks/notifier';
import { otherEvents, presenceEvents } from './harness';

let store: Store;
const wakes: { id: string; at: number }[] = [];

/** Stands in for the delivery workflows: each wake-up delivers at once everything past the endpoint's cursor. */
const workflows = {
  wake: async (endpoint: { id: string }) => {
    wakes.push({ id: endpoint.id, at: Date.now() });
    let cursor = (await store.getWebhookEndpoint(endpoint.id))?.cursor ?? 0;
    for (;;) {
      const batch = await store.nextWebhookEvents(endpoint.id, cursor, 1000);
      if (!batch) return;
      for (const e of batch.events) {
        await store.recordWebhookAttempt({
          endpointId: endpoint.id,
          eventId: e.id,
          eventType: e.type,
          status: 'delivered',
          attempted: true,
          httpStatus: 200,
          error: null,
        });
      }
      cursor = batch.through;
      if (batch.events.length === 0 && !batch.more) return;
    }
  },
};
/** Workflows that never get anywhere (a receiver that is down): their cursors stay. */
const stuck = {
  wake: async (endpoint: { id: string }) => {
    wakes.push({ id: endpoint.id, at: Date.now() });
  },
};

function endpoint(id: string, eventTypes: ('agent.presence' | 'queue.stats' | '*')[]) {
  return store.addWebhookEndpoint({ id, url: 'http://127.0.0.1:9/hooks', eventTypes, description: null, sealedSecret: 'sealed' });
}

async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

beforeEach(async () => {
  store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
  await store.upsertAgent({ id: 'a1', presence: 'Offline' });
  wakes.length = 0;
});
afterEach(() => store.close());

describe('the webhook notifier', () => {
  it('wakes every endpoint once at start, so what was committed while no worker ran is delivered', async () => {
    await endpoint('w1', ['agent.presence']);
    await endpoint('w2', ['queue.stats']);
    const notifier = new WebhookNotifier(store, workflows, { minIntervalMs: 100 });
    await notifier.start();
    await settle(50);
    notifier.stop();
    expect(wakes.map((w) => w.id).sort()).toEqual(['w1', 'w2']);
  });

  it('wakes only the endpoints subscribed to what was committed, coalescing a burst into a few wake-ups', async () => {
    await endpoint('presence', ['agent.presence']);
    await endpoint('queues', ['queue.stats']);
    await endpoint('everything', ['*']);
    const notifier = new WebhookNotifier(store, workflows, { minIntervalMs: 200 });
    await notifier.start();
    await settle(250);
    wakes.length = 0;
    const started = Date.now();
    await presenceEvents(store, 199);
    const beforeLast = Date.now();
    await presenceEvents(store, 1);
    const elapsed = Date.now() - started;
    await settle(500);
    notifier.stop();
    const of = (id: string) => wakes.filter((w) => w.id === id);
    expect(of('queues')).toEqual([]);
    // At most one per 200 ms per endpoint (plus the first and a trailing one), never one per event.
    const bound = Math.ceil(elapsed / 200) + 2;
    for (const id of ['presence', 'everything']) {
      expect(of(id).length).toBeGreaterThanOrEqual(1);
      expect(of(id).length).toBeLessThanOrEqual(bound);
      const times = of(id).map((w) => w.at);
      for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(190);
    }
    expect(bound).toBeLessThan(200);
    // The end of a burst is never left without a wake-up after it.
    expect(of('presence').at(-1)?.at).toBeGreaterThanOrEqual(beforeLast);
  });

  it('does not wake an endpoint for events committed before it was registered', async () => {
    const notifier = new WebhookNotifier(store, workflows, { minIntervalMs: 50 });
    await notifier.start();
    await presenceEvents(store, 3);
    await settle(200);
    expect(wakes).toEqual([]);
    await endpoint('late', ['agent.presence']);
    await otherEvents(store);
    await settle(200);
    expect(wakes).toEqual([]);
    await presenceEvents(store, 1);
    await settle(200);
    notifier.stop();
    expect(wakes.map((w) => w.id)).toEqual(['late']);
  });

  it('tries a failed wake-up again, and stops waking once stopped', async () => {
    await endpoint('w1', ['agent.presence']);
    let failures = 1;
    const flaky = {
      wake: async (e: { id: string }) => {
        wakes.push({ id: e.id, at: Date.now() });
        if (failures-- > 0) throw new Error('Temporal unreachable');
      },
    };
    const reported: string[] = [];
    const notifier = new WebhookNotifier(store, flaky, { minIntervalMs: 50, retryAfterMs: 100, report: (m) => reported.push(m) });
    await notifier.start();
    await settle(300);
    expect(wakes.map((w) => w.id)).toEqual(['w1', 'w1']);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('Temporal unreachable');
    notifier.stop();
    await presenceEvents(store, 2);
    await settle(200);
    expect(wakes).toHaveLength(2);
  });

  it('does not wake an endpoint again while it is still on the delivery it was woken for, but repeats after a while', async () => {
    await endpoint('down', ['agent.presence']);
    const notifier = new WebhookNotifier(store, stuck, { minIntervalMs: 50, repeatAfterMs: 600 });
    await notifier.start();
    await settle(100);
    wakes.length = 0;
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      await presenceEvents(store, 1);
      await settle(100);
    }
    // One wake-up for the first event; the cursor never moved, so the next ones only after repeatAfterMs.
    const times = wakes.map((w) => w.at - started);
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(590);
    // Once it moves on, the next event wakes it at once.
    const cursor = (await store.nextWebhookEvents('down', 0, 1000))?.events.at(-1)?.id ?? 0;
    await store.recordWebhookAttempt({
      endpointId: 'down',
      eventId: cursor,
      eventType: 'agent.presence',
      status: 'delivered',
      attempted: true,
      httpStatus: 200,
      error: null,
    });
    const before = wakes.length;
    await presenceEvents(store, 1);
    await settle(150);
    notifier.stop();
    expect(wakes.length).toBe(before + 1);
  });
});
