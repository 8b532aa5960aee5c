import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import type { Weekday } from '../../src/domain/business-hours';
import { WEEKDAYS } from '../../src/domain/business-hours';
import { EventHub } from '../../src/live/event-hub';
import type { ApiHarness } from '../api/helpers';
import { ADMIN_TOKEN, call, startApi, startChat, stopApi } from '../api/helpers';
import type { PositionFrame } from './sse-client';
import { listen, SseClient } from './sse-client';

// Its own app and store: positions count every conversation waiting in the queue, so no other test's chats may wait here.
let h: ApiHarness;
let app: Express;
let base: string;
let closeServer: () => Promise<void>;
let hub: EventHub;
const open: SseClient[] = [];

beforeAll(async () => {
  h = await startApi();
  hub = new EventHub(h.store, { heartbeatMs: 150 });
  app = createApp({ ...h.deps, live: { hub, stream: { retryMs: 500 } } });
  ({ url: base, close: closeServer } = await listen(app));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  hub?.close();
  await closeServer?.();
  await stopApi(h);
});

async function stream(token: string, options: { lastEventId?: number } = {}): Promise<SseClient> {
  const client = await SseClient.open(base, token, options);
  open.push(client);
  await client.ready();
  return client;
}

const token = (agent: string): string => h.agentTokens[agent] as string;
const latest = (c: SseClient): PositionFrame | undefined => c.positions[c.positions.length - 1];
const reading = async (id: string, bearer: string) => (await call(app, 'get', `/api/conversations/${id}`, bearer).expect(200)).body;

describe('the customer’s queue position', () => {
  it('streams the third customer’s position as those ahead leave, once per change, and the conversation read answers the same', async () => {
    const first = await startChat(app, { customer: { name: 'Ann' } });
    const second = await startChat(app, { customer: { name: 'Ben' } });
    const third = await startChat(app, { customer: { name: 'Cy' } });
    const firstStream = await stream(first.customerToken);
    const thirdStream = await stream(third.customerToken);

    // Right after connecting (after `ready`): where it stands now.
    await thirdStream.waitFor((c) => c.positions.length >= 1, 'the first position');
    const frames = thirdStream.frames.filter((f) => f.event !== null);
    expect(frames.map((f) => f.event).slice(0, 2)).toEqual(['ready', 'conversation.position']);
    expect(frames[1]?.id).toBeNull();
    expect(latest(thirdStream)).toEqual({
      conversationId: third.id,
      queueId: 'default',
      position: 3,
      waiting: 3,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
    expect((await reading(third.id, third.customerToken)).queue).toEqual({
      position: 3,
      waiting: 3,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
    expect(latest(firstStream)).toMatchObject({ position: 1, waiting: 3 });

    // The first is picked: the third moves up; the first is told it waits no more, once.
    await call(app, 'post', `/api/conversations/${first.id}/pick`, token('alice')).expect(200);
    await thirdStream.waitFor((c) => latest(c)?.position === 2, 'position 2');
    expect(latest(thirdStream)).toEqual({
      conversationId: third.id,
      queueId: 'default',
      position: 2,
      waiting: 2,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
    const reread = await reading(third.id, third.customerToken);
    expect(reread).toMatchObject({ source: 'store', conversation: { state: 'Open' }, queue: { position: 2, waiting: 2 } });
    await firstStream.waitFor((c) => latest(c)?.position === null, 'no position');
    expect(latest(firstStream)).toEqual({
      conversationId: first.id,
      queueId: null,
      position: null,
      waiting: null,
      estimatedWaitMs: null,
      closed: null,
      opensAt: null,
    });
    expect((await reading(first.id, first.customerToken)).queue).toBeNull();

    // The second gives up (closes while Open): the third is next.
    await call(app, 'post', `/api/conversations/${second.id}/end`, second.customerToken, {}).expect(200);
    await thirdStream.waitFor((c) => latest(c)?.position === 1, 'position 1');
    expect((await reading(third.id, third.customerToken)).queue).toEqual({
      position: 1,
      waiting: 1,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
    // The admin and the agents read the same standing.
    expect((await reading(third.id, ADMIN_TOKEN)).queue).toEqual({
      position: 1,
      waiting: 1,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });

    // Messages and other queues' changes do not repeat a position that did not change.
    await call(app, 'post', `/api/conversations/${first.id}/messages`, first.customerToken, { text: 'hello' }).expect(201);
    await startChat(app, { queueId: 'billing' });
    await call(app, 'post', `/api/conversations/${third.id}/pick`, token('bob')).expect(200);
    await thirdStream.waitFor((c) => latest(c)?.position === null, 'no position for the third');
    await firstStream.waitFor((c) => c.texts.includes('hello'), 'the message');
    expect(thirdStream.positions.map((p) => p.position)).toEqual([3, 2, 1, null]);
    expect(firstStream.positions.filter((p) => p.position === null)).toHaveLength(1);
    const pairs = thirdStream.positions.map((p) => JSON.stringify(p));
    expect(new Set(pairs).size).toBe(pairs.length);

    // Nothing in a customer's stream names another conversation: not a position frame, not an event.
    for (const [client, own] of [
      [thirdStream, third.id],
      [firstStream, first.id],
    ] as const) {
      const others = [first.id, second.id, third.id].filter((id) => id !== own);
      const text = client.frames.map((f) => f.data ?? '').join('\n');
      for (const other of others) expect(text.includes(other)).toBe(false);
      expect(client.positions.every((p) => p.conversationId === own)).toBe(true);
    }
  });

  it('tells a customer who resumes with Last-Event-ID where they stand, without moving the resume point', async () => {
    const before = await startChat(app);
    const mine = await startChat(app);
    const first = await stream(mine.customerToken);
    await first.waitFor((c) => c.positions.length >= 1, 'a position');
    const resumeFrom = first.lastId;
    await first.close();
    await call(app, 'post', `/api/conversations/${before.id}/end`, before.customerToken, {}).expect(200);
    const resumed = await stream(mine.customerToken, { lastEventId: resumeFrom });
    await resumed.waitFor((c) => c.positions.length >= 1, 'the position after resuming');
    expect(latest(resumed)).toMatchObject({ conversationId: mine.id, position: 1, waiting: 1 });
    // Position frames carry no id: the stream's ids are the events' and the control frames' only.
    expect(resumed.frames.filter((f) => f.event === 'conversation.position').every((f) => f.id === null)).toBe(true);
    await call(app, 'post', `/api/conversations/${mine.id}/end`, mine.customerToken, {}).expect(200);
  });

  it('tells a customer waiting in a closed queue when it opens, and again when it does', async () => {
    // Open one hour a week, three days from today (UTC): closed now, whatever the day.
    const day = WEEKDAYS[(new Date().getUTCDay() + 3) % 7] as Weekday;
    const hours = { timeZone: 'UTC', weekly: { [day]: [{ from: '10:00', to: '11:00' }] } };
    await call(app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'after-hours', hours }).expect(201);
    const chat = await startChat(app, { queueId: 'after-hours' });
    const customer = await stream(chat.customerToken);
    await customer.waitFor((c) => latest(c)?.closed === true, 'a closed position');
    const opensAt = latest(customer)?.opensAt as string;
    expect(opensAt.slice(11)).toBe('10:00:00.000Z');
    expect(new Date(opensAt).getUTCDay()).toBe(WEEKDAYS.indexOf(day));
    expect(latest(customer)).toMatchObject({ position: 1, waiting: 1, closed: true });
    expect((await reading(chat.id, chat.customerToken)).queue).toMatchObject({ position: 1, closed: true, opensAt });

    // Its dispatcher's timer (here the store call it makes) opens it: the customer is told at once.
    await h.store.applyQueueHours('after-hours', opensAt);
    await customer.waitFor((c) => latest(c)?.closed === false, 'an open position');
    expect(latest(customer)).toMatchObject({ position: 1, closed: false, opensAt: null });
    await call(app, 'post', `/api/conversations/${chat.id}/end`, chat.customerToken, {}).expect(200);
  });

  it('sends no position frames to agents or the admin', async () => {
    const admin = await stream(ADMIN_TOKEN);
    const agent = await stream(token('alice'));
    const chat = await startChat(app);
    await call(app, 'post', `/api/conversations/${chat.id}/end`, chat.customerToken, {}).expect(200);
    const closed = (c: SseClient): boolean => c.events.some((e) => e.conversationId === chat.id && e.data.to === 'Closed');
    await admin.waitFor(closed, 'the close');
    await agent.waitFor(closed, 'the close');
    expect(admin.positions).toEqual([]);
    expect(agent.positions).toEqual([]);
  });
});
