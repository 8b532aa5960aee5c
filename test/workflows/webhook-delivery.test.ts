import { temporal } from '@temporalio/proto';
import type { WebhookSender } from '../../src/webhooks/sender';
import { webhookWorkflowId } from '../../src/domain/webhooks';
import type { StoredEvent } from '../../src/domain/events';
import type { WebhookEndpoint } from '../../src/store/webhooks/webhook-registry';
import type { WebhookDeliveryOptions } from '../../src/config/webhooks';
import { newWebhookSecret, sealWebhookSecret } from '../../src/webhooks/secret-box';
import { temporalWebhookWorkflows } from '../../src/temporal/webhook-workflows';
import type { Harness } from './conversation-fixture';
import { startHarness, stopHarness, until } from './conversation-fixture';

// The delivery workflow on the time-skipping server, with a sender standing in for HTTP: the
// receiver's answers are the test's to choose, and the retry window passes in skipped time.

const { EventType } = temporal.api.enums.v1;
const SERVER_SECRET = 'webhook-delivery-test-secret';
const DELIVERY: Partial<WebhookDeliveryOptions> = {
  requestTimeoutMs: 2_000,
  initialIntervalMs: 100,
  maximumIntervalMs: 400,
  retryWindowMs: 60_000,
  wakeEveryMs: 60_000,
};

/** What the receiver got: event ids in arrival order, with the status it answered. */
const received: { endpoint: string; eventId: number; status: number }[] = [];
/** How the receiver of an endpoint answers an event (absent: 200). */
const answers = new Map<string, (event: StoredEvent, attempt: number) => number>();

const send: WebhookSender = async (request) => {
  const event = JSON.parse(request.body) as StoredEvent;
  const endpoint = new URL(request.url).pathname.slice(1);
  const attempt = received.filter((r) => r.endpoint === endpoint && r.eventId === event.id).length + 1;
  const status = answers.get(endpoint)?.(event, attempt) ?? 200;
  received.push({ endpoint, eventId: event.id, status });
  return { status };
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhooks: { serverSecret: SERVER_SECRET, delivery: DELIVERY, send } });
});
afterAll(() => stopHarness(h));
// Each test's endpoint is deleted after it, so its workflow ends and later tests' events go to theirs alone.
const endpoints: string[] = [];
afterEach(async () => {
  for (const id of endpoints.splice(0)) {
    if (!(await h.store.deleteWebhookEndpoint(id))) continue;
    await temporalWebhookWorkflows(h.env.client, h.taskQueue).stop(id);
    await h.env.client.workflow.getHandle(webhookWorkflowId(id)).result();
  }
});

/** Registers an endpoint subscribed to presence changes, as the API does (without starting its workflow). */
async function endpoint(id: string): Promise<WebhookEndpoint> {
  endpoints.push(id);
  return h.store.addWebhookEndpoint({
    id,
    url: `http://127.0.0.1:9/${id}`,
    eventTypes: ['agent.presence'],
    description: null,
    sealedSecret: sealWebhookSecret(SERVER_SECRET, id, newWebhookSecret()),
  });
}

/** `count` presence changes of alice (one agent.presence event each); answers their event ids. */
async function presenceChanges(count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let n = 0; n < count; n++) {
    const now = (await h.store.getAgent('alice'))?.presence;
    await h.store.setPresence('alice', now === 'Away' ? 'Offline' : 'Away');
    ids.push((await h.store.eventLogBounds()).latestId);
  }
  expect(new Set(ids).size).toBe(count);
  return ids;
}

const wake = (e: WebhookEndpoint) => temporalWebhookWorkflows(h.env.client, h.taskQueue).wake(e);
const delivered = (id: string) => received.filter((r) => r.endpoint === id && r.status === 200).map((r) => r.eventId);

describe('webhook delivery workflow', () => {
  it('delivers the subscribed events committed after registration, in commit order, and moves the cursor', async () => {
    const e = await endpoint('hook-order');
    await wake(e);
    const sent = await presenceChanges(3);
    await wake(e);
    await until(async () => delivered(e.id).length === sent.length);
    expect(delivered(e.id)).toEqual(sent);
    await until(async () => (await h.store.getWebhookEndpoint(e.id))?.cursor === sent.at(-1));
    const deliveries = await h.store.listWebhookDeliveries(e.id, { limit: 10 });
    expect(deliveries.map((d) => [d.eventId, d.status])).toEqual([...sent].reverse().map((id) => [id, 'delivered']));
  });

  it('retries an event the receiver refuses, and delivers it with the ones behind it once it is taken', async () => {
    const e = await endpoint('hook-retry');
    answers.set(e.id, (_event, attempt) => (attempt <= 2 ? 500 : 200));
    const sent = await presenceChanges(2);
    await wake(e);
    await until(async () => delivered(e.id).length === sent.length);
    expect(delivered(e.id)).toEqual(sent);
    expect(received.filter((r) => r.endpoint === e.id).map((r) => r.status)).toEqual([500, 500, 200, 500, 500, 200]);
  });

  it('gives an event up once its retry window has passed, and delivers the next one', async () => {
    const e = await endpoint('hook-give-up');
    const [doomed, next] = await presenceChanges(2);
    answers.set(e.id, (event) => (event.id === doomed ? 503 : 200));
    await wake(e);
    await until(async () => received.some((r) => r.endpoint === e.id && r.eventId === doomed));
    // The window is a schedule-to-close timeout on the delivery activity: it passes in skipped time.
    for (let i = 0; i < 10 && !delivered(e.id).includes(next as number); i++) await h.env.sleep(10_000);
    expect(delivered(e.id)).toEqual([next]);
    const deliveries = await h.store.listWebhookDeliveries(e.id, { limit: 10 });
    expect(deliveries.find((d) => d.eventId === doomed)).toMatchObject({ status: 'failed' });
  });

  it('finds events whose wake-up was lost by its durable timer', async () => {
    const e = await endpoint('hook-timer');
    await wake(e);
    // Idle: it has looked, found nothing, and waits on its timer (the last command of its last task).
    const handle = h.env.client.workflow.getHandle(webhookWorkflowId(e.id));
    await until(async () => (await handle.fetchHistory()).events?.at(-1)?.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
    // Committed without a wake-up (the notifier's signal lost): the periodic look finds them.
    const sent = await presenceChanges(2);
    for (let i = 0; i < 5 && delivered(e.id).length < sent.length; i++) await h.env.sleep(30_000);
    await until(async () => delivered(e.id).length === sent.length);
    expect(delivered(e.id)).toEqual(sent);
  });

  it('ends, cancelling the attempt in flight, when its endpoint is deleted', async () => {
    const e = await endpoint('hook-deleted');
    answers.set(e.id, () => 500);
    await presenceChanges(1);
    await wake(e);
    await until(async () => received.some((r) => r.endpoint === e.id));
    expect(await h.store.deleteWebhookEndpoint(e.id)).toBe(true);
    expect(await temporalWebhookWorkflows(h.env.client, h.taskQueue).stop(e.id)).toBe(true);
    await h.env.client.workflow.getHandle(webhookWorkflowId(e.id)).result();
    expect(await h.store.listWebhookDeliveries(e.id, { limit: 10 })).toEqual([]);
  });
});
