import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import { RoutingChanges } from '../../src/routing';
import { createTemporalRouter } from '../../src/temporal/router';
import { createStore, seedStore } from '../../src/store';
import type { Store } from '../../src/store/store';
import type { ApplyConversationInput } from '../../src/store/conversation-write';
import { conversationWorkflow } from '../../workflows';
import { acceptUpdate, messageSignal, pickUpdate, snapshotQuery } from '../../workflows/messages';
import { createDevServerEnv } from '../helpers/temporal-env';
import { quietRuntime } from '../helpers/test-worker';
import { eventually } from './conversation-fixture';

// The root cause of the wedged conversations in test/fixtures/histories/evidence, reproduced on the
// real server: a store write running while a query is answered and an update arrives. With the
// writes as local activities the SDK recorded the write's marker in one workflow task and handed
// its result to the workflow only in the next, after the update (so: update accepted, then the
// write's follow-up), while every replay hands it over in the first task (follow-up, then update
// accepted): nondeterminism on every later task. The workflow code cannot reorder what the SDK
// hands it, so its writes are regular activities now, whose results are events in history.

const WRITE_MS = 1_000;

/** Resolves the first time `mark` is called. */
function latch(): { reached: Promise<void>; mark: () => void } {
  let mark: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => (mark = resolve));
  return { reached, mark };
}

/**
 * A store whose writes of a chat message and of the accept (Active) take a
 * while, as under load, telling the test when each starts.
 */
function slowWrites(store: Store, started: { message: () => void; accept: () => void }): Store {
  const applyConversation = async (input: ApplyConversationInput) => {
    const which = input.messageId ? 'message' : input.view.state === 'Active' ? 'accept' : null;
    if (which) {
      started[which]();
      await new Promise((resolve) => setTimeout(resolve, which === 'message' ? 1.5 * WRITE_MS : WRITE_MS));
    }
    return store.applyConversation(input);
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'applyConversation') return applyConversation;
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let env: TestWorkflowEnvironment;
let store: Store;
beforeAll(async () => {
  quietRuntime();
  env = await createDevServerEnv();
  store = await createStore({ databaseUrl: null, sqliteFile: ':memory:' });
  await seedStore(store, {
    queues: [{ id: 'offers', offerMode: 'offer', offerTimeoutMs: 60_000, maxDeclines: 2, missedOfferPresence: null }],
    agents: [{ id: 'ann', capacity: 10, presence: 'Offline', queues: ['offers'] }],
  });
});
afterAll(async () => {
  await store?.close();
  await env?.teardown();
});

describe('replay safety', () => {
  it('replays a conversation whose store write finished while a query was answered and an update arrived', async () => {
    const taskQueue = `replay-${randomUUID()}`;
    const message = latch();
    const accepting = latch();
    const router = createTemporalRouter(env.client, taskQueue);
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      workflowInterceptorModules: [require.resolve('../fixtures/workflow-interceptors/slow-queries')],
      logger: new DefaultLogger('WARN'),
    });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({
        store: slowWrites(store, { message: message.mark, accept: accepting.mark }),
        lifecycle: DEFAULT_LIFECYCLE_CONFIG,
        router,
      }),
    });
    await worker.runUntil(async () => {
      await new RoutingChanges(store, router).setPresence('ann', 'Available');
      const conversationId = randomUUID();
      const handle = await env.client.workflow.start(conversationWorkflow, {
        workflowId: `conversation-${conversationId}`,
        taskQueue,
        args: [{ start: { conversationId, queueId: 'offers', channel: 'chat', customer: { id: 'c1' }, units: 10 } }],
      });
      await eventually(handle, (s) => s.offer?.agentId === 'ann');

      // A customer message's write keeps a workflow task open; meanwhile a read and the agent's accept
      // arrive, and the server hands both to the next task: the accept's write runs while the read is
      // answered (slowly, as on a busy worker) and finishes during it; then a second tab's pick arrives.
      await handle.signal(messageSignal, { from: 'customer', messageId: 'm1' });
      await message.reached;
      const read = handle.query(snapshotQuery);
      const accept = handle.executeUpdate(acceptUpdate, { args: [{ actor: { kind: 'agent', id: 'ann' } }] });
      await accepting.reached;
      await new Promise((resolve) => setTimeout(resolve, WRITE_MS / 2));
      const pick = handle.executeUpdate(pickUpdate, { args: [{ agentId: 'ann' }] });
      const outcomes = await Promise.allSettled([accept, read, pick]);
      expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { state: 'Active', agentId: 'ann' } });

      // Every later task of the conversation replays its history: it must replay cleanly, with no cache.
      const history = await handle.fetchHistory();
      await expect(Worker.runReplayHistory({ workflowBundle }, history, handle.workflowId)).resolves.toBeUndefined();
      expect((await handle.query(snapshotQuery)).state).toBe('Active');
    });
  });
});
