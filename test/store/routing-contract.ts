import type { Store } from '../../src/store/store';
import type { QueueEntry } from '../../src/store/types';
import type { ApiTablesContext } from './api-tables-contract';
import { agent, enqueue, expectConsistent, view } from './store-fixtures';

/** The write a conversation's workflow makes when it enters a queue, routing on it. */
async function enter(
  store: Store,
  id: string,
  opts: { queueId?: string; priority?: number; units?: number; at?: string; requirements?: QueueEntry['requirements'] } = {},
) {
  const entry: QueueEntry = {
    conversationId: id,
    queueId: opts.queueId ?? 'default',
    priority: opts.priority ?? 10,
    units: opts.units ?? 10,
    enqueuedAt: opts.at ?? '2025-01-01T00:00:00.000Z',
    preferredAgentId: null,
    requirements: opts.requirements ?? [],
  };
  return store.applyConversation({
    view: view(id, { queueId: entry.queueId, priority: entry.priority, units: entry.units, stateEnteredAt: entry.enqueuedAt }),
    release: false,
    dequeue: false,
    enqueue: entry,
    route: true,
  });
}

/** The write that takes a conversation back from its agent (close tab: Active -> Waiting), routing on it. */
function closeTab(store: Store, id: string, agentId: string, version: number) {
  return store.applyConversation({
    view: view(id, { state: 'Waiting', agentId, version }),
    release: true,
    dequeue: false,
    enqueue: null,
    route: true,
  });
}

/** Matching on the write that causes it: a conversation entering its queue, and room a write frees. */
export function describeRoutingOnWrite(ctx: ApiTablesContext): void {
  describe('routing on the write', () => {
    it('matches a conversation entering its queue to an agent with room, in the same transaction', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 20 });
      const outcome = await enter(store, 'c1');
      expect(outcome).toEqual({
        matched: { conversationId: 'c1', agentId: 'a1', queueId: 'default', units: 10, offer: null },
        deliver: [],
        watch: [],
        waiting: null,
      });
      expect(await store.listQueueEntries('default')).toEqual([]);
      expect(await store.listReservations('a1')).toEqual([expect.objectContaining({ conversationId: 'c1', units: 10 })]);
      // A retry of the same write finds the match it made the first time, and makes no second one.
      expect((await enter(store, 'c1')).matched).toMatchObject({ agentId: 'a1' });
      expect(await expectConsistent(store)).toBe(1);
    });

    it('tells a first workflow task retried after both its writes committed the match it made, so it does not stay Open', async () => {
      // The task's completion was lost (timed out under load, or the worker died) after it wrote the
      // enqueue (version 1, matched) and the Active row (version 2); its retry writes the enqueue again.
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 20 });
      expect((await enter(store, 'c1')).matched).toMatchObject({ agentId: 'a1' });
      await store.applyConversation({
        view: view('c1', { state: 'Active', agentId: 'a1', lastAgentId: 'a1', version: 2 }),
        release: false,
        dequeue: false,
        enqueue: null,
        acquire: { kind: 'claim', agentId: 'a1' },
        route: true,
      });
      const retried = await enter(store, 'c1');
      expect(retried.matched).toEqual({ conversationId: 'c1', agentId: 'a1', queueId: 'default', units: 10, offer: null });
      // The superseded write changed nothing: still Active with a1, in no queue, one reservation.
      expect(await store.getConversation('c1')).toMatchObject({ state: 'Active', agentId: 'a1', version: 2 });
      expect(await store.listQueueEntries('default')).toEqual([]);
      expect(await expectConsistent(store)).toBe(1);
    });

    it('leaves it waiting when no eligible agent has room, and arms the overflow timer only where a queue has one', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'spill', overflow: { afterMs: 60_000, toQueueId: 'default' } });
      await agent(store, 'a1', ['default', 'spill'], { capacity: 10, presence: 'Away' });
      expect(await enter(store, 'c1')).toEqual({
        matched: null,
        deliver: [],
        watch: [],
        waiting: 'no agent of queue default is Available or Busy',
      });
      expect(await enter(store, 'c2', { queueId: 'spill' })).toEqual({
        matched: null,
        deliver: [],
        watch: ['spill'],
        waiting: 'no agent of queue spill is Available or Busy',
      });
      expect((await store.getConversation('c1'))?.waitingReason).toBe('no agent of queue default is Available or Busy');
    });

    it('does not take an agent for whom a more deserving conversation waits (invariant 4)', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 10, presence: 'Offline' });
      await enqueue(store, 'older');
      await store.setPresence('a1', 'Available');
      expect((await enter(store, 'newer', { at: '2025-01-01T00:01:00.000Z' })).matched).toBeNull();
      expect((await store.listQueueEntries('default')).map((e) => e.conversationId)).toEqual(['older', 'newer']);
    });

    it('gives room a release frees to the most deserving waiting conversation of the agent’s queues, and says whom to tell', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 10 });
      await enter(store, 'first');
      await enter(store, 'second', { at: '2025-01-01T00:01:00.000Z' });
      await enter(store, 'urgent', { priority: 1, at: '2025-01-01T00:02:00.000Z' });
      const outcome = await closeTab(store, 'first', 'a1', 2);
      expect(outcome.deliver).toEqual([{ conversationId: 'urgent', agentId: 'a1', queueId: 'default', units: 10, offer: null }]);
      expect((await store.listQueueEntries('default')).map((e) => e.conversationId)).toEqual(['second']);
      await expectConsistent(store);
    });

    it('serves an agent’s queues in one order: queue priority, then conversation priority, then arrival', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'left', priority: 10 });
      await store.upsertQueue({ id: 'right', priority: 10 });
      await store.upsertQueue({ id: 'vip', priority: 5 });
      await agent(store, 'a1', ['left', 'right', 'vip'], { capacity: 100, presence: 'Offline' });
      await enqueue(store, 'right-old', { queueId: 'right' });
      await store.applyConversation({
        view: view('left-new', { queueId: 'left', stateEnteredAt: '2025-01-01T00:05:00.000Z' }),
        release: false,
        dequeue: false,
        enqueue: {
          conversationId: 'left-new',
          queueId: 'left',
          priority: 10,
          units: 10,
          enqueuedAt: '2025-01-01T00:05:00.000Z',
          preferredAgentId: null,
        },
      });
      await store.applyConversation({
        view: view('left-urgent', { queueId: 'left', priority: 1, stateEnteredAt: '2025-01-01T00:09:00.000Z' }),
        release: false,
        dequeue: false,
        enqueue: {
          conversationId: 'left-urgent',
          queueId: 'left',
          priority: 1,
          units: 10,
          enqueuedAt: '2025-01-01T00:09:00.000Z',
          preferredAgentId: null,
        },
      });
      await store.applyConversation({
        view: view('vip-late', { queueId: 'vip', priority: 20, stateEnteredAt: '2025-01-01T00:10:00.000Z' }),
        release: false,
        dequeue: false,
        enqueue: {
          conversationId: 'vip-late',
          queueId: 'vip',
          priority: 20,
          units: 10,
          enqueuedAt: '2025-01-01T00:10:00.000Z',
          preferredAgentId: null,
        },
      });
      await store.setPresence('a1', 'Available');
      // The same order on every run, from a freed agent's point of view and from each queue's dispatcher.
      expect((await store.fillAgent('a1')).map((m) => m.conversationId)).toEqual(['vip-late', 'left-urgent', 'right-old', 'left-new']);
    });

    it('a sweep of one queue gives room its agents owe to a more deserving queue to that queue, instead of ending the round', async () => {
      // After an outage: work waits in both queues and the agents came back without a fill.
      const store = ctx.store();
      await store.upsertQueue({ id: 'vip', priority: 1 });
      await store.upsertQueue({ id: 'general', priority: 10 });
      for (const id of ['a1', 'a2', 'a3']) await agent(store, id, ['vip', 'general'], { capacity: 10, presence: 'Offline' });
      for (const id of ['v1', 'v2']) await enqueue(store, id, { queueId: 'vip' });
      for (const id of ['g1', 'g2']) await enqueue(store, id, { queueId: 'general' });
      for (const id of ['a1', 'a2', 'a3']) await store.setPresence(id, 'Available');
      const served = await store.dispatch('general', 10);
      // Both vip conversations first (the agents defer to them), then the oldest general one.
      expect(served.map((m) => m.conversationId).sort()).toEqual(['g1', 'v1', 'v2']);
      expect((await store.listQueueEntries('general')).map((e) => e.conversationId)).toEqual(['g2']);
      expect(await store.listQueueEntries('vip')).toEqual([]);
      expect(await expectConsistent(store)).toBe(3);
    });

    it('lets no queue’s dispatcher jump that order: with equal queue priorities the older conversation gets the room', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'left', priority: 10 });
      await store.upsertQueue({ id: 'right', priority: 10 });
      await agent(store, 'a1', ['left', 'right'], { capacity: 10, presence: 'Offline' });
      await enqueue(store, 'right-old', { queueId: 'right' });
      await store.applyConversation({
        view: view('left-new', { queueId: 'left', stateEnteredAt: '2025-01-01T00:05:00.000Z' }),
        release: false,
        dequeue: false,
        enqueue: {
          conversationId: 'left-new',
          queueId: 'left',
          priority: 10,
          units: 10,
          enqueuedAt: '2025-01-01T00:05:00.000Z',
          preferredAgentId: null,
        },
      });
      await store.setPresence('a1', 'Available');
      // Left's round gives the room to the older conversation on the right, never to its own newer one.
      expect((await store.dispatch('left', 5)).map((m) => m.conversationId)).toEqual(['right-old']);
      expect((await store.listQueueEntries('left')).map((e) => e.conversationId)).toEqual(['left-new']);
    });

    it('automatic presence: Busy while capacity is partly used, BusyDND when full, Available when room returns', async () => {
      const store = ctx.store();
      await store.upsertAgent({ id: 'a1', queues: ['default'], capacity: 20, presence: 'Available', autoPresence: true });
      const presence = async () => (await store.getAgent('a1'))?.presence;
      await enter(store, 'c1');
      expect(await presence()).toBe('Busy');
      await enter(store, 'c2');
      expect(await store.getAgent('a1')).toMatchObject({ presence: 'BusyDND', chosenPresence: 'Available' });
      await closeTab(store, 'c2', 'a1', 2);
      expect(await presence()).toBe('Busy');
      await closeTab(store, 'c1', 'a1', 2);
      expect(await presence()).toBe('Available');
      const changes = (await store.listEvents(0, 1000)).flatMap((e) => (e.type === 'agent.presence' && e.agentId === 'a1' ? [e] : []));
      expect(changes.map((e) => e.data.presence).slice(-4)).toEqual(['Busy', 'BusyDND', 'Busy', 'Available']);
      expect(changes.at(-1)?.data).toMatchObject({ reason: 'automatic: 0 of 20 units in use' });
    });

    it('never overrides a presence the agent chose other than Available, and stays off unless opted in', async () => {
      const store = ctx.store();
      await store.upsertAgent({ id: 'auto', queues: ['default'], capacity: 10, presence: 'Available', autoPresence: true });
      await store.upsertAgent({ id: 'manual', queues: ['default'], capacity: 10, presence: 'Offline' });
      await store.setPresence('manual', 'Available');
      await enter(store, 'c1');
      await enter(store, 'c2');
      expect((await store.getAgent('manual'))?.presence).toBe('Available');
      expect((await store.getAgent('auto'))?.presence).toBe('BusyDND');
      await store.setPresence('auto', 'Away');
      await closeTab(store, 'c1', (await store.getConversation('c1'))?.agentId === 'auto' ? 'auto' : 'manual', 2);
      await closeTab(store, 'c2', (await store.getConversation('c2'))?.agentId === 'auto' ? 'auto' : 'manual', 2);
      expect(await store.getAgent('auto')).toMatchObject({ presence: 'Away', chosenPresence: 'Away' });
    });

    it('pushes a conversation only to agents meeting every skill requirement, whatever the room of others', async () => {
      const store = ctx.store();
      await store.upsertAgent({ id: 'roomy', queues: ['default'], capacity: 100, presence: 'Available', skills: { french: 5 } });
      await store.upsertAgent({
        id: 'fluent',
        queues: ['default'],
        capacity: 20,
        presence: 'Available',
        skills: { french: 9, billing: 3 },
      });
      await store.upsertAgent({
        id: 'expert',
        queues: ['default'],
        capacity: 30,
        presence: 'Available',
        skills: { french: 8, billing: 7 },
      });
      expect((await enter(store, 'fr', { requirements: [{ skill: 'french', minProficiency: 8 }] })).matched?.agentId).toBe('expert');
      const both = [
        { skill: 'french', minProficiency: 8 },
        { skill: 'billing', minProficiency: 5 },
      ];
      expect((await enter(store, 'fr-billing', { requirements: both })).matched?.agentId).toBe('expert');
      expect((await enter(store, 'plain')).matched?.agentId).toBe('roomy');
      // Nobody has the skill: it waits, and says why.
      const nobody = await enter(store, 'de', { requirements: [{ skill: 'german', minProficiency: 1 }] });
      expect(nobody).toMatchObject({ matched: null, waiting: 'no Available or Busy agent of queue default has german >= 1' });
      expect((await store.getAgent('fluent'))?.skills).toEqual({ billing: 3, french: 9 });
    });

    it('gives freed room to the most deserving conversation the agent is qualified for, passing over the rest', async () => {
      const store = ctx.store();
      await store.upsertAgent({ id: 'a1', queues: ['default'], capacity: 10, presence: 'Available', skills: { english: 9 } });
      await enter(store, 'first');
      await enter(store, 'needs-spanish', { at: '2025-01-01T00:01:00.000Z', requirements: [{ skill: 'spanish', minProficiency: 3 }] });
      await enter(store, 'needs-english', { at: '2025-01-01T00:02:00.000Z', requirements: [{ skill: 'english', minProficiency: 9 }] });
      const outcome = await closeTab(store, 'first', 'a1', 2);
      expect(outcome.deliver.map((m) => m.conversationId)).toEqual(['needs-english']);
      // The dispatcher's round passes over a head nobody qualified can take, so it blocks nothing behind it.
      await store.upsertAgent({ id: 'a2', queues: ['default'], capacity: 10, presence: 'Offline' });
      await enter(store, 'plain', { at: '2025-01-01T00:03:00.000Z' });
      await store.setPresence('a2', 'Available');
      expect(await store.hasDispatchableWork('default')).toBe(true);
      expect((await store.dispatch('default', 10)).map((m) => m.conversationId)).toEqual(['plain']);
      expect((await store.listQueueEntries('default')).map((e) => e.conversationId)).toEqual(['needs-spanish']);
      expect(await store.hasDispatchableWork('default')).toBe(false);
    });

    it('names the other queues sharing a member that have work fitting an eligible member now (whom a round wakes)', async () => {
      const store = ctx.store();
      for (const id of ['left', 'right', 'apart']) await store.upsertQueue({ id });
      // a1 is in default, left and right; a2 only in apart; nobody can take work yet.
      await agent(store, 'a1', ['default', 'left', 'right'], { capacity: 10, presence: 'Offline' });
      await agent(store, 'a2', ['apart'], { capacity: 10, presence: 'Offline' });
      await enter(store, 'l1', { queueId: 'left' });
      await enter(store, 'r1', { queueId: 'right', units: 20 });
      await enter(store, 'p1', { queueId: 'apart' });
      await enter(store, 'd1');
      expect(await store.queuesWithWorkSharingMembers('default')).toEqual([]);
      await store.setPresence('a2', 'Available');
      await store.setPresence('a1', 'Available');
      // left's work fits a1's room; right's is too big for it; apart shares no member; default is the asker.
      expect(await store.queuesWithWorkSharingMembers('default')).toEqual(['left']);
      expect(await store.queuesWithWorkSharingMembers('right')).toEqual(['default', 'left']);
      expect(await store.queuesWithWorkSharingMembers('apart')).toEqual([]);
    });

    it('passes over a conversation the agent declined or transferred away', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { capacity: 10 });
      await agent(store, 'a2', ['default'], { capacity: 10, presence: 'Offline' });
      await enter(store, 'c1');
      // a1 transfers it back to the queue: it is not pushed to a1 again, but to a2 once a2 is there.
      const back = await store.applyConversation({
        view: view('c1', { agentId: null, lastAgentId: 'a1', version: 3 }),
        release: true,
        dequeue: false,
        enqueue: {
          conversationId: 'c1',
          queueId: 'default',
          priority: 10,
          units: 10,
          enqueuedAt: '2025-01-01T00:01:00.000Z',
          preferredAgentId: null,
        },
        route: true,
        exclude: 'a1',
      });
      expect(back.matched).toBeNull();
      await store.setPresence('a2', 'Available');
      expect(await store.fillAgent('a1')).toEqual([]);
      expect((await store.fillAgent('a2')).map((m) => m.conversationId)).toEqual(['c1']);
    });
  });
}
