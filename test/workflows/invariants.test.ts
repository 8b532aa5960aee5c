import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { ALL_PRESENCES } from '../../src/domain/presence';
import type { Skills } from '../../src/domain/skills';
import { createStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import {
  acceptUpdate,
  closeTabUpdate,
  declineUpdate,
  customerEndUpdate,
  disconnectUpdate,
  endUpdate,
  pickUpdate,
  reopenUpdate,
  reviveUpdate,
  transferUpdate,
} from '../../workflows/messages';
import { invariantViolations } from '../helpers/invariants';
import { createTestSchema } from '../helpers/postgres-schema';
import { workflowBundle } from '../helpers/test-worker';
import type { Harness } from './conversation-fixture';
import { snapshot, startConversation, startHarness, stopHarness } from './conversation-fixture';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';

const QUEUES = ['q-capacity', 'q-round-robin', 'q-least-active'];
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'];
const SKILLS = ['french', 'refunds'];
const CONVERSATIONS = 40;
const OPERATIONS = 250;
const TIME_CAP_MS = 90_000;

/** A small seeded generator, so a failing run can be replayed with the printed seed. */
function random(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Polls this many times in a row with nothing changed before calling the system quiet (a signal or task in flight on a loaded machine can take over a second). */
const QUIET_POLLS = 4;

async function quiet(h: Harness, handles: WorkflowHandle[]): Promise<ConversationSnapshot[]> {
  let previous = '';
  let unchanged = 0;
  // Offers in the offer-mode queue expire every 3 s, up to their decline limit: quiet can take a while.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const snapshots = await Promise.all(handles.map((x) => snapshot(x)));
    const views = await Promise.all(snapshots.map((s) => h.store.getConversation(s.conversationId)));
    const applied = snapshots.every((s, i) => views[i]?.version === s.version);
    const entries = await Promise.all(QUEUES.map((q) => h.store.listQueueEntries(q)));
    const agents = (await h.store.listAgents()).map((a) => [a.id, a.presence, a.usedUnits]);
    const fingerprint = JSON.stringify([snapshots.map((s) => s.version), await h.store.listReservations(), entries, agents]);
    unchanged = applied && fingerprint === previous ? unchanged + 1 : 0;
    if (unchanged >= QUIET_POLLS - 1) return snapshots;
    if (Date.now() > deadline) throw new Error('the system did not become quiet within 120 s');
    previous = fingerprint;
    await new Promise((r) => setTimeout(r, 700));
  }
}

async function run(h: Harness, seed: number, skills: boolean): Promise<void> {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const handles: WorkflowHandle[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    // A third require a skill some agents lack, half of those relaxable after a few seconds (a durable timer under load).
    const requirements =
      skills && rnd() < 0.33 ? [{ skill: pick(SKILLS), minProficiency: pick([3, 6, 9]), relaxAfterMs: pick([null, 4_000]) }] : [];
    handles.push(
      await startConversation(h, { queueId: pick(QUEUES), units: pick([5, 10, 15, 20]), priority: pick([1, 5, 10]), requirements }),
    );
  }
  const started = Date.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < OPERATIONS && Date.now() - started < TIME_CAP_MS; i++) {
    if (rnd() < 0.25) {
      inflight.push(h.changes.setPresence(pick(AGENTS), pick(ALL_PRESENCES)));
    } else {
      const handle = pick(handles);
      const s = await snapshot(handle);
      const actor = s.agentId ? { kind: 'agent' as const, id: s.agentId } : undefined;
      const offered = s.offer ? { actor: { kind: 'agent' as const, id: s.offer.agentId } } : null;
      const options: Record<string, () => Promise<unknown>> = {
        Open: () =>
          offered && rnd() < 0.6
            ? rnd() < 0.5
              ? handle.executeUpdate(acceptUpdate, { args: [offered] })
              : handle.executeUpdate(declineUpdate, { args: [offered] })
            : rnd() < 0.9
              ? handle.executeUpdate(pickUpdate, { args: [{ agentId: pick(AGENTS) }] })
              : handle.executeUpdate(disconnectUpdate, { args: [{}] }),
        Active: () =>
          pick([
            () => handle.executeUpdate(endUpdate, { args: [{ actor }] }),
            () => handle.executeUpdate(closeTabUpdate, { args: [{ actor }] }),
            () => handle.executeUpdate(transferUpdate, { args: [{ toQueueId: pick(QUEUES), actor }] }),
            () => handle.executeUpdate(transferUpdate, { args: [{ toAgentId: pick(AGENTS), actor: { kind: 'supervisor' } }] }),
          ])(),
        WrapUp: () => handle.executeUpdate(closeTabUpdate, { args: [{ actor }] }),
        Waiting: () =>
          pick([
            () => handle.executeUpdate(reopenUpdate, { args: [{ actor }] }),
            () => handle.executeUpdate(reviveUpdate, { args: [{}] }),
            () => handle.executeUpdate(customerEndUpdate, { args: [{}] }),
          ])(),
      };
      const op = options[s.state];
      // Refusals (no room, lost races, states moved on) are expected here; the invariants are what matter.
      if (op) inflight.push(op().catch(() => undefined));
    }
    if (inflight.length >= 8) await Promise.all(inflight.splice(0));
    if (i % 25 === 0) {
      const over = (await h.store.listAgents()).filter((a) => a.usedUnits > a.capacity);
      expect(over).toEqual([]);
    }
  }
  await Promise.all(inflight);
  const snapshots = await quiet(h, handles);
  expect(await invariantViolations(h.store, snapshots)).toEqual([]);
  // Invariant 7: every history this run produced replays deterministically (a worker restart replays them).
  const histories = await Promise.all(
    handles.map(async (x) => ({ workflowId: x.workflowId, history: await h.env.client.workflow.getHandle(x.workflowId).fetchHistory() })),
  );
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    expect({ workflowId: result.workflowId, error: result.error?.message }).toEqual({ workflowId: result.workflowId, error: undefined });
  }
  const states = snapshots.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.state]: (acc[s.state] ?? 0) + 1 }), {});
  console.log(`seed ${seed}: ${JSON.stringify(states)}`);
}

const seed = {
  queues: [
    { id: QUEUES[0] as string, assignmentMethod: 'highestCapacity' as const },
    // Offer mode, with a short countdown so offers also expire under load (a standing offer is a reservation).
    {
      id: QUEUES[1] as string,
      assignmentMethod: 'roundRobin' as const,
      offerMode: 'offer' as const,
      offerTimeoutMs: 3_000,
      missedOfferPresence: null,
    },
    { id: QUEUES[2] as string, assignmentMethod: 'leastActive' as const },
  ],
  agents: AGENTS.map((id, i) => ({
    id,
    capacity: 20 + (i % 4) * 10,
    presence: ALL_PRESENCES[i % ALL_PRESENCES.length],
    queues: QUEUES.filter((_, q) => (i + q) % 3 !== 0 || i % 2 === 0),
    // Proficiencies 1-10 spread over the agents; a2 and a5 have no skills at all.
    skills: (i % 3 === 2 ? {} : { french: 1 + ((i * 3) % 10), refunds: 10 - ((i * 4) % 10) }) as Skills,
  })),
};

function describeInvariants(
  name: string,
  openStore: () => Promise<{ store: () => Promise<Store>; cleanup: () => Promise<void> }>,
  skills: boolean,
) {
  describe(`invariants under random concurrent operations (${name})`, () => {
    let h: Harness | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await stopHarness(h);
      await cleanup?.();
    });

    it('keeps capacity within limits, reservations exact and work conserved after the system is quiet', async () => {
      const backend = await openStore();
      cleanup = backend.cleanup;
      // With a cache, as production runs, even under CONVOFLOW_TEST_WORKFLOW_CACHE=0: without one the
      // worker takes one workflow task at a time (workflowCacheOptions), so the store writes of
      // different conversations would no longer race, which is what this test is for. Every
      // history is still replayed (below, and again by stopHarness).
      h = await startHarness({ seed, openStore: backend.store, devServer: true, workflowCacheSize: 2_000 });
      await run(h, Number(process.env.INVARIANT_SEED ?? Date.now() % 1_000_000), skills);
    }, 330_000);
  });
}

// Skills on both stores. (On PostgreSQL the skills workload once did not become quiet within 120 s
// in some loaded runs, while store writes were local activities; since they are activities it
// passed every run: docs/known-defects.md has the count.)
describeInvariants(
  'SQLite',
  async () => ({
    store: () => createStore({ databaseUrl: null, sqliteFile: ':memory:' }),
    cleanup: async () => undefined,
  }),
  true,
);

const url = process.env.TEST_DATABASE_URL ?? '';
describeWhen(postgresMissing(), 'on PostgreSQL', () => {
  describeInvariants(
    'PostgreSQL',
    async () => {
      const { schema, drop } = await createTestSchema(url, 'invariants');
      return { store: () => createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:' }), cleanup: drop };
    },
    true,
  );
});
