import { Worker } from '@temporalio/worker';
import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import {
  assignSignal,
  closeTabSignal,
  customerEndUpdate,
  endSignal,
  endUpdate,
  messageSignal,
  reopenSignal,
  snapshotQuery,
} from '../../workflows/messages';
import { workflowBundle } from '../helpers/test-worker';
import type { Harness } from './conversation-fixture';
import { eventually, snapshot, startConversation, startHarness, stopHarness, until } from './conversation-fixture';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

async function stateAttribute(handle: { describe(): Promise<{ searchAttributes: Record<string, unknown> }> }) {
  return (await handle.describe()).searchAttributes;
}

describe('signals for fire-and-forget senders, the Temporal UI and the CLI', () => {
  it('drives Open -> Active -> Waiting -> Active -> Wrap-up -> Closed, keeping search attributes current', async () => {
    const handle = await startConversation(h, { conversationId: 'signals-demo' });
    await until(async () => (await stateAttribute(handle)).ConversationState !== undefined);
    expect(await stateAttribute(handle)).toMatchObject({ ConversationState: ['Open'], QueueId: ['default'], Channel: ['chat'] });

    await handle.signal(assignSignal, { agentId: 'alice' });
    await eventually(handle, (s) => s.state === 'Active');
    await until(async () => (await stateAttribute(handle)).AgentId?.toString() === 'alice');
    expect(await stateAttribute(handle)).toMatchObject({ ConversationState: ['Active'], AgentId: ['alice'] });

    await handle.signal(closeTabSignal, {});
    await eventually(handle, (s) => s.state === 'Waiting');
    await handle.signal(reopenSignal, {});
    await eventually(handle, (s) => s.state === 'Active');
    await handle.signal(endSignal, {});
    await eventually(handle, (s) => s.state === 'WrapUp');
    await handle.signal(closeTabSignal, {});
    expect(await handle.result()).toMatchObject({ state: 'Closed', agentId: 'alice' });

    const s = await handle.query(snapshotQuery);
    expect(s.transitions.map((t) => t.to)).toEqual(['Open', 'Active', 'Waiting', 'Active', 'WrapUp', 'Closed']);
    expect(Object.keys(s.enteredAt).sort()).toEqual(['Active', 'Closed', 'Open', 'Waiting', 'WrapUp']);
    expect(await stateAttribute(handle)).toMatchObject({ ConversationState: ['Closed'] });
    expect(await h.store.listReservations('alice')).toEqual([]);

    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  });

  it('records an invalid signal as refused and ignores it', async () => {
    const handle = await startConversation(h);
    await handle.signal(endSignal, {});
    await handle.signal(assignSignal, { agentId: '' } as { agentId: string });
    const s = await eventually(handle, (x) => x.refusedSignals.length === 2);
    expect(s.refusedSignals.map((r) => [r.op, r.code]).sort()).toEqual([
      ['assign', 'INVALID_INPUT'],
      ['end', 'INVALID_TRANSITION'],
    ]);
    expect(s).toMatchObject({ state: 'Open', version: 1 });
    await handle.executeUpdate(customerEndUpdate, { args: [{}] });
  });
});

describe('continue-as-new keeps long chats bounded', () => {
  it('carries state, counters and the transition log across runs without losing a message', async () => {
    const config = { ...DEFAULT_LIFECYCLE_CONFIG, continueAsNewAfterEvents: 100 };
    const handle = await startConversation(h, { config });
    await handle.signal(assignSignal, { agentId: 'alice' });
    await eventually(handle, (s) => s.state === 'Active');
    const conversationId = handle.workflowId.replace('conversation-', '');
    const latest = h.env.client.workflow.getHandle(handle.workflowId);
    // Three bursts of 40 messages (a third of them the agent's, which leave the unread count
    // alone). Each burst takes the run past its limit while it is busy; it hands over once the
    // burst is applied (only when idle). The waits read the store and the run id, not the query:
    // without a workflow cache (CONVOFLOW_TEST_WORKFLOW_CACHE=0) a query that reaches the run as
    // it continues as new was seen to stall for a minute or more on the time-skipping server.
    const messages = 120;
    for (let i = 0; i < messages; i += 40) {
      const before = (await latest.describe()).runId;
      for (let j = i; j < i + 40; j++) {
        await latest.signal(messageSignal, {
          from: j % 3 === 0 ? 'agent' : 'customer',
          messageId: `m${j}`,
          actor: { kind: 'agent', id: 'alice' },
        });
      }
      const unread = i + 40 - Math.ceil((i + 40) / 3);
      await until(async () => (await h.store.getConversation(conversationId))?.unreadCount === unread, 180_000);
      await until(async () => (await latest.describe()).runId !== before, 180_000); // it handed over
    }
    const s = await snapshot(latest);
    expect(s.messageCount).toBe(messages);
    expect(s).toMatchObject({ state: 'Active', agentId: 'alice', capacityHeld: true, unreadCount: 80 });
    expect(s.transitions.map((t) => t.to)).toEqual(['Open', 'Active']);
    expect((await latest.executeUpdate(endUpdate, { args: [{}] })).state).toBe('WrapUp');
    expect((await h.store.listReservations('alice')).filter((r) => r.conversationId === conversationId)).toHaveLength(1);
    expect((await h.store.getConversation(conversationId))?.unreadCount).toBe(80);
  }, 600_000); // 120 signals, each a store write: minutes on a loaded two-core machine without a workflow cache
});

// Recorded histories (these tests' among them, RECORD_HISTORIES=1) are replayed by replay-corpus.test.ts.
