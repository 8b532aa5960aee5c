import { ConfigError, DEFAULT_EVENT_RETENTION_MS, loadConfig } from '../../src/config';
import { startEventRetention } from '../../src/live/retention';
import { createStore } from '../../src/store';
import { TestClock } from '../store/store-fixtures';

describe('event retention', () => {
  it('prunes events older than the retention at start and periodically, keeping newer ones', async () => {
    const clock = new TestClock();
    const store = await createStore({ sqliteFile: ':memory:', clock: clock.now });
    try {
      await store.upsertAgent({ id: 'dana', presence: 'Offline' });
      await store.setPresence('dana', 'Away');
      const old = (await store.eventLogBounds()).latestId;
      clock.tick(2 * 60 * 60 * 1000);
      await store.setPresence('dana', 'Available');
      const stop = startEventRetention(store, 60 * 60 * 1000, { now: () => clock.now().getTime(), intervalMs: 20 });
      try {
        const deadline = Date.now() + 5_000;
        while ((await store.eventLogBounds()).prunedThrough < old && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect((await store.eventLogBounds()).prunedThrough).toBe(old);
        const kept = await store.listEvents(0, 100);
        expect(kept.map((e) => [e.type, e.data])).toEqual([['agent.presence', { presence: 'Available', previous: 'Away', reason: null }]]);
        // Later, periodically: once the newer event is older than the retention too, it goes.
        clock.tick(2 * 60 * 60 * 1000);
        while ((await store.listEvents(0, 100)).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(await store.listEvents(0, 100)).toEqual([]);
      } finally {
        stop();
      }
    } finally {
      await store.close();
    }
  });

  it('keeps what a webhook endpoint has not delivered yet, until the hold cap, then prunes it and marks the endpoint failing', async () => {
    const clock = new TestClock();
    const store = await createStore({ sqliteFile: ':memory:', clock: clock.now });
    const until = async (done: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 5_000;
      while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await store.addWebhookEndpoint({
        id: 'crm',
        url: 'https://crm.example/hook',
        eventTypes: ['*'],
        description: null,
        sealedSecret: 'x',
      });
      await store.upsertAgent({ id: 'dana', presence: 'Offline' });
      await store.setPresence('dana', 'Away');
      const held = (await store.eventLogBounds()).latestId;
      clock.tick(2 * 60 * 60 * 1000);
      const options = { now: () => clock.now().getTime(), intervalMs: 20, maxHoldMs: 5 * 60 * 60 * 1000 };
      let stop = startEventRetention(store, 60 * 60 * 1000, options);
      try {
        await new Promise((r) => setTimeout(r, 200));
        // Older than the retention, but the endpoint has not handled them.
        expect((await store.listEvents(0, 100)).length).toBe(held);
        expect(await store.getWebhookEndpoint('crm')).toMatchObject({ status: 'active' });
      } finally {
        stop();
      }
      // Past the hold cap they go anyway, and the endpoint says why it is behind.
      clock.tick(4 * 60 * 60 * 1000);
      stop = startEventRetention(store, 60 * 60 * 1000, options);
      try {
        await until(async () => (await store.eventLogBounds()).prunedThrough >= held);
        expect((await store.eventLogBounds()).prunedThrough).toBe(held);
        expect(await store.getWebhookEndpoint('crm')).toMatchObject({ status: 'failing' });
      } finally {
        stop();
      }
    } finally {
      await store.close();
    }
  });

  it('reads CONVOFLOW_EVENT_RETENTION (default 24h, "none" keeps all) and TEMPORAL_UI_URL', () => {
    expect(loadConfig({}).live).toEqual({ eventRetentionMs: DEFAULT_EVENT_RETENTION_MS, temporalUiUrl: null });
    expect(DEFAULT_EVENT_RETENTION_MS).toBe(24 * 60 * 60 * 1000);
    expect(loadConfig({ CONVOFLOW_EVENT_RETENTION: '2h', TEMPORAL_UI_URL: 'https://temporal.example/ui/' }).live).toEqual({
      eventRetentionMs: 2 * 60 * 60 * 1000,
      temporalUiUrl: 'https://temporal.example/ui',
    });
    expect(loadConfig({ CONVOFLOW_EVENT_RETENTION: 'none' }).live.eventRetentionMs).toBeNull();
    let message = '';
    try {
      loadConfig({ CONVOFLOW_EVENT_RETENTION: 'soon', TEMPORAL_UI_URL: 'temporal:8233' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('CONVOFLOW_EVENT_RETENTION: expected a duration');
    expect(message).toContain('TEMPORAL_UI_URL=temporal:8233: expected an http:// or https:// URL');
  });
});
