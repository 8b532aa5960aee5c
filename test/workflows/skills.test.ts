import { invariantViolations } from '../helpers/invariants';
import type { Harness } from './conversation-fixture';
import { eventually, snapshot, startConversation, startHarness, stopHarness } from './conversation-fixture';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    seed: {
      queues: [{ id: 'billing' }],
      agents: [
        { id: 'marie', capacity: 10, presence: 'Offline', queues: ['billing'], skills: { french: 9 } },
        { id: 'sam', capacity: 10, presence: 'Offline', queues: ['billing'], skills: { french: 4 } },
      ],
    },
  });
});
afterAll(() => stopHarness(h));

const french = (relaxAfterMs: number | null) => [{ skill: 'french', minProficiency: 8, relaxAfterMs }];

describe('skills with timed relaxation', () => {
  it('waits for an agent with the skill, then relaxes it by a durable timer and is assigned to one without', async () => {
    await h.changes.setPresence('sam', 'Available');
    const handle = await startConversation(h, { queueId: 'billing', requirements: french(60_000) });
    const waiting = await eventually(handle, (s) => s.routing.waiting !== null);
    expect(waiting).toMatchObject({ state: 'Open', requirements: french(60_000) });
    expect(waiting.routing.waiting).toBe('no Available or Busy agent of queue billing has french >= 8');

    await h.env.sleep(55_000);
    expect((await snapshot(handle)).state).toBe('Open');
    await h.env.sleep(10_000);
    const assigned = await eventually(handle, (s) => s.state === 'Active');
    expect(assigned).toMatchObject({ agentId: 'sam', requirements: [] });
    expect(assigned.routing.relaxed).toEqual([{ skill: 'french', minProficiency: 8, at: expect.any(String) }]);
    expect(assigned.routing.pushedTo).toEqual(['sam']);
    expect(assigned.transitions.map((t) => t.op)).toEqual(['start', 'relax', 'assign']);
    expect(await invariantViolations(h.store, [assigned])).toEqual([]);
    await h.store.setPresence('sam', 'Offline');
  });

  it('never relaxes a requirement without a wait, and goes to the agent who has the skill when one comes', async () => {
    const handle = await startConversation(h, { queueId: 'billing', requirements: french(null) });
    await eventually(handle, (s) => s.routing.waiting !== null);
    await h.env.sleep(30 * 60_000 - 60_000);
    expect(await snapshot(handle)).toMatchObject({ state: 'Open', requirements: french(null) });
    await h.changes.setPresence('marie', 'Available');
    expect(await eventually(handle, (s) => s.state === 'Active')).toMatchObject({ agentId: 'marie' });
  });
});
