import type { QueuePlace, StoredEvent } from '../../src/domain/events';
import { ConversationState } from '../../src/domain/states';
import { QueuePositions } from '../../src/live/queue-positions';
import type { QueueSnapshotSource } from '../../src/live/queue-positions';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { view } from '../store/store-fixtures';

let nextId = 1;
function stats(queueId: string, change: { entered?: QueuePlace[]; left?: string[]; estimatedWaitMs?: number | null }): StoredEvent {
  const entered = change.entered ?? [];
  return {
    id: nextId++,
    type: 'queue.stats',
    at: '2025-01-01T00:00:00.000Z',
    conversationId: null,
    queueId,
    agentId: null,
    previousAgentId: null,
    data: { depth: 0, oldestEnqueuedAt: null, estimatedWaitMs: change.estimatedWaitMs ?? null, entered, left: change.left ?? [] },
  };
}
const place = (conversationId: string, priority: number, enqueuedAt: string, seq: number): QueuePlace => ({
  conversationId,
  priority,
  enqueuedAt,
  seq,
});
const EMPTY: QueueSnapshotSource = { listQueues: () => Promise.resolve([]), listQueueEntries: () => Promise.resolve([]) };

async function seeded(source: QueueSnapshotSource = EMPTY): Promise<QueuePositions> {
  const index = new QueuePositions();
  await index.seed(source);
  return index;
}

/** The conversations of `queueId` in the index's order. */
function order(index: QueuePositions, ids: readonly string[], queueId: string): string[] {
  return ids
    .map((id) => ({ id, standing: index.positionOf(id) }))
    .filter((x) => x.standing?.queueId === queueId)
    .sort((a, b) => (a.standing?.position ?? 0) - (b.standing?.position ?? 0))
    .map((x) => x.id);
}

describe('the queue-position index', () => {
  it('orders a queue by priority (lower first), then arrival, then seq, and counts who waits', async () => {
    const index = await seeded();
    index.apply([
      stats('q', {
        entered: [
          place('late', 5, '2025-01-01T00:00:09.000Z', 1),
          place('tie-b', 5, '2025-01-01T00:00:01.000Z', 7),
          place('urgent', 1, '2025-01-01T00:00:30.000Z', 9),
          place('tie-a', 5, '2025-01-01T00:00:01.000Z', 3),
          place('low', 9, '2025-01-01T00:00:00.000Z', 2),
        ],
      }),
    ]);
    expect(order(index, ['late', 'tie-b', 'urgent', 'tie-a', 'low'], 'q')).toEqual(['urgent', 'tie-a', 'tie-b', 'late', 'low']);
    expect(index.positionOf('tie-b')).toEqual({
      queueId: 'q',
      position: 3,
      waiting: 5,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
    expect(index.positionOf('nobody')).toBeNull();
  });

  it('replaces the place of a conversation that enters again, in its queue or another, and ignores a leave of a queue it is not in', async () => {
    const index = await seeded();
    index.apply([stats('q', { entered: [place('a', 5, 't1', 1), place('b', 5, 't2', 2), place('c', 5, 't3', 3)] })]);
    // Re-entered with a higher priority: moves to the front, counted once.
    index.apply([stats('q', { entered: [place('c', 1, 't3', 4)] })]);
    expect(order(index, ['a', 'b', 'c'], 'q')).toEqual(['c', 'a', 'b']);
    expect(index.positionOf('c')).toMatchObject({ position: 1, waiting: 3 });
    // Moved to another queue with the other queue's event first: the late leave of q must not take it out of r.
    index.apply([stats('r', { entered: [place('a', 5, 't1', 5)] }), stats('q', { left: ['a', 'ghost'] })]);
    expect(index.positionOf('a')).toEqual({ queueId: 'r', position: 1, waiting: 1, estimatedWaitMs: null, closed: false, opensAt: null });
    expect(index.positionOf('b')).toMatchObject({ queueId: 'q', position: 2, waiting: 2 });
    index.apply([stats('r', { left: ['b'] })]);
    expect(index.positionOf('b')).toMatchObject({ queueId: 'q', position: 2 });
    // One transaction that takes a conversation out and puts it back reports both: it stays, at its new place.
    index.apply([stats('q', { left: ['b'], entered: [place('b', 0, 't9', 6)] })]);
    expect(index.positionOf('b')).toMatchObject({ queueId: 'q', position: 1, waiting: 2 });
    index.apply([stats('q', { left: ['b', 'c'] })]);
    expect(index.positionOf('b')).toBeNull();
    expect(index.positionOf('c')).toBeNull();
    expect(index.size).toBe(1);
  });

  it('carries the latest estimated wait of each queue, and changes the stamp whenever a line moves', async () => {
    const index = await seeded();
    index.apply([stats('q', { entered: [place('a', 5, 't1', 1)] })]);
    const stamp = index.stampOf('a');
    index.apply([stats('other', { entered: [place('x', 5, 't1', 2)], estimatedWaitMs: 5 })]);
    expect(index.stampOf('a')).toBe(stamp);
    index.apply([stats('q', { entered: [place('b', 5, 't2', 3)], estimatedWaitMs: 90_000 })]);
    expect(index.stampOf('a')).not.toBe(stamp);
    expect(index.positionOf('a')).toEqual({ queueId: 'q', position: 1, waiting: 2, estimatedWaitMs: 90_000, closed: false, opensAt: null });
    expect(index.positionOf('x')?.estimatedWaitMs).toBe(5);
    expect(index.stampOf('nobody')).toBe('');
  });

  it('ignores batches until seeded, and follows changes at a depth of 50,000', async () => {
    const index = new QueuePositions();
    index.apply([stats('q', { entered: [place('early', 5, 't', 1)] })]);
    await index.seed(EMPTY);
    expect(index.positionOf('early')).toBeNull();
    // 50,000 waiting (neighbours arriving out of seq order), then 2,000 changes at that depth.
    const n = 50_000;
    for (let seq = 1; seq <= n; seq++) {
      const s = seq % 2 === 0 ? seq - 1 : seq + 1;
      index.apply([stats('q', { entered: [place(`c${s}`, 5, 't', s)] })]);
    }
    expect(index.positionOf('c1')).toMatchObject({ position: 1, waiting: n });
    expect(index.positionOf(`c${n}`)).toMatchObject({ position: n, waiting: n });
    for (let i = 1; i <= 1000; i++) {
      index.apply([stats('q', { left: [`c${i}`] })]);
      index.apply([stats('q', { entered: [place(`v${i}`, 1, 't', n + i)] })]);
    }
    let sum = 0;
    for (let i = 1001; i <= n; i += 50) sum += index.positionOf(`c${i}`)?.position ?? 0;
    expect(index.positionOf(`c${n}`)).toMatchObject({ position: n, waiting: n });
    expect(index.positionOf('v1000')).toMatchObject({ position: 1000 });
    expect(sum).toBeGreaterThan(0);
    // How fast: `BENCH_ONLY=8 npm run bench` (no wall-clock bound here: it fails on a busy machine).
  });
});

describe('the index over the store', () => {
  let store: Store;
  let cursor: number;
  const ids: string[] = [];
  const versions = new Map<string, number>();
  /** Each write of a conversation is a newer version, as the workflow's are. */
  const version = (id: string): number => {
    const next = (versions.get(id) ?? 0) + 1;
    versions.set(id, next);
    return next;
  };

  beforeEach(async () => {
    store = await createStore({ sqliteFile: ':memory:' });
    await store.upsertQueue({ id: 'other' });
    cursor = (await store.eventLogBounds()).latestId;
    ids.length = 0;
    versions.clear();
  });
  afterEach(() => store.close());

  async function enqueue(id: string, priority: number, enqueuedAt: string, queueId = 'default', dequeue = false): Promise<void> {
    if (!ids.includes(id)) ids.push(id);
    await store.applyConversation({
      view: view(id, { queueId, priority, version: version(id) }),
      release: false,
      enqueue: { conversationId: id, queueId, priority, units: 10, enqueuedAt, preferredAgentId: null },
      dequeue,
    });
  }
  async function close(id: string): Promise<void> {
    await store.applyConversation({
      view: view(id, { state: ConversationState.Closed, closedAt: '2025-01-01T01:00:00.000Z', version: version(id) }),
      release: false,
      enqueue: null,
      dequeue: true,
    });
  }
  /** Hands the index the events after the cursor, as the hub does. */
  async function feed(index: QueuePositions): Promise<void> {
    const events = await store.listEvents(cursor, 10_000);
    if (events.length === 0) return;
    cursor = (events[events.length - 1] as StoredEvent).id;
    index.apply(events);
  }
  /** The store's own order of every queue, and the index's. */
  async function compare(index: QueuePositions): Promise<void> {
    for (const queue of await store.listQueues()) {
      const truth = (await store.listQueueEntries(queue.id)).map((e) => e.conversationId);
      expect({ queue: queue.id, order: order(index, ids, queue.id) }).toEqual({ queue: queue.id, order: truth });
      for (const id of truth) expect(index.positionOf(id)?.waiting).toBe(truth.length);
    }
  }

  it('serves the head the store would serve: priority, then arrival, then seq for arrivals in the same millisecond', async () => {
    const index = await seeded(store);
    await enqueue('b', 10, '2025-01-01T00:00:01.000Z');
    await enqueue('a', 10, '2025-01-01T00:00:01.000Z');
    await enqueue('old', 10, '2025-01-01T00:00:00.500Z');
    await enqueue('vip', 1, '2025-01-01T00:00:05.000Z');
    await enqueue('low', 20, '2025-01-01T00:00:00.000Z');
    await feed(index);
    await compare(index);
    expect(order(index, ids, 'default')).toEqual(['vip', 'old', 'b', 'a', 'low']);
    // Re-queued keeping its arrival (a revive, a transfer back): back at its place by arrival, behind those of the same millisecond.
    await close('old');
    await enqueue('old', 10, '2025-01-01T00:00:01.000Z');
    await feed(index);
    await compare(index);
    // The store's dispatch takes exactly the index's first.
    await store.upsertAgent({ id: 'ada', queues: ['default'], capacity: 10, presence: 'Available' });
    const [match] = await store.dispatch('default', 1);
    expect(match?.conversationId).toBe('vip');
    await feed(index);
    expect(index.positionOf('vip')).toBeNull();
    expect(index.positionOf('b')).toMatchObject({ position: 1, waiting: 4 });
  });

  it('converges when the queues change between reading the cursor, the queue list and each queue’s entries', async () => {
    await enqueue('a', 10, '2025-01-01T00:00:01.000Z');
    await enqueue('b', 10, '2025-01-01T00:00:02.000Z');
    await enqueue('c', 10, '2025-01-01T00:00:03.000Z', 'other');
    await enqueue('d', 10, '2025-01-01T00:00:04.000Z', 'other');
    // The hub's cursor is read first; everything after it is applied over the snapshot.
    cursor = (await store.eventLogBounds()).latestId;
    const index = new QueuePositions();
    const interleaved: QueueSnapshotSource = {
      listQueues: async () => {
        const queues = await store.listQueues();
        // Before any entries are read: one leaves, one arrives, one moves from `other` to `default`.
        await close('a');
        await enqueue('e', 10, '2025-01-01T00:00:05.000Z');
        await enqueue('c', 10, '2025-01-01T00:00:03.000Z', 'default', true);
        await feed(index);
        return queues;
      },
      listQueueEntries: async (queueId) => {
        const entries = await store.listQueueEntries(queueId);
        // After `default` was read, before `other` is: d moves to `default` and b leaves, so b is in the snapshot, d in neither.
        if (queueId === 'default') {
          await enqueue('d', 10, '2025-01-01T00:00:04.000Z', 'default', true);
          await close('b');
          await enqueue('f', 1, '2025-01-01T00:00:06.000Z', 'other');
          await feed(index);
        }
        return entries;
      },
    };
    await index.seed(interleaved);
    expect(index.ready).toBe(true);
    await compare(index);
    expect(order(index, ids, 'default')).toEqual(['c', 'd', 'e']);
    expect(order(index, ids, 'other')).toEqual(['f']);
    // And it keeps following after seeding.
    await close('c');
    await feed(index);
    await compare(index);
    expect(index.positionOf('e')).toMatchObject({ position: 2, waiting: 2 });
  });

  it('takes the estimated wait from the queue list at seeding and later from the events', async () => {
    await enqueue('a', 10, '2025-01-01T00:00:01.000Z');
    const source: QueueSnapshotSource = {
      listQueues: async () => (await store.listQueues()).map((q) => ({ ...q, estimatedWaitMs: q.id === 'default' ? 42_000 : null })),
      listQueueEntries: (queueId) => store.listQueueEntries(queueId),
    };
    const index = await seeded(source);
    expect(index.positionOf('a')).toEqual({
      queueId: 'default',
      position: 1,
      waiting: 1,
      estimatedWaitMs: 42_000,
      closed: false,
      opensAt: null,
    });
    await enqueue('b', 10, '2025-01-01T00:00:02.000Z');
    await feed(index);
    // The store has measured no waits yet: its events say null.
    expect(index.positionOf('a')).toEqual({
      queueId: 'default',
      position: 1,
      waiting: 2,
      estimatedWaitMs: null,
      closed: false,
      opensAt: null,
    });
  });
});
