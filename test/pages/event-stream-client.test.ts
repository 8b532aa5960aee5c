import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import type { StoredEvent } from '../../src/domain/events';
import { EventHub } from '../../src/live/event-hub';
import type { StreamStatus } from '../../src/pages/lib/event-stream';
import { followEvents } from '../../src/pages/lib/event-stream';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { customerToken } from '../../src/auth/tokens';
import { ConversationState } from '../../src/domain/states';
import { ADMIN_TOKEN, apiDeps, SECRET } from '../api/helpers';
import { view } from '../store/store-fixtures';
import { listen } from '../live/sse-client';

// The pages' stream client (src/pages/lib/event-stream.ts) against the real stream: Node has the
// same fetch and streams as the browser; only the page-relative URL needs the server's origin.
let store: Store;
let hub: EventHub;
let server: Awaited<ReturnType<typeof listen>>;
const realFetch = globalThis.fetch;
const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });

beforeAll(async () => {
  store = await createStore({ sqliteFile: ':memory:' });
  await store.upsertAgent({ id: 'dana', presence: 'Offline' });
  hub = new EventHub(store, { heartbeatMs: 100 });
  server = await listen(createApp({ ...apiDeps(store, temporal, 'unused'), live: { hub, stream: { retryMs: 100 } } }));
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) =>
    realFetch(new URL(String(input), server.url), init)) as typeof fetch;
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  hub.close();
  await server.close();
  await store.close();
  await temporal.connection.close().catch(() => undefined);
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `times` presence changes of dana, each one event. */
async function flipPresence(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const now = (await store.getAgent('dana'))?.presence;
    await store.setPresence('dana', now === 'Away' ? 'Offline' : 'Away');
  }
}

it('loads once, applies every event once and in order across dropped connections, and reloads after a reset', async () => {
  const start = (await store.eventLogBounds()).latestId;
  const applied: number[] = [];
  const statuses: StreamStatus[] = [];
  let loads = 0;
  const stream = followEvents(ADMIN_TOKEN, {
    load: async () => {
      loads += 1;
    },
    apply: (event: StoredEvent) => applied.push(event.id),
    status: (status) => statuses.push(status),
  });
  try {
    await until(() => loads === 1 && statuses.includes('live'), 'the first load');
    await flipPresence(3);
    await until(() => applied.length === 3, 'three live events');

    // The server drops the connection; events committed meanwhile arrive after the reconnect, once, without a reload.
    server.drop();
    await flipPresence(5);
    const expected = (await store.listEvents(start, 1000)).map((e) => e.id);
    await until(() => applied.length >= expected.length, 'the events missed while disconnected');
    expect(applied).toEqual(expected);
    expect(statuses).toContain('reconnecting');
    expect(loads).toBe(1);

    // Retention pruned past the client's position while it was away: it is told to reset and reloads.
    server.drop();
    expect(await store.pruneEvents(new Date(Date.now() + 60_000))).toBeGreaterThan(0);
    await until(() => loads >= 2, 'the reload after the reset');
    await new Promise((r) => setTimeout(r, 300));
    expect(loads).toBe(2);
    const before = applied.length;
    await store.setPresence('dana', 'Available');
    await until(() => applied.length === before + 1, 'a live event after the reset');
  } finally {
    stream.close();
  }
});

it('hands a customer’s position frames to `position`, after a load in progress and in order with the events, never to `apply`', async () => {
  const queued = (id: string, version: number, enqueue: boolean) =>
    store.applyConversation({
      view: view(id, enqueue ? { version } : { version, state: ConversationState.Closed, closedAt: '2025-01-01T01:00:00.000Z' }),
      release: false,
      enqueue: enqueue
        ? { conversationId: id, queueId: 'default', priority: 10, units: 10, enqueuedAt: new Date().toISOString(), preferredAgentId: null }
        : null,
      dequeue: !enqueue,
    });
  await queued('ahead', 1, true);
  await queued('mine', 1, true);
  const seen: string[] = [];
  let release: () => void = () => undefined;
  const stream = followEvents(customerToken(SECRET, 'mine'), {
    // The first load is slow: the position sent right after `ready` waits for it.
    load: () => new Promise<void>((resolve) => (release = resolve)).then(() => void seen.push('loaded')),
    apply: (event: StoredEvent) => seen.push(`event ${event.type}`),
    position: (p) => seen.push(`position ${p.position ?? 'none'} of ${p.waiting ?? 'none'}`),
    status: () => undefined,
  });
  try {
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    release();
    await until(() => seen.length >= 2, 'the load and the first position');
    expect(seen).toEqual(['loaded', 'position 2 of 2']);
    await queued('ahead', 2, false);
    await until(() => seen.includes('position 1 of 1'), 'the new position');
    await queued('mine', 2, false);
    await until(() => seen.includes('position none of none'), 'no position');
    expect(seen.slice(2)).toEqual(['position 1 of 1', 'event conversation.state', 'position none of none']);
  } finally {
    stream.close();
  }
});
