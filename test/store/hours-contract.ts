import { EventType } from '../../src/domain/events';
import type { BusinessHours } from '../../src/domain/business-hours';
import type { Store } from '../../src/store/store';
import type { QueueEntry } from '../../src/store/types';
import type { ApiTablesContext } from './api-tables-contract';
import { agent, expectConsistent, view } from './store-fixtures';

// The test clock starts on Wednesday 1 January 2025 at 00:00 UTC, 01:00 in Paris.
const PARIS_DAY: BusinessHours = { timeZone: 'Europe/Paris', weekly: { wed: [{ from: '08:00', to: '18:00' }] } };
const OPENS = '2025-01-01T07:00:00.000Z';
const CLOSES = '2025-01-01T17:00:00.000Z';

/** A conversation entering its queue, routing on the write (the workflow's first activity). */
function enter(store: Store, id: string, queueId: string, opts: { pushable?: boolean } = {}) {
  const entry: QueueEntry = {
    conversationId: id,
    queueId,
    priority: 10,
    units: 10,
    enqueuedAt: '2025-01-01T00:00:00.000Z',
    preferredAgentId: null,
    ...(opts.pushable === false && { pushable: false }),
  };
  return store.applyConversation({
    view: view(id, { queueId, offersStopped: opts.pushable === false }),
    release: false,
    dequeue: false,
    enqueue: entry,
    route: true,
  });
}

/** Business hours: a closed queue pushes nothing, says until when, opens and closes on time, and hands work to its out-of-hours queue. */
export function describeBusinessHours(ctx: ApiTablesContext): void {
  describe('business hours', () => {
    it('pushes nothing while closed, tells why and until when, and matches what waited once it opens', async () => {
      const store = ctx.store();
      const { latestId } = await store.eventLogBounds();
      const queue = await store.upsertQueue({ id: 'billing', hours: PARIS_DAY });
      expect(queue).toMatchObject({ hours: PARIS_DAY, open: false, hoursChangeAt: OPENS });
      await agent(store, 'a1', ['billing'], { capacity: 30 });

      const outcome = await enter(store, 'c1', 'billing');
      expect(outcome).toMatchObject({
        matched: null,
        watch: ['billing'],
        waiting: `queue billing is closed until 2025-01-01 08:00 Europe/Paris (${OPENS})`,
      });
      expect(await store.dispatch('billing', 10)).toEqual([]);
      expect(await store.hasDispatchableWork('billing')).toBe(false);
      expect((await store.listQueueEntries('billing')).map((e) => e.conversationId)).toEqual(['c1']);

      // Still closed one minute early; at 08:00 Paris it opens, and the waiting conversation is matched.
      expect(await store.applyQueueHours('billing', '2025-01-01T06:59:00.000Z')).toEqual({
        open: false,
        nextChangeAt: OPENS,
        changed: false,
      });
      expect(await store.applyQueueHours('billing', OPENS)).toEqual({ open: true, nextChangeAt: CLOSES, changed: true });
      expect(await store.dispatch('billing', 10)).toEqual([expect.objectContaining({ conversationId: 'c1', agentId: 'a1' })]);
      expect((await store.listQueues()).find((q) => q.id === 'billing')).toMatchObject({ open: true, hoursChangeAt: CLOSES });

      // At 18:00 it closes again: a newcomer waits until next Wednesday.
      expect(await store.applyQueueHours('billing', CLOSES)).toMatchObject({ open: false, nextChangeAt: '2025-01-08T07:00:00.000Z' });
      expect(await enter(store, 'c2', 'billing')).toMatchObject({
        matched: null,
        waiting: expect.stringContaining('closed until 2025-01-08 08:00'),
      });
      expect(await expectConsistent(store)).toBe(1);

      const hours = (await store.listEvents(latestId, 100)).filter((e) => e.type === EventType.QueueHours);
      expect(hours.map((e) => [e.queueId, e.data])).toEqual([
        ['billing', { open: false, changeAt: OPENS, outOfHoursQueueId: null }],
        ['billing', { open: true, changeAt: CLOSES, outOfHoursQueueId: null }],
        ['billing', { open: false, changeAt: '2025-01-08T07:00:00.000Z', outOfHoursQueueId: null }],
      ]);
    });

    it('opens a queue whose opening time passed without a dispatcher, on the next enqueue', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'billing', hours: PARIS_DAY });
      await agent(store, 'a1', ['billing']);
      ctx.clock().tick(8 * 3_600_000);
      expect(await enter(store, 'c1', 'billing')).toMatchObject({ matched: { agentId: 'a1' }, waiting: null });
    });

    it('keeps an entry whose offers stopped unpushed when its queue opens', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'billing', hours: PARIS_DAY });
      await agent(store, 'a1', ['billing']);
      await enter(store, 'c1', 'billing', { pushable: false });
      await enter(store, 'c2', 'billing');
      await store.applyQueueHours('billing', OPENS);
      expect((await store.dispatch('billing', 10)).map((a) => a.conversationId)).toEqual(['c2']);
      expect(await store.listQueueEntries('billing')).toEqual([expect.objectContaining({ conversationId: 'c1', pushable: false })]);
    });

    it('moves everything waiting in a closed queue to its out-of-hours queue, only while that one is open', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'general' });
      await store.upsertQueue({ id: 'billing', hours: PARIS_DAY, outOfHoursQueueId: 'general' });
      expect(await enter(store, 'c1', 'billing')).toMatchObject({ waiting: 'queue billing is closed: moving to queue general' });
      await enter(store, 'c2', 'billing');
      const due = await store.overflowDue('billing', new Date('2025-01-01T00:00:00.000Z'), 10);
      expect(due).toMatchObject({ toQueueId: 'general', reason: 'outOfHours', nextAt: null });
      expect(due.due.map((e) => e.conversationId)).toEqual(['c1', 'c2']);

      // Two closed queues pointing at each other keep their conversations, and say until when.
      await store.upsertQueue({ id: 'general', hours: PARIS_DAY, outOfHoursQueueId: 'billing' });
      expect(await store.overflowDue('billing', new Date('2025-01-01T00:00:00.000Z'), 10)).toMatchObject({ due: [] });
      expect(await enter(store, 'c3', 'billing')).toMatchObject({
        waiting: expect.stringMatching(/^queue billing is closed until 2025-01-01 08:00/),
      });
      // Open, it has nothing to move.
      await store.applyQueueHours('billing', OPENS);
      expect(await store.overflowDue('billing', new Date(OPENS), 10)).toMatchObject({ due: [], reason: 'overflow' });
    });

    it('refuses malformed hours or a queue as its own out-of-hours queue, naming the field and changing nothing', async () => {
      const store = ctx.store();
      await store.upsertQueue({ id: 'billing', name: 'Billing' });
      const bad: BusinessHours = { timeZone: 'Europe/Paris', weekly: { wed: [{ from: '18:00', to: '08:00' }] } };
      await expect(store.upsertQueue({ id: 'billing', name: 'Changed', hours: bad })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('hours.weekly.wed[0].to: must be after from'),
      });
      await expect(store.upsertQueue({ id: 'billing', hours: { ...bad, timeZone: 'Nowhere/Else' } })).rejects.toMatchObject({
        message: expect.stringContaining('hours.timeZone: unknown time zone'),
      });
      await expect(store.upsertQueue({ id: 'billing', outOfHoursQueueId: 'billing' })).rejects.toMatchObject({
        message: expect.stringContaining('outOfHoursQueueId'),
      });
      expect(await store.getQueue('billing')).toMatchObject({ name: 'Billing', hours: null, outOfHoursQueueId: null, open: true });
    });
  });
}
