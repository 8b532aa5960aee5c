import type { WorkflowHandle } from '@temporalio/client';
import { snapshotQuery } from '../../workflows/messages';
import { invariantViolations } from '../helpers/invariants';
import { createTestWorker } from '../helpers/test-worker';
import type { Harness } from './conversation-fixture';
import { startConversation, startHarness, stopHarness, until } from './conversation-fixture';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    devServer: true,
    redeliverAfterMs: 500,
    seed: {
      queues: [{ id: 'support' }],
      agents: ['r1', 'r2', 'r3'].map((id) => ({ id, capacity: 30, presence: 'Offline' as const, queues: ['support'] })),
    },
  });
});
afterAll(() => stopHarness(h));

async function all(handles: WorkflowHandle[]) {
  return Promise.all(handles.map((x) => x.query(snapshotQuery)));
}

describe('a worker restart in the middle of routing', () => {
  it('loses no conversation, assignment or capacity: routing resumes where it stopped', async () => {
    const handles: WorkflowHandle[] = [];
    for (let i = 0; i < 12; i++) handles.push(await startConversation(h, { queueId: 'support', units: 10 }));
    await until(async () => (await h.store.listQueueEntries('support')).length === 12);

    // Agents become Available and routing starts; the worker dies while it is under way.
    await Promise.all(['r1', 'r2', 'r3'].map((id) => h.changes.setPresence(id, 'Available')));
    await until(async () => (await h.store.listReservations()).length > 0, 10_000);
    h.worker.shutdown();
    await h.running;

    // While no worker runs: more conversations arrive.
    for (let i = 0; i < 3; i++) handles.push(await startConversation(h, { queueId: 'support', units: 10 }));

    const restarted = await createTestWorker({ env: h.env, store: h.store, taskQueue: h.taskQueue, redeliverAfterMs: 500 });
    h.worker = restarted.worker;
    h.running = restarted.worker.run();

    // 3 agents x 30 units = 9 conversations fit; the other 6 wait.
    await until(async () => (await all(handles)).filter((s) => s.state === 'Active').length === 9, 60_000);
    const snapshots = await all(handles);
    expect(snapshots.filter((s) => s.state === 'Open')).toHaveLength(6);
    await until(async () => (await h.store.listReservations()).length === 9);
    expect(await invariantViolations(h.store, snapshots)).toEqual([]);
    expect((await h.store.listAgents()).map((a) => a.usedUnits)).toEqual([30, 30, 30]);
  }, 120_000);
});
