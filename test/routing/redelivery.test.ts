import type { Router } from '../../src/routing';
import { RoutingChanges } from '../../src/routing';
import { Redelivery } from '../../src/routing/redelivery';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { Assignment } from '../../src/store/conversation-write';
import { enqueue, view } from '../store/store-fixtures';

/** A router that records deliveries; `running` says whether the conversation's workflow still runs. */
function recordingRouter(running: (conversationId: string) => boolean = () => true) {
  const delivered: Assignment[] = [];
  const poked: string[] = [];
  const router: Router = {
    poke: (queueIds) => {
      poked.push(...queueIds);
      return Promise.resolve();
    },
    deliver: (a) => {
      delivered.push(a);
      return Promise.resolve(running(a.conversationId));
    },
    reroute: () => Promise.resolve(true),
  };
  return { router, delivered, poked };
}

/** A router whose Temporal went away with the process that made the match: nothing arrives. */
const lost: Router = {
  poke: () => Promise.reject(new Error('killed')),
  deliver: () => Promise.reject(new Error('killed')),
  reroute: () => Promise.reject(new Error('killed')),
};

let store: Store;
beforeEach(async () => {
  store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
  await store.upsertQueue({ id: 'offers', offerMode: 'offer', offerTimeoutMs: 30_000, maxDeclines: 2, missedOfferPresence: null });
  await store.upsertAgent({ id: 'ann', capacity: 10, presence: 'Offline', queues: ['offers'] });
});
afterEach(() => store.close());

/** A match committed by a process that died before its signal: ann is made Available, so her room goes to the waiting chat. */
async function matchLostWithItsSignal(): Promise<void> {
  await enqueue(store, 'chat-1', { queueId: 'offers' });
  await new RoutingChanges(store, lost, () => undefined).setPresence('ann', 'Available');
  expect(await store.listReservations('ann')).toEqual([expect.objectContaining({ conversationId: 'chat-1' })]);
}

describe('re-delivery of matches their conversation has not taken up', () => {
  it('sends a match whose signal was lost again, as the offer its queue makes, until the workflow holds it', async () => {
    await matchLostWithItsSignal();
    const { router, delivered } = recordingRouter();
    const redelivery = new Redelivery(store, router, { afterMs: 0 });
    expect(await redelivery.sweep()).toBe(1);
    expect(delivered).toEqual([
      {
        conversationId: 'chat-1',
        agentId: 'ann',
        queueId: 'offers',
        units: 10,
        offer: { timeoutMs: 30_000, maxDeclines: 2, missedPresence: null },
      },
    ]);
    // Sent again on the next look while the workflow has not taken it up (it ignores a match it holds)...
    expect(await redelivery.sweep()).toBe(1);
    // ...and never once its workflow has written the offer on that reservation.
    await store.applyConversation({
      view: view('chat-1', { queueId: 'offers', version: 2, offerAgentId: 'ann', offerExpiresAt: '2025-01-01T00:01:00.000Z' }),
      release: false,
      enqueue: null,
      dequeue: false,
      acquire: { kind: 'hold', agentId: 'ann' },
    });
    expect(await redelivery.sweep()).toBe(0);
    expect(delivered).toHaveLength(2);
  });

  it('waits a moment before re-sending, so a signal on its way is not doubled', async () => {
    await matchLostWithItsSignal();
    const { router, delivered } = recordingRouter();
    expect(await new Redelivery(store, router, { afterMs: 60_000 }).sweep()).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('releases the room of a match whose conversation no longer runs, and pokes its queue', async () => {
    await matchLostWithItsSignal();
    const { router, poked } = recordingRouter(() => false);
    expect(await new Redelivery(store, router, { afterMs: 0 }).sweep()).toBe(1);
    expect(await store.listReservations('ann')).toEqual([]);
    expect(poked).toEqual(['offers']);
  });

  it('refuses an offer whose reservation was withdrawn meanwhile: a stale delivery shows nothing', async () => {
    await matchLostWithItsSignal();
    await store.releaseReservation('chat-1', 'ann');
    await expect(
      store.applyConversation({
        view: view('chat-1', { queueId: 'offers', version: 2, offerAgentId: 'ann', offerExpiresAt: '2025-01-01T00:01:00.000Z' }),
        release: false,
        enqueue: null,
        dequeue: false,
        acquire: { kind: 'hold', agentId: 'ann' },
      }),
    ).rejects.toMatchObject({ code: 'ALREADY_TAKEN' });
    expect((await store.getConversation('chat-1'))?.offerAgentId).toBeNull();
  });
});
