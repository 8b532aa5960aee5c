import type { Express } from 'express';
import { createApp } from '../../src/api/app';
import { EventHub } from '../../src/live/event-hub';
import type { ApiHarness } from '../api/helpers';
import { ADMIN_TOKEN, call, startApi, startChat, stopApi } from '../api/helpers';
import type { StreamedEvent } from './sse-client';
import { listen, SseClient } from './sse-client';

let h: ApiHarness;
let app: Express;
let base: string;
let closeServer: () => Promise<void>;
let hub: EventHub;
const open: SseClient[] = [];

beforeAll(async () => {
  h = await startApi();
  hub = new EventHub(h.store, { heartbeatMs: 150 });
  app = createApp({ ...h.deps, live: { hub, stream: { scopeRefreshMs: 200, retryMs: 500 } } });
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

async function stream(token: string | null, options: { query?: string; lastEventId?: number | string } = {}): Promise<SseClient> {
  const client = await SseClient.open(base, token, options);
  open.push(client);
  if (client.status === 200) await client.ready();
  return client;
}

async function latestId(): Promise<number> {
  return (await h.store.eventLogBounds()).latestId;
}

/** Waits until every stream has passed the newest event (heartbeats carry each stream's position). */
async function settled(...clients: SseClient[]): Promise<void> {
  const latest = await latestId();
  await Promise.all(clients.map((c) => c.waitFor((s) => s.lastId >= latest, `position ${latest}`)));
}

const token = (agent: string): string => h.agentTokens[agent] as string;
const about = (e: StreamedEvent): string => `${e.type}:${e.conversationId ?? e.agentId ?? e.queueId}`;

describe('GET /api/events', () => {
  it('answers an event stream with no caching, no proxy buffering, a retry hint, and heartbeats with the position', async () => {
    const client = await stream(ADMIN_TOKEN);
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.headers.get('cache-control')).toBe('no-store');
    expect(client.headers.get('x-accel-buffering')).toBe('no');
    expect(client.frames[0]).toMatchObject({ retry: 500 });
    const ready = client.frames.find((f) => f.event === 'ready');
    expect(JSON.parse(ready?.data ?? '{}')).toEqual({ latestId: await latestId(), resumed: false });
    await client.waitFor((c) => c.frames.filter((f) => f.comment === 'heartbeat').length >= 2, 'two heartbeats', 3_000);
    expect(client.frames.filter((f) => f.comment === 'heartbeat').every((f) => f.id !== null)).toBe(true);
  });

  it('refuses a missing or unknown token, a token in the URL, and unknown event types, before any stream starts', async () => {
    expect((await stream(null)).status).toBe(401);
    expect((await stream('agt_nope')).status).toBe(401);
    const inUrl = await stream(null, { query: `access_token=${ADMIN_TOKEN}` });
    expect(inUrl.status).toBe(401);
    const withBoth = await stream(ADMIN_TOKEN, { query: `token=${ADMIN_TOKEN}` });
    expect(withBoth.status).toBe(400);
    const badType = await stream(ADMIN_TOKEN, { query: 'types=conversation.state,conversation.secret' });
    expect(badType.status).toBe(400);
    expect(JSON.parse(badType.frames[0]?.data ?? '{}')).toMatchObject({
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^query\.types: must be event types separated by commas, of conversation\.state, /),
      },
    });
  });

  it('shows each caller only their scope: customers their conversation, agents their work and queues, message text only to the agent who has it', async () => {
    const admin = await stream(ADMIN_TOKEN);
    const alice = await stream(token('alice'));
    const bob = await stream(token('bob'));
    const carol = await stream(token('carol'));

    const a = await startChat(app, { customer: { name: 'Ann' } });
    const b = await startChat(app, { customer: { name: 'Ben' }, queueId: 'billing' });
    const customerA = await stream(a.customerToken);
    const customerB = await stream(b.customerToken);
    const adminA = await stream(ADMIN_TOKEN, { query: `conversation=${a.id}&types=conversation.state,conversation.message` });
    const adminStats = await stream(ADMIN_TOKEN, { query: 'types=queue.stats&queue=billing' });

    await call(app, 'post', `/api/conversations/${a.id}/pick`, token('alice')).expect(200);
    await call(app, 'post', `/api/conversations/${a.id}/messages`, a.customerToken, { text: 'secret of A' }).expect(201);
    await call(app, 'post', `/api/conversations/${b.id}/pick`, token('carol')).expect(200);
    await call(app, 'post', `/api/conversations/${b.id}/messages`, b.customerToken, { text: 'secret of B' }).expect(201);
    await call(app, 'post', `/api/conversations/${a.id}/transfer`, token('alice'), { toAgentId: 'bob' }).expect(200);
    await call(app, 'post', `/api/conversations/${a.id}/messages`, a.customerToken, { text: 'A after the transfer' }).expect(201);
    await settled(admin, alice, bob, carol, customerA, customerB, adminA, adminStats);

    // The customer: their conversation only, no unread counts, no agents' or queues' events.
    expect(customerA.events.every((e) => e.conversationId === a.id)).toBe(true);
    expect(new Set(customerA.events.map((e) => e.type))).toEqual(
      new Set(['conversation.state', 'conversation.assigned', 'conversation.transferred', 'conversation.message']),
    );
    expect(customerA.texts).toEqual(['secret of A', 'A after the transfer']);
    expect(customerB.texts).toEqual(['secret of B']);
    expect(customerB.events.some((e) => e.conversationId === a.id)).toBe(false);

    // Alice had A, then lost it: she sees the transfer, but not the text sent after it; B is not hers.
    expect(alice.texts).toEqual(['secret of A']);
    expect(alice.events.map(about)).toContain(`conversation.transferred:${a.id}`);
    expect(alice.events.find((e) => e.type === 'conversation.transferred')).toMatchObject({ previousAgentId: 'alice', agentId: 'bob' });
    // B entering and leaving billing's Open work (alice is a member), and nothing else of B.
    expect(alice.events.filter((e) => e.conversationId === b.id).map((e) => [e.type, e.data.from, e.data.to])).toEqual([
      ['conversation.state', null, 'Open'],
      ['conversation.state', 'Open', 'Active'],
    ]);
    expect(alice.events.filter((e) => e.type.startsWith('agent.')).every((e) => e.agentId === 'alice')).toBe(true);
    expect(alice.events.some((e) => e.type === 'agent.capacity')).toBe(true);

    // Bob: A's Open work (default), then A once it was his, with only the text sent since.
    expect(bob.texts).toEqual(['A after the transfer']);
    expect(bob.events.some((e) => e.conversationId === b.id)).toBe(false);
    expect(bob.events.filter((e) => e.type === 'queue.stats').every((e) => e.queueId === 'default')).toBe(true);

    // Carol (billing only) never sees A, and sees B's text.
    expect(carol.events.some((e) => e.conversationId === a.id)).toBe(false);
    expect(carol.texts).toEqual(['secret of B']);

    // The admin sees everything, and narrows by conversation, queue and type.
    expect(admin.texts).toEqual(['secret of A', 'secret of B', 'A after the transfer']);
    expect(adminA.events.length).toBeGreaterThan(0);
    expect(adminA.events.every((e) => e.conversationId === a.id && ['conversation.state', 'conversation.message'].includes(e.type))).toBe(
      true,
    );
    expect(adminStats.events.length).toBeGreaterThan(0);
    expect(adminStats.events.every((e) => e.type === 'queue.stats' && e.queueId === 'billing')).toBe(true);
    // Every stream carries events in id order, each once.
    for (const c of [admin, alice, bob, carol, customerA, customerB, adminA, adminStats]) {
      const ids = c.events.map((e) => e.id);
      expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
    }
  });

  it('follows an agent’s queue memberships while the stream is open', async () => {
    const bob = await stream(token('bob'));
    const before = await startChat(app, { queueId: 'billing' });
    await call(app, 'patch', '/api/agents/bob', ADMIN_TOKEN, { queues: ['default', 'billing'] }).expect(200);
    // The scope is re-read every 200 ms in this app: once it has been, a new billing chat is bob's Open work
    // (waited for as it happens, each chat settled, never a guess at how long the re-read takes).
    let after = await startChat(app, { queueId: 'billing' });
    await settled(bob);
    for (let tries = 1; tries < 100 && !bob.events.some((e) => e.conversationId === after.id); tries++) {
      after = await startChat(app, { queueId: 'billing' });
      await settled(bob);
    }
    expect(bob.events.some((e) => e.conversationId === before.id)).toBe(false);
    expect(bob.events.filter((e) => e.conversationId === after.id).map((e) => e.data.to)).toEqual(['Open']);
    await call(app, 'patch', '/api/agents/bob', ADMIN_TOKEN, { queues: ['default'] }).expect(200);
  });
});

describe('resuming', () => {
  it('delivers every event produced while disconnected after Last-Event-ID, in order, once, across backlog pages, then continues live', async () => {
    const first = await stream(ADMIN_TOKEN);
    const chat = await startChat(app);
    await first.reached(await latestId());
    const resumeFrom = first.lastId;
    await first.close();

    // While disconnected: a chat goes Active with messages, and a burst larger than one backlog page.
    await call(app, 'post', `/api/conversations/${chat.id}/pick`, token('alice')).expect(200);
    await call(app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'sent while you were away' }).expect(201);
    for (let i = 0; i < 1100; i++) await h.store.setPresence('carol', i % 2 === 0 ? 'Away' : 'Offline');
    const missed = (await h.store.listEvents(resumeFrom, 10_000)).map((e) => e.id);
    expect(missed.length).toBeGreaterThan(1100);

    const second = await stream(ADMIN_TOKEN, { lastEventId: resumeFrom });
    expect(JSON.parse(second.frames.find((f) => f.event === 'ready')?.data ?? '{}')).toMatchObject({ resumed: true });
    expect(second.events.map((e) => e.id)).toEqual(missed);
    expect(second.texts).toEqual(['sent while you were away']);

    await call(app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'and now live' }).expect(201);
    await second.waitFor((c) => c.texts.includes('and now live'), 'the live message');
    const ids = second.events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
    expect(ids.slice(0, missed.length)).toEqual(missed);
  });

  it('takes the resume point from ?lastEventId= too, and a customer resumes within their scope only', async () => {
    const chat = await startChat(app);
    const other = await startChat(app);
    const mark = await latestId();
    await call(app, 'post', `/api/conversations/${chat.id}/messages`, chat.customerToken, { text: 'mine' }).expect(201);
    await call(app, 'post', `/api/conversations/${other.id}/messages`, other.customerToken, { text: 'theirs' }).expect(201);
    const resumed = await stream(chat.customerToken, { query: `lastEventId=${mark}` });
    expect(resumed.texts).toEqual(['mine']);
    expect(resumed.events.every((e) => e.conversationId === chat.id)).toBe(true);
  });

  it('tells a client that fell behind the retention to reset, then continues live from the current end', async () => {
    await startChat(app);
    const old = await latestId();
    await startChat(app);
    expect(await h.store.pruneEvents(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    const { prunedThrough, latestId: latest } = await h.store.eventLogBounds();
    expect(prunedThrough).toBeGreaterThanOrEqual(old);

    const client = await stream(ADMIN_TOKEN, { lastEventId: old });
    const controls = client.frames.filter((f) => f.event !== null);
    expect(controls[0]?.event).toBe('reset');
    expect(JSON.parse(controls[0]?.data ?? '{}')).toEqual({ reason: 'pruned', latestId: latest });
    expect(controls[0]?.id).toBe(String(latest));
    expect(client.events).toEqual([]);

    const next = await startChat(app);
    await client.waitFor((c) => c.events.some((e) => e.conversationId === next.id), 'the live event after the reset');
    expect(client.events.every((e) => e.id > latest)).toBe(true);
  });

  it('tells a client whose id this log never wrote to reset', async () => {
    const client = await stream(ADMIN_TOKEN, { lastEventId: (await latestId()) + 1000 });
    const reset = client.frames.find((f) => f.event === 'reset');
    expect(JSON.parse(reset?.data ?? '{}')).toMatchObject({ reason: 'unknown-id' });
  });
});
