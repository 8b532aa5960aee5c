import { webhookWorkflowId } from '../../src/domain/webhooks';
import { newWebhookSecret } from '../../src/webhooks/secret-box';
import { verifyWebhookSignature } from '../../src/webhooks/signature';
import { ADMIN_TOKEN, call, expectError } from '../api/helpers';
import type { WebhookHarness } from './harness';
import {
  deliveries,
  FAST_RETRIES,
  otherEvents,
  presenceEvents,
  register,
  settledDeliveries,
  startWebhookHarness,
  until,
  workflowStatus,
} from './harness';
import { Receiver } from './receiver';

// On the real dev server: retries, timers and wake-ups run in real time.
let h: WebhookHarness;
const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r = await Receiver.start();
  receivers.push(r);
  return r;
}

beforeAll(async () => {
  h = await startWebhookHarness({ devServer: true });
}, 60_000);
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.down()));
  await h?.stop();
});

describe('webhook delivery', () => {
  it('POSTs the subscribed events committed after registration, in order, signed with the secret shown at registration, and no others', async () => {
    const r = await receiver();
    await presenceEvents(h.store, 2);
    const { id, secret, startAfterEventId } = await register(h, r.url(), ['agent.presence']);
    await otherEvents(h.store);
    const first = await presenceEvents(h.store, 3);
    await otherEvents(h.store);
    const last = await presenceEvents(h.store, 2);
    const expected = [...first, ...last];
    await r.until((x) => x.accepted.length >= expected.length);

    // Exactly the subscribed events after registration, in commit order, each once.
    expect(r.requests.map((q) => q.event.id)).toEqual(expected);
    expect(expected.every((eventId) => eventId > startAfterEventId)).toBe(true);
    const stored = (await h.store.listEvents(startAfterEventId, 1000)).filter((e) => e.type === 'agent.presence');
    for (const [i, q] of r.requests.entries()) {
      // The body is the stored event, the very object the event stream sends.
      expect(q.event).toEqual(stored[i]);
      expect(q.headers).toMatchObject({
        'content-type': 'application/json',
        'convoflow-event-id': String(q.event.id),
        'convoflow-event-type': 'agent.presence',
      });
      const signature = q.headers['convoflow-signature'] as string;
      expect(signature).toMatch(new RegExp(`^t=${String(q.headers['convoflow-timestamp'])},v1=[0-9a-f]{64}$`));
      expect(verifyWebhookSignature(secret, signature, q.body)).toBe(true);
      expect(verifyWebhookSignature(newWebhookSecret(), signature, q.body)).toBe(false);
    }
    const shown = await settledDeliveries(h, id, expected.length);
    expect(shown.map((d) => [d.eventId, d.status, d.attempts, d.lastHttpStatus])).toEqual(
      [...expected].reverse().map((eventId) => [eventId, 'delivered', 1, 200]),
    );
    const endpoint = (await call(h.app, 'get', `/api/webhooks/${id}`, ADMIN_TOKEN)).body.webhook;
    expect(endpoint).toMatchObject({ status: 'active', cursor: expected[expected.length - 1] });
  });

  it('gets every event, in order, once a receiver that refused connections and then answered 500 is back', async () => {
    const r = await receiver();
    const { id } = await register(h, r.url());
    await r.down();
    const sent = await presenceEvents(h.store, 3);
    // Refused connections: the first event is retried with backoff, the others wait their turn.
    await until(async () => Number((await deliveries(h, id))[0]?.attempts ?? 0) >= 2);
    const refused = await deliveries(h, id);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ eventId: sent[0], status: 'pending', lastHttpStatus: null, completedAt: null });
    expect(refused[0]?.lastError).toMatch(/ECONNREFUSED/);

    // Up, but answering 500 for a while.
    r.answer = 500;
    await r.up();
    await r.until((x) => x.requests.length >= 2);
    expect((await deliveries(h, id))[0]).toMatchObject({ eventId: sent[0], status: 'pending', lastHttpStatus: 500, lastError: null });
    expect(new Set(r.requests.map((q) => q.event.id))).toEqual(new Set([sent[0]]));

    // Healthy again: everything arrives, in order.
    r.answer = 200;
    await r.until((x) => x.accepted.length >= sent.length);
    expect(r.accepted.map((q) => q.event.id)).toEqual(sent);
    const shown = await settledDeliveries(h, id, sent.length);
    expect(shown.map((d) => [d.eventId, d.status])).toEqual([...sent].reverse().map((e) => [e, 'delivered']));
    expect(Number(shown[2]?.attempts)).toBeGreaterThanOrEqual(4);
    expect(shown[2]).toMatchObject({ lastHttpStatus: 200, lastError: null });
    expect(shown[0]).toMatchObject({ attempts: 1, lastHttpStatus: 200 });
  });

  it('lists deliveries by status, newest first, at most `limit`', async () => {
    const r = await receiver();
    const { id } = await register(h, r.url());
    const sent = await presenceEvents(h.store, 3);
    await r.until((x) => x.accepted.length >= 3);
    await settledDeliveries(h, id, 3);
    expect((await deliveries(h, id, '?limit=2')).map((d) => d.eventId)).toEqual([sent[2], sent[1]]);
    expect(await deliveries(h, id, '?status=failed')).toEqual([]);
    expect((await deliveries(h, id, '?status=delivered')).length).toBe(3);
    expectError(await call(h.app, 'get', `/api/webhooks/${id}/deliveries?status=lost`, ADMIN_TOKEN), 400, 'INVALID_INPUT');
    expectError(await call(h.app, 'get', `/api/webhooks/${id}/deliveries?limit=0`, ADMIN_TOKEN), 400, 'INVALID_INPUT');
  });

  it('ends its workflow on DELETE, even with an attempt under way, and sends nothing afterwards', async () => {
    const r = await receiver();
    r.answer = 503;
    const { id } = await register(h, r.url());
    await presenceEvents(h.store, 1);
    await r.until((x) => x.requests.length >= 1);
    expect(await workflowStatus(h, id)).toBe('RUNNING');

    const res = await call(h.app, 'delete', `/api/webhooks/${id}`, ADMIN_TOKEN);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id, deleted: true });
    await until(async () => (await workflowStatus(h, id)) === 'COMPLETED', 10_000);

    r.answer = 200;
    const before = r.requests.length;
    await presenceEvents(h.store, 2);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(r.requests.length).toBe(before);
    expectError(await call(h.app, 'get', `/api/webhooks/${id}`, ADMIN_TOKEN), 404, 'NOT_FOUND');
    expectError(await call(h.app, 'get', `/api/webhooks/${id}/deliveries`, ADMIN_TOKEN), 404, 'NOT_FOUND');
    expectError(await call(h.app, 'delete', `/api/webhooks/${id}`, ADMIN_TOKEN), 404, 'NOT_FOUND');
  });

  it('marks an event failed after its retry window and moves on to the next', async () => {
    await h.stopWorker();
    await h.startWorker({ requestTimeoutMs: 1_000, initialIntervalMs: 100, maximumIntervalMs: 200, retryWindowMs: 2_000 });
    const r = await receiver();
    r.answer = 500;
    const { id } = await register(h, r.url());
    const [doomed, next] = await presenceEvents(h.store, 2);
    r.answer = (event) => (event.id === doomed ? 500 : 200);
    await r.until((x) => x.accepted.length >= 1, 20_000);
    expect(r.accepted.map((q) => q.event.id)).toEqual([next]);
    const shown = await settledDeliveries(h, id, 2);
    expect(shown.map((d) => [d.eventId, d.status])).toEqual([
      [next, 'delivered'],
      [doomed, 'failed'],
    ]);
    expect(shown[1]).toMatchObject({ lastHttpStatus: 500, completedAt: expect.any(String) });
    expect(Number(shown[1]?.attempts)).toBeGreaterThanOrEqual(2);
    // The next delivery cleared the failing status; the failed one stays in the list.
    expect((await call(h.app, 'get', `/api/webhooks/${id}`, ADMIN_TOKEN)).body.webhook).toMatchObject({ status: 'active', cursor: next });
  });

  it('still delivers when no wake-up comes: the workflow looks on its own timer', async () => {
    await h.stopWorker();
    await h.startWorker({ ...FAST_RETRIES, wakeEveryMs: 1_000 }, { notifier: false });
    const r = await receiver();
    const { id } = await register(h, r.url());
    // The workflow has read its options and its first (empty) batch and waits on its timer (the
    // condition's timeout): what commits now reaches it only through that timer (by default a minute).
    const handle = h.env.client.workflow.getHandle(webhookWorkflowId(id));
    await until(async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const completedBefore = (i: number) => events.slice(0, i).filter((x) => x.activityTaskCompletedEventAttributes).length;
      return events.some((e, i) => e.timerStartedEventAttributes && completedBefore(i) >= 2);
    });
    const sent = await presenceEvents(h.store, 2);
    await r.until((x) => x.accepted.length >= 2, 30_000);
    expect(r.accepted.map((q) => q.event.id)).toEqual(sent);
  });
});
