import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { Router } from '../../src/routing';
import { createStore, seedStore } from '../../src/store';
import type { Assignment } from '../../src/store/conversation-write';
import type { Store } from '../../src/store/store';
import { view } from '../store/store-fixtures';

/** A router that remembers what it was asked, standing in for the Temporal client (its own behaviour is tested on a real server). */
function recordingRouter(running: (conversationId: string) => boolean) {
  const calls = { pokes: [] as string[][], delivered: [] as Assignment[], rerouted: [] as string[] };
  const router: Router = {
    poke: async (ids) => void calls.pokes.push([...ids]),
    deliver: async (a) => (running(a.conversationId) ? (calls.delivered.push(a), true) : false),
    reroute: async (id) => (calls.rerouted.push(id), true),
  };
  return { router, calls };
}

let store: Store;
const env = new MockActivityEnvironment();
beforeEach(async () => {
  store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
  await seedStore(store, { agents: [{ id: 'alice', capacity: 10, presence: 'Available', queues: ['default'] }] });
});
afterEach(() => store.close());

async function enqueue(acts: ReturnType<typeof createActivities>, id: string) {
  const v = view(id);
  await env.run(acts.applyConversation, {
    view: v,
    release: false,
    dequeue: false,
    enqueue: { conversationId: id, queueId: 'default', priority: 10, units: 10, enqueuedAt: v.stateEnteredAt, preferredAgentId: null },
  });
}

/** The transition write that takes c1 from Open to Active with an agent. */
function claimWrite(id: string, agentId: string) {
  return {
    view: view(id, { state: 'Active' as const, agentId, version: 2 }),
    release: false,
    dequeue: true,
    enqueue: null,
    acquire: { kind: 'claim' as const, agentId },
    route: true,
  };
}

describe('activities', () => {
  it('claims a queued conversation once, and a retry of the same claim succeeds without reserving twice', async () => {
    const { router } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    await enqueue(acts, 'c1');
    await env.run(acts.applyConversation, claimWrite('c1', 'alice'));
    await env.run(acts.applyConversation, claimWrite('c1', 'alice'));
    expect(await store.listReservations()).toEqual([expect.objectContaining({ conversationId: 'c1', agentId: 'alice', units: 10 })]);
    expect(await store.getConversation('c1')).toMatchObject({ state: 'Active', agentId: 'alice' });
  });

  it('refuses a claim with a permanent failure carrying the store code, writing nothing', async () => {
    const { router } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    await enqueue(acts, 'c1');
    const failure = await env.run(acts.applyConversation, claimWrite('c1', 'nobody')).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UNKNOWN_AGENT', nonRetryable: true });
    expect(await store.listReservations()).toEqual([]);
    expect(await store.getConversation('c1')).toMatchObject({ state: 'Open', version: 1 });
  });

  it('matches a conversation entering its queue to an agent with room in the same write, and answers the match', async () => {
    await store.setPresence('alice', 'Available');
    const { router, calls } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    const v = view('c1');
    const entered = await env.run(acts.applyConversation, {
      view: v,
      release: false,
      dequeue: false,
      enqueue: { conversationId: 'c1', queueId: 'default', priority: 10, units: 10, enqueuedAt: v.stateEnteredAt, preferredAgentId: null },
      route: true,
    });
    expect(entered).toEqual({
      matched: { conversationId: 'c1', agentId: 'alice', queueId: 'default', units: 10, offer: null },
      waiting: null,
    });
    expect(await store.listReservations('alice')).toHaveLength(1);
    expect(calls).toEqual({ pokes: [], delivered: [], rerouted: [] });
  });

  it('gives the room a release frees to the most deserving waiting conversation and tells it, with no poke', async () => {
    await store.setPresence('alice', 'Available');
    const { router, calls } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    await enqueue(acts, 'c1');
    await env.run(acts.applyConversation, claimWrite('c1', 'alice'));
    await enqueue(acts, 'c2');
    await enqueue(acts, 'c3');
    const plainPokes = calls.pokes.length;
    await env.run(acts.applyConversation, {
      view: view('c1', { state: 'Waiting', agentId: 'alice', version: 3 }),
      release: true,
      dequeue: false,
      enqueue: null,
      route: true,
    });
    expect(calls.delivered).toEqual([{ conversationId: 'c2', agentId: 'alice', queueId: 'default', units: 10, offer: null }]);
    expect(calls.pokes).toHaveLength(plainPokes);
    expect((await store.listReservations()).map((r) => r.conversationId)).toEqual(['c2']);
  });

  it('pokes the queue a plain write enters and the queues of the agent whose capacity it releases', async () => {
    const { router, calls } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    await enqueue(acts, 'c1');
    await env.run(acts.applyConversation, { ...claimWrite('c1', 'alice'), route: false });
    await env.run(acts.applyConversation, {
      view: view('c1', { state: 'Waiting', agentId: 'alice', version: 3 }),
      release: true,
      dequeue: false,
      enqueue: null,
    });
    expect(calls.pokes).toEqual([['default'], ['default']]);
    expect(await store.listReservations()).toEqual([]);
  });
  it('dispatches, delivers the match, and releases a match whose conversation has ended', async () => {
    const { router, calls } = recordingRouter((id) => id !== 'gone');
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    await enqueue(acts, 'gone');
    const round = await env.run(acts.dispatchQueue, { queueId: 'default', limit: 10, now: new Date().toISOString() });
    expect(round).toMatchObject({ assigned: 1, more: false });
    expect(calls.delivered).toEqual([]);
    expect(await store.listReservations()).toEqual([]);
    await enqueue(acts, 'c2');
    await env.run(acts.dispatchQueue, { queueId: 'default', limit: 10, now: new Date().toISOString() });
    expect(calls.delivered).toEqual([{ conversationId: 'c2', agentId: 'alice', queueId: 'default', units: 10, offer: null }]);
  });

  it('turns a store refusal inside any activity into a permanent failure with the store code, so it is not retried forever', async () => {
    const { router } = recordingRouter(() => true);
    const acts = createActivities({ store, lifecycle: DEFAULT_LIFECYCLE_CONFIG, router });
    const v = view('c9', { queueId: 'nowhere' });
    const entry = {
      conversationId: 'c9',
      queueId: 'nowhere',
      priority: 10,
      units: 10,
      enqueuedAt: v.stateEnteredAt,
      preferredAgentId: null,
    };
    const failure = await env
      .run(acts.applyConversation, { view: v, release: false, dequeue: false, enqueue: entry })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'UNKNOWN_QUEUE', nonRetryable: true });
    const invalid = await env
      .run(acts.dispatchQueue, { queueId: 'default', limit: -1, now: new Date().toISOString() })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ type: 'INVALID_INPUT', nonRetryable: true });
    expect(await store.getConversation('c9')).toBeNull();
  });
});
