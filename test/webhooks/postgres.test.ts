import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import { verifyWebhookSignature } from '../../src/webhooks/signature';
import { createTestSchema } from '../helpers/postgres-schema';
import type { WebhookHarness } from './harness';
import { presenceEvents, register, settledDeliveries, startWebhookHarness } from './harness';
import { Receiver } from './receiver';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';

// Several processes on one PostgreSQL store: the API registers, a third process
// commits the events, and the worker's notifier hears of them by LISTEN/NOTIFY.
const url = process.env.TEST_DATABASE_URL ?? '';

describeWhen(postgresMissing(), 'webhooks over PostgreSQL', () => {
  let h: WebhookHarness;
  let writer: Store;
  let drop: () => Promise<void>;
  let r: Receiver;

  beforeAll(async () => {
    const test = await createTestSchema(url, 'webhooks_test');
    drop = test.drop;
    const open = () => createStore({ databaseUrl: url, postgresSchema: test.schema, sqliteFile: ':memory:' });
    h = await startWebhookHarness({ devServer: true, openStore: open, openWorkerStore: open });
    writer = await open();
    r = await Receiver.start();
  }, 60_000);
  afterAll(async () => {
    await r?.down();
    await writer?.close();
    await h?.stop();
    await drop?.();
  });

  it('delivers in order the events another process commits, woken across processes', async () => {
    const { id, secret } = await register(h, r.url());
    const sent = await presenceEvents(writer, 4);
    await r.until((x) => x.accepted.length >= sent.length);
    expect(r.accepted.map((q) => q.event.id)).toEqual(sent);
    for (const q of r.accepted) expect(verifyWebhookSignature(secret, q.headers['convoflow-signature'] as string, q.body)).toBe(true);
    expect((await settledDeliveries(h, id, sent.length)).map((d) => [d.eventId, d.status])).toEqual(
      [...sent].reverse().map((e) => [e, 'delivered']),
    );
  });
});
