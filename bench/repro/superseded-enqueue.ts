/**
 * `node dist/bench/repro/superseded-enqueue.js`: the store's answer when a
 * conversation's first workflow task is retried after both of its writes
 * committed (the task timed out on the server, e.g. under load, or the worker
 * died before completing it). Attempt 1 wrote the enqueue (version 1), which
 * matched and reserved, then the Active row (version 2); the retry replays from
 * a history without their markers and writes the enqueue again. Before
 * 19a6f55 the store treated version 1 < 2 as a superseded write and answered
 * no match, so the replayed workflow stayed Open while the agent's capacity
 * stayed reserved (invariant 2), in no queue; now it answers the match it made
 * (prints "ok"; anything else exits 1). Kept as a check anyone can run. In-memory SQLite.
 */
import { createStore } from '../../src/store';
import type { ApplyConversationInput } from '../../src/store/conversation-write';
import { enqueueWrite } from '../fixtures';

async function main(): Promise<void> {
  const store = await createStore({ sqliteFile: ':memory:' });
  try {
    await store.upsertQueue({ id: 'q' });
    await store.upsertAgent({ id: 'a', capacity: 100, presence: 'Available', queues: ['q'] });
    const enqueue: ApplyConversationInput = { ...enqueueWrite('c1', 'q', new Date().toISOString()), route: true };
    const first = await store.applyConversation(enqueue);
    console.log(`attempt 1, enqueue (version 1): matched ${JSON.stringify(first.matched)}`);
    const active = { ...enqueue.view, state: 'Active' as const, agentId: 'a', lastAgentId: 'a', version: 2 };
    await store.applyConversation({
      view: active,
      release: false,
      dequeue: false,
      enqueue: null,
      acquire: { kind: 'claim', agentId: 'a' },
      route: true,
    });
    console.log(`attempt 1, Active write (version 2): read model ${(await store.getConversation('c1'))?.state}`);
    const retried = await store.applyConversation(enqueue);
    const held = await store.listReservations();
    console.log(`attempt 2, enqueue again (version 1): matched ${JSON.stringify(retried.matched)}; reservations ${JSON.stringify(held)}`);
    const told = retried.matched?.agentId === 'a';
    const reserved = held.length === 1 && held[0]?.agentId === 'a' && held[0]?.conversationId === 'c1';
    if (told && reserved) {
      console.log('ok: the replayed workflow is told its match again, and one reservation is held');
    } else {
      // Any other outcome is a defect: exit non-zero so a script or CI notices.
      console.log(
        retried.matched === null && held.length === 1
          ? 'DEFECT: the replayed workflow is told "no match" and stays Open while its reservation is held'
          : `DEFECT: the retried enqueue was told ${JSON.stringify(retried.matched)} with reservations ${JSON.stringify(held)}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
