import { queueDispatcherWorkflowId } from '../../src/domain/ids';
import { webhookWorkflowId } from '../../src/domain/webhooks';
import type { StoredEvent } from '../../src/domain/events';
import type { WebhookSender } from '../../src/webhooks/sender';
import { newWebhookSecret, sealWebhookSecret } from '../../src/webhooks/secret-box';
import { temporalWebhookWorkflows } from '../../src/temporal/webhook-workflows';
import { messageSignal, pickUpdate } from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { eventually, startConversation, startHarness, stopHarness, until } from './conversation-fixture';

// Every long-lived workflow hands over to a new run when the server suggests it. On the dev
// server, whose suggestion can be lowered to a few dozen events, and which (unlike the
// time-skipping server) keeps a continued run's closing events in its history: the replay
// corpus records each run, the one ending in continue-as-new and the one it started.

const SUGGEST_AFTER_EVENTS = 40;
const SERVER_SECRET = 'continue-as-new-test-secret';
const delivered: number[] = [];
const send: WebhookSender = async (request) => {
  delivered.push((JSON.parse(request.body) as StoredEvent).id);
  return { status: 200 };
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    devServer: true,
    devServerArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`],
    seed: { queues: [{ id: 'support' }], agents: [{ id: 'ann', capacity: 100, presence: 'Offline', queues: ['support'] }] },
    webhooks: { serverSecret: SERVER_SECRET, delivery: { initialIntervalMs: 100, maximumIntervalMs: 400 }, send },
  });
}, 60_000);
afterAll(() => stopHarness(h));

/** How many runs the workflow has had: its current run and those it continued from. */
async function runs(workflowId: string): Promise<number> {
  let count = 0;
  let runId: string | undefined;
  do {
    const history = await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    count += 1;
  } while (runId && count < 100);
  return count;
}

describe('continue-as-new when the server suggests it', () => {
  it('hands a chat over to a new run with its state, losing no message', async () => {
    const handle = await startConversation(h, { queueId: 'support' });
    await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'ann' }] });
    // Messages in batches of ten until the chat has continued as new (signals that arrive during a
    // task share the next one, so how many it takes depends on the worker's pace; at most 200).
    let sent = 0;
    do {
      for (const end = sent + 10; sent < end; sent++) await handle.signal(messageSignal, { from: 'customer', messageId: `m${sent}` });
      await eventually(h.env.client.workflow.getHandle(handle.workflowId), (x) => x.messageCount === sent, 60_000, 200);
    } while ((await runs(handle.workflowId)) === 1 && sent < 200);
    expect(await runs(handle.workflowId)).toBeGreaterThan(1);
    const s = await eventually(h.env.client.workflow.getHandle(handle.workflowId), (x) => x.messageCount === sent);
    expect(s).toMatchObject({ state: 'Active', agentId: 'ann', unreadCount: sent });
  }, 120_000);

  it('hands a queue dispatcher over to a new run that still routes', async () => {
    // Pokes coalesce while a round runs, so it takes more pokes than rounds to grow the history.
    const dispatcher = queueDispatcherWorkflowId('support');
    for (let i = 0; i < 200; i++) {
      await h.changes.pokeAll();
      if ((await runs(dispatcher)) > 1) break;
    }
    expect(await runs(dispatcher)).toBeGreaterThan(1);
    // Waiting while nobody is Available; then ann is, on the store alone, and only a dispatch round can match them.
    const handle = await startConversation(h, { queueId: 'support' });
    await eventually(handle, (x) => x.routing.waiting !== null);
    await h.store.setPresence('ann', 'Available');
    await h.changes.pokeAll();
    expect(await eventually(handle, (x) => x.state === 'Active', 30_000)).toMatchObject({ agentId: 'ann' });
    expect((await eventually(handle, (x) => x.state === 'Active')).transitions.at(-1)).toMatchObject({
      op: 'assign',
      actor: { kind: 'engine' },
    });
  }, 120_000);

  it('hands a webhook delivery over to a new run that goes on after its cursor', async () => {
    const id = 'hook-long';
    const endpoint = await h.store.addWebhookEndpoint({
      id,
      url: `http://127.0.0.1:9/${id}`,
      eventTypes: ['agent.presence'],
      description: null,
      sealedSecret: sealWebhookSecret(SERVER_SECRET, id, newWebhookSecret()),
    });
    const workflows = temporalWebhookWorkflows(h.env.client, h.taskQueue);
    const sent: number[] = [];
    for (let n = 0; n < 12; n++) {
      await h.store.setPresence('ann', n % 2 === 0 ? 'Away' : 'Offline');
      sent.push((await h.store.eventLogBounds()).latestId);
      await workflows.wake(endpoint);
    }
    await until(async () => delivered.length >= sent.length, 60_000);
    expect(delivered).toEqual(sent);
    expect(await runs(webhookWorkflowId(id))).toBeGreaterThan(1);
    expect(await h.store.deleteWebhookEndpoint(id)).toBe(true);
    await workflows.stop(id);
    await h.env.client.workflow.getHandle(webhookWorkflowId(id)).result();
  }, 120_000);
});
