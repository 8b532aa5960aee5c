import { ErrorCode } from '../../src/domain/errors';
import type { WebhookEventTypes } from '../../src/domain/webhooks';
import { StoreError } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { NewWebhookEndpoint } from '../../src/store/webhooks/webhook-registry';
import { pruneEventsHeldForWebhooks } from '../../src/webhooks/retention';
import type { ApiTablesContext } from './api-tables-contract';
import { agent, enqueue } from './store-fixtures';

const DAY_MS = 86_400_000;

function endpoint(
  id: string,
  eventTypes: WebhookEventTypes = ['agent.presence'],
  patch: Partial<NewWebhookEndpoint> = {},
): NewWebhookEndpoint {
  return { id, url: 'https://receiver.example/hooks', eventTypes, description: null, sealedSecret: `sealed-${id}`, ...patch };
}

async function latest(store: Store): Promise<number> {
  return (await store.eventLogBounds()).latestId;
}

/** Presence changes of agent `a1` (one agent.presence event each). */
async function presenceChanges(store: Store, count: number): Promise<void> {
  const cycle = ['Available', 'Away', 'Busy', 'Offline'] as const;
  const current = (await store.getAgent('a1'))?.presence;
  let i = Math.max(
    0,
    cycle.findIndex((p) => p === current),
  );
  for (let n = 0; n < count; n++) {
    i = (i + 1) % cycle.length;
    await store.setPresence('a1', cycle[i] ?? 'Available');
  }
}

/** The contract of the webhook registry (migration 10): endpoints, batches after a cursor, deliveries, retention. */
export function describeWebhookRegistry(ctx: ApiTablesContext): void {
  describe('webhook registry', () => {
    it('registers an endpoint that receives the subscribed events committed after it, in id order, and no others', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { presence: 'Offline' });
      await presenceChanges(store, 2);
      const before = await latest(store);
      const registered = await store.addWebhookEndpoint(endpoint('w1', ['agent.presence']));
      expect(registered).toEqual({
        id: 'w1',
        url: 'https://receiver.example/hooks',
        eventTypes: ['agent.presence'],
        description: null,
        createdAt: '2025-01-01T00:00:00.000Z',
        startAfterEventId: before,
        cursor: before,
        status: 'active',
        failingSince: null,
        failingReason: null,
      });
      await enqueue(store, 'c1');
      await presenceChanges(store, 3);
      const batch = await store.nextWebhookEvents('w1', registered.cursor, 100);
      const all = await store.listEvents(before, 100);
      const presence = all.filter((e) => e.type === 'agent.presence');
      expect(presence).toHaveLength(3);
      expect(all.length).toBeGreaterThan(presence.length);
      expect(batch).toEqual({
        events: presence.map((e) => ({ id: e.id, type: 'agent.presence' })),
        through: await latest(store),
        more: false,
      });
    });

    it('reads in batches: `through` stops at the last event of a full batch, and `more` says to read again', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { presence: 'Offline' });
      const w = await store.addWebhookEndpoint(endpoint('w1', ['*']));
      await presenceChanges(store, 5);
      const first = await store.nextWebhookEvents('w1', w.cursor, 2);
      expect(first?.events).toHaveLength(2);
      expect(first?.through).toBe(first?.events[1]?.id);
      expect(first?.more).toBe(true);
      const rest = await store.nextWebhookEvents('w1', first?.through ?? 0, 100);
      expect(rest?.events).toHaveLength(3);
      expect(rest?.more).toBe(false);
      // Reading after a point records it as the cursor; it never moves back.
      expect((await store.getWebhookEndpoint('w1'))?.cursor).toBe(first?.through);
      await store.nextWebhookEvents('w1', w.cursor, 100);
      expect((await store.getWebhookEndpoint('w1'))?.cursor).toBe(first?.through);
      // An empty read records how far it looked: nothing up to there is subscribed.
      await enqueue(store, 'c1');
      const narrow = await store.addWebhookEndpoint(endpoint('w2', ['conversation.offer']));
      await presenceChanges(store, 2);
      const empty = await store.nextWebhookEvents('w2', narrow.cursor, 100);
      expect(empty).toEqual({ events: [], through: await latest(store), more: false });
      expect((await store.getWebhookEndpoint('w2'))?.cursor).toBe(await latest(store));
    });

    it('answers the endpoint already registered for a retried id, keeping its first secret', async () => {
      const store = ctx.store();
      const first = await store.addWebhookEndpoint(endpoint('w1'));
      ctx.clock().tick();
      const again = await (await ctx.openAnother()).addWebhookEndpoint(endpoint('w1', ['*'], { sealedSecret: 'other' }));
      expect(again).toEqual(first);
      expect(await store.getWebhookTarget('w1')).toEqual({ id: 'w1', url: 'https://receiver.example/hooks', sealedSecret: 'sealed-w1' });
      expect(await store.listWebhookEndpoints()).toEqual([first]);
      expect(JSON.stringify(await store.listWebhookEndpoints())).not.toContain('sealed');
    });

    it('refuses a malformed endpoint and stores nothing', async () => {
      const store = ctx.store();
      const bad: NewWebhookEndpoint[] = [
        endpoint('w1', ['agent.presence'], { url: 'ftp://receiver.example/' }),
        endpoint('w1', ['agent.presence'], { url: 'https://user:pw@receiver.example/' }),
        endpoint('w1', []),
        endpoint('w1', ['*', 'agent.presence']),
        endpoint('w1', ['agent.presence', 'agent.presence']),
        { ...endpoint('w1'), eventTypes: ['agent.gone'] } as unknown as NewWebhookEndpoint,
        endpoint('bad id'),
      ];
      for (const input of bad) {
        const refusal = await store.addWebhookEndpoint(input).catch((e: unknown) => e);
        expect(refusal).toBeInstanceOf(StoreError);
        expect((refusal as StoreError).code).toBe(ErrorCode.InvalidInput);
      }
      expect(await store.listWebhookEndpoints()).toEqual([]);
    });

    it('records attempts: pending ones count, delivered moves the cursor, failed marks the endpoint failing until the next delivery', async () => {
      const store = ctx.store();
      await agent(store, 'a1', ['default'], { presence: 'Offline' });
      const w = await store.addWebhookEndpoint(endpoint('w1'));
      await presenceChanges(store, 2);
      const [e1, e2] = (await store.nextWebhookEvents('w1', w.cursor, 10))?.events ?? [];
      if (!e1 || !e2) throw new Error('expected two events');
      const ref1 = { endpointId: 'w1', eventId: e1.id, eventType: e1.type };
      await store.recordWebhookAttempt({ ...ref1, status: 'pending', attempted: true, httpStatus: null, error: 'connect ECONNREFUSED' });
      ctx.clock().tick();
      await store.recordWebhookAttempt({ ...ref1, status: 'pending', attempted: true, httpStatus: 500, error: null });
      expect((await store.getWebhookEndpoint('w1'))?.cursor).toBe(w.cursor);
      ctx.clock().tick();
      await store.recordWebhookAttempt({ ...ref1, status: 'failed', attempted: false, httpStatus: null, error: null });
      const failing = await store.getWebhookEndpoint('w1');
      expect(failing).toMatchObject({ cursor: e1.id, status: 'failing', failingSince: '2025-01-01T00:00:02.000Z' });
      expect(failing?.failingReason).toContain(`event ${e1.id}`);
      ctx.clock().tick();
      const ref2 = { endpointId: 'w1', eventId: e2.id, eventType: e2.type };
      await store.recordWebhookAttempt({ ...ref2, status: 'delivered', attempted: true, httpStatus: 204, error: null });
      expect(await store.getWebhookEndpoint('w1')).toMatchObject({
        cursor: e2.id,
        status: 'active',
        failingSince: null,
        failingReason: null,
      });
      expect(await store.listWebhookDeliveries('w1', { limit: 10 })).toEqual([
        {
          eventId: e2.id,
          eventType: 'agent.presence',
          status: 'delivered',
          attempts: 1,
          lastHttpStatus: 204,
          lastError: null,
          firstAttemptAt: '2025-01-01T00:00:03.000Z',
          lastAttemptAt: '2025-01-01T00:00:03.000Z',
          completedAt: '2025-01-01T00:00:03.000Z',
        },
        {
          eventId: e1.id,
          eventType: 'agent.presence',
          status: 'failed',
          attempts: 2,
          lastHttpStatus: 500,
          lastError: null,
          firstAttemptAt: '2025-01-01T00:00:00.000Z',
          lastAttemptAt: '2025-01-01T00:00:01.000Z',
          completedAt: '2025-01-01T00:00:02.000Z',
        },
      ]);
      expect((await store.listWebhookDeliveries('w1', { limit: 10, status: 'failed' })).map((d) => d.eventId)).toEqual([e1.id]);
      expect((await store.listWebhookDeliveries('w1', { limit: 1 })).map((d) => d.eventId)).toEqual([e2.id]);
    });

    it('keeps the newest 1,000 deliveries of an endpoint', async () => {
      const store = ctx.store();
      await store.addWebhookEndpoint(endpoint('w1'));
      for (let id = 1; id <= 1003; id++) {
        await store.recordWebhookAttempt({
          endpointId: 'w1',
          eventId: id,
          eventType: 'agent.presence',
          status: 'delivered',
          attempted: true,
          httpStatus: 200,
          error: null,
        });
      }
      const kept = await store.listWebhookDeliveries('w1', { limit: 1000 });
      expect(kept).toHaveLength(1000);
      expect(kept[0]?.eventId).toBe(1003);
      expect(kept[999]?.eventId).toBe(4);
    });

    it('deletes an endpoint with its deliveries; afterwards its reads and records answer that it is gone', async () => {
      const store = ctx.store();
      await store.addWebhookEndpoint(endpoint('w1'));
      await store.addWebhookEndpoint(endpoint('w2'));
      const ref = { endpointId: 'w1', eventId: 1, eventType: 'agent.presence' as const };
      await store.recordWebhookAttempt({ ...ref, status: 'delivered', attempted: true, httpStatus: 200, error: null });
      expect(await store.deleteWebhookEndpoint('w1')).toBe(true);
      expect(await store.deleteWebhookEndpoint('w1')).toBe(false);
      expect(await store.getWebhookEndpoint('w1')).toBeNull();
      expect(await store.getWebhookTarget('w1')).toBeNull();
      expect(await store.nextWebhookEvents('w1', 0, 10)).toBeNull();
      expect(await store.recordWebhookAttempt({ ...ref, status: 'pending', attempted: true, httpStatus: 500, error: null })).toBe(false);
      expect(await store.listWebhookDeliveries('w1', { limit: 10 })).toEqual([]);
      expect((await store.listWebhookEndpoints()).map((e) => e.id)).toEqual(['w2']);
    });

    describe('retention', () => {
      it('never prunes events an endpoint has not handled, and prunes them once it has', async () => {
        const store = ctx.store();
        await agent(store, 'a1', ['default'], { presence: 'Offline' });
        const w = await store.addWebhookEndpoint(endpoint('w1'));
        await presenceChanges(store, 3);
        ctx.clock().tick(2 * DAY_MS);
        await presenceChanges(store, 1);
        const now = ctx.clock().now();
        const before = new Date(now.getTime() - DAY_MS);
        // Everything from before `before` after the cursor stays: the endpoint has not delivered it.
        const held = await store.listEvents(w.cursor, 100);
        const handled = (await store.listEvents(0, 1000)).filter((e) => e.id <= w.cursor).length;
        expect(await pruneEventsHeldForWebhooks(store, before, { now })).toBe(handled);
        expect(await store.listEvents(w.cursor, 100)).toEqual(held);
        // Once delivered (the cursor passed them), they go.
        const old = held.filter((e) => Date.parse(e.at) < before.getTime());
        expect(old).toHaveLength(3);
        await store.nextWebhookEvents('w1', old[old.length - 1]?.id ?? 0, 10);
        expect(await pruneEventsHeldForWebhooks(store, before, { now })).toBe(3);
        expect((await store.listEvents(0, 100)).map((e) => e.id)).toEqual(held.slice(3).map((e) => e.id));
        expect((await store.getWebhookEndpoint('w1'))?.status).toBe('active');
      });

      it('prunes events held past the hard cap anyway and marks the endpoints still waiting for them failing', async () => {
        const store = ctx.store();
        await agent(store, 'a1', ['default'], { presence: 'Offline' });
        const behind = await store.addWebhookEndpoint(endpoint('behind'));
        await presenceChanges(store, 2);
        ctx.clock().tick(8 * DAY_MS);
        await presenceChanges(store, 1);
        const upToDate = await store.addWebhookEndpoint(endpoint('up-to-date'));
        const now = ctx.clock().now();
        const all = await store.listEvents(behind.cursor, 100);
        expect(
          await pruneEventsHeldForWebhooks(store, new Date(now.getTime() - DAY_MS), { now, maxHoldMs: 7 * DAY_MS }),
        ).toBeGreaterThanOrEqual(2);
        expect((await store.listEvents(behind.cursor, 100)).map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
        const failing = await store.getWebhookEndpoint('behind');
        expect(failing).toMatchObject({ status: 'failing', failingSince: now.toISOString() });
        expect(failing?.failingReason).toContain('pruned before delivery');
        expect((await store.getWebhookEndpoint('up-to-date'))?.status).toBe(upToDate.status);
      });

      it('prunes by age alone when no endpoint is registered', async () => {
        const store = ctx.store();
        await agent(store, 'a1', ['default'], { presence: 'Offline' });
        await presenceChanges(store, 2);
        ctx.clock().tick(2 * DAY_MS);
        const now = ctx.clock().now();
        const count = (await store.listEvents(0, 1000)).length;
        expect(await pruneEventsHeldForWebhooks(store, new Date(now.getTime() - DAY_MS), { now })).toBe(count);
        expect(await store.listEvents(0, 1000)).toEqual([]);
      });
    });
  });
}
