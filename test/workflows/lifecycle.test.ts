import type { WorkflowHandle } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Store } from '../../src/store/store';
import { conversationWorkflow } from '../../workflows';
import {
  closeTabUpdate,
  customerEndUpdate,
  disconnectUpdate,
  endUpdate,
  pickUpdate,
  assignUpdate,
  reopenUpdate,
  reviveUpdate,
  transferUpdate,
  syncUpdate,
  messageUpdate,
  markReadUpdate,
} from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { expectRefusal, snapshot, startConversation, startHarness, stopHarness, until } from './conversation-fixture';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => stopHarness(h));

async function reservationOf(store: Store, conversationId: string) {
  return (await store.listReservations()).find((r) => r.conversationId === conversationId) ?? null;
}
async function queued(store: Store, queueId: string, conversationId: string) {
  return (await store.listQueueEntries(queueId)).some((e) => e.conversationId === conversationId);
}
const idOf = (handle: WorkflowHandle) => handle.workflowId.replace(/^conversation-/, '');

async function activeWithAlice() {
  const handle = await startConversation(h);
  await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
  return handle;
}

describe('every row of the transition table', () => {
  it('enters Open in its queue when the customer starts a chat', async () => {
    const handle = await startConversation(h);
    const s = await snapshot(handle);
    expect(s).toMatchObject({ state: 'Open', agentId: null, queueId: 'default', customerConnected: true, capacityHeld: false });
    // Entering the queue is the workflow's first step, asynchronous to the start call.
    await until(() => queued(h.store, 'default', idOf(handle)));
    expect((await h.store.getConversation(idOf(handle)))?.state).toBe('Open');
  });

  it('moves Open -> Active when an agent picks it, reserving its units', async () => {
    const handle = await startConversation(h);
    const result = await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
    expect(result).toMatchObject({ state: 'Active', agentId: 'alice', capacityHeld: true });
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'alice', units: 10 });
    expect(await queued(h.store, 'default', idOf(handle))).toBe(false);
  });

  it('moves Open -> Active when a supervisor assigns it', async () => {
    const handle = await startConversation(h);
    const result = await handle.executeUpdate(assignUpdate, { args: [{ agentId: 'carol', actor: { kind: 'supervisor', id: 'sup' } }] });
    expect(result.state).toBe('Active');
    expect((await snapshot(handle)).transitions.at(-1)).toMatchObject({
      from: 'Open',
      to: 'Active',
      op: 'assign',
      actor: { kind: 'supervisor', id: 'sup' },
    });
  });

  it('moves Open -> Closed when the customer disconnects, leaving the queue', async () => {
    const handle = await startConversation(h);
    expect((await handle.executeUpdate(disconnectUpdate, { args: [{}] })).state).toBe('Closed');
    expect(await queued(h.store, 'default', idOf(handle))).toBe(false);
    expect(await handle.result()).toMatchObject({ state: 'Closed' });
  });

  it('moves Open -> Closed when the customer ends before any agent has it', async () => {
    const handle = await startConversation(h);
    expect((await handle.executeUpdate(customerEndUpdate, { args: [{}] })).state).toBe('Closed');
  });

  it('moves Active -> Open on transfer, releasing capacity and queueing in the target queue', async () => {
    const handle = await activeWithAlice();
    const result = await handle.executeUpdate(transferUpdate, { args: [{ toQueueId: 'billing', actor: { kind: 'agent', id: 'alice' } }] });
    expect(result).toMatchObject({ state: 'Open', agentId: null, queueId: 'billing' });
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
    expect(await queued(h.store, 'billing', idOf(handle))).toBe(true);
    expect((await snapshot(handle)).lastAgentId).toBe('alice');
  });

  it('stays Active on a transfer to another agent, moving the reservation to them', async () => {
    const handle = await activeWithAlice();
    const result = await handle.executeUpdate(transferUpdate, { args: [{ toAgentId: 'bob', actor: { kind: 'agent', id: 'alice' } }] });
    expect(result).toMatchObject({ state: 'Active', agentId: 'bob' });
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'bob', units: 10 });
    expect((await snapshot(handle)).lastAgentId).toBe('alice');
    // bob's room is needed by later tests.
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
  });

  it('moves Active -> Wrap-up when the agent presses End, holding capacity by default', async () => {
    const handle = await activeWithAlice();
    expect((await handle.executeUpdate(endUpdate, { args: [{ actor: { kind: 'agent', id: 'alice' } }] })).state).toBe('WrapUp');
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'alice' });
  });

  it('moves Active -> Wrap-up when the customer ends the chat', async () => {
    const handle = await activeWithAlice();
    expect((await handle.executeUpdate(customerEndUpdate, { args: [{}] })).state).toBe('WrapUp');
  });

  it('moves Active -> Waiting when the agent closes the tab, releasing capacity', async () => {
    const handle = await activeWithAlice();
    expect((await handle.executeUpdate(closeTabUpdate, { args: [{}] })).state).toBe('Waiting');
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
    expect((await h.store.listWorkItems('alice')).map((c) => c.conversationId)).toContain(idOf(handle));
  });

  it('moves Wrap-up -> Closed when the agent closes the tab, releasing capacity and completing', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(endUpdate, { args: [{}] });
    expect((await handle.executeUpdate(closeTabUpdate, { args: [{}] })).state).toBe('Closed');
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
    expect(await handle.result()).toMatchObject({ state: 'Closed' });
    const closed = await h.store.listClosedWorkItems('alice', new Date(Date.now() - 86_400_000 * 365));
    expect(closed.map((c) => c.conversationId)).toContain(idOf(handle));
  });

  it('moves Waiting -> Closed when the customer ends the chat', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    expect((await handle.executeUpdate(customerEndUpdate, { args: [{}] })).state).toBe('Closed');
  });

  it('moves Waiting -> Active when the agent reopens it, taking capacity again', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    expect((await handle.executeUpdate(reopenUpdate, { args: [{ actor: { kind: 'agent', id: 'alice' } }] })).state).toBe('Active');
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'alice', units: 10 });
  });

  it('moves Waiting -> Open when the customer revives it in time, queued again and preferring the last agent', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    expect((await handle.executeUpdate(reviveUpdate, { args: [{}] })).state).toBe('Open');
    const entry = (await h.store.listQueueEntries('default')).find((e) => e.conversationId === idOf(handle));
    expect(entry?.preferredAgentId).toBe('alice');
  });
});

describe('updates for read-your-writes', () => {
  it('queues a conversation before serving an update that arrives with its start (update-with-start)', async () => {
    const conversationId = `early-${Date.now()}`;
    const start = new WithStartWorkflowOperation(conversationWorkflow, {
      workflowId: `conversation-${conversationId}`,
      workflowIdConflictPolicy: 'FAIL',
      taskQueue: h.taskQueue,
      // No lifecycle rules in the input: the worker's are loaded first, and the update waits for them.
      args: [{ start: { conversationId, queueId: 'default', channel: 'chat', customer: { id: 'cust-9' } } }],
    });
    const picked = await h.env.client.workflow.executeUpdateWithStart(pickUpdate, {
      args: [{ agentId: 'alice' }],
      startWorkflowOperation: start,
    });
    expect(picked).toMatchObject({ state: 'Active', agentId: 'alice' });
    const handle = await start.workflowHandle();
    expect(await reservationOf(h.store, conversationId)).toMatchObject({ agentId: 'alice' });
    expect(await queued(h.store, 'default', conversationId)).toBe(false);
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
  });

  it('answers sync only after the conversation has entered its queue in the store', async () => {
    const handle = await startConversation(h);
    expect(await handle.executeUpdate(syncUpdate)).toMatchObject({ state: 'Open', version: 1 });
    expect(await queued(h.store, 'default', idOf(handle))).toBe(true);
  });

  it('answers a message update with the unread count, already in the store', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(messageUpdate, { args: [{ from: 'customer', messageId: 'm1' }] });
    const result = await handle.executeUpdate(messageUpdate, { args: [{ from: 'customer', messageId: 'm2' }] });
    expect(result.unreadCount).toBe(2);
    expect((await h.store.getConversation(idOf(handle)))?.unreadCount).toBe(2);
    expect((await handle.executeUpdate(markReadUpdate, { args: [{ actor: { kind: 'agent', id: 'alice' } }] })).unreadCount).toBe(0);
  });

  it('refuses a customer message after the chat has ended', async () => {
    const handle = await activeWithAlice();
    await handle.executeUpdate(customerEndUpdate, { args: [{}] });
    await expectRefusal(handle.executeUpdate(messageUpdate, { args: [{ from: 'customer', messageId: 'late' }] }), 'INVALID_TRANSITION');
  });
});

describe('refusals change nothing', () => {
  it('refuses a pick when the agent lacks room, naming the reason, and the conversation stays queued', async () => {
    const handle = await startConversation(h, { units: 20 });
    const message = await expectRefusal(handle.executeUpdate(pickUpdate, { args: [{ agentId: 'bob' }] }), 'NO_CAPACITY');
    expect(message).toMatch(/bob/);
    expect((await snapshot(handle)).state).toBe('Open');
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
    expect(await queued(h.store, 'default', idOf(handle))).toBe(true);
  });

  it('lets a pick exceed capacity only when the caller forces it', async () => {
    const handle = await startConversation(h, { units: 20 });
    expect((await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'bob', force: true }] })).state).toBe('Active');
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'bob', units: 20 });
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
  });

  it('refuses a pick by an agent outside the queue', async () => {
    const handle = await startConversation(h);
    await expectRefusal(handle.executeUpdate(pickUpdate, { args: [{ agentId: 'carol' }] }), 'NOT_QUEUE_MEMBER');
    expect((await snapshot(handle)).state).toBe('Open');
  });

  it('refuses an operation the state does not allow, naming operation and state, without writing history', async () => {
    const handle = await startConversation(h);
    // At rest (an update that arrives while a step runs waits for it: test/workflows/update-during-write.test.ts).
    await handle.executeUpdate(syncUpdate);
    const message = await expectRefusal(handle.executeUpdate(endUpdate, { args: [{}], updateId: 'refused-end' }), 'INVALID_TRANSITION');
    expect(message).toMatch(/end.*Open/);
    const history = await handle.fetchHistory();
    expect(JSON.stringify(history)).not.toContain('refused-end');
    expect((await snapshot(handle)).version).toBe(1);
  });

  it('refuses malformed input with INVALID_INPUT', async () => {
    const handle = await startConversation(h);
    await expectRefusal(handle.executeUpdate(pickUpdate, { args: [{ agentId: '' }] }), 'INVALID_INPUT');
  });

  it('refuses a transfer to an unknown queue and keeps the agent and capacity', async () => {
    const handle = await activeWithAlice();
    await expectRefusal(handle.executeUpdate(transferUpdate, { args: [{ toQueueId: 'nowhere' }] }), 'UNKNOWN_QUEUE');
    expect(await snapshot(handle)).toMatchObject({ state: 'Active', agentId: 'alice', queueId: 'default' });
    expect(await reservationOf(h.store, idOf(handle))).toMatchObject({ agentId: 'alice' });
  });

  it('refuses a reopen when the agent has no room left', async () => {
    const handle = await startConversation(h, { units: 10 });
    await handle.executeUpdate(pickUpdate, { args: [{ agentId: 'bob' }] });
    await handle.executeUpdate(closeTabUpdate, { args: [{}] });
    const filler = await startConversation(h, { units: 10 });
    await filler.executeUpdate(pickUpdate, { args: [{ agentId: 'bob' }] });
    await expectRefusal(handle.executeUpdate(reopenUpdate, { args: [{}] }), 'NO_CAPACITY');
    expect((await snapshot(handle)).state).toBe('Waiting');
    expect(await reservationOf(h.store, idOf(handle))).toBeNull();
    await filler.executeUpdate(closeTabUpdate, { args: [{}] });
  });

  it('refuses another agent acting on the conversation', async () => {
    const handle = await activeWithAlice();
    await expectRefusal(handle.executeUpdate(endUpdate, { args: [{ actor: { kind: 'agent', id: 'bob' } }] }), 'NOT_YOUR_CONVERSATION');
    expect((await snapshot(handle)).state).toBe('Active');
  });

  it('refuses a second pick: exactly one of two racing agents wins', async () => {
    const handle = await startConversation(h);
    const results = await Promise.allSettled([
      handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] }),
      handle.executeUpdate(pickUpdate, { args: [{ agentId: 'bob' }] }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const s = await snapshot(handle);
    expect((await h.store.listReservations()).filter((r) => r.conversationId === idOf(handle))).toEqual([
      expect.objectContaining({ agentId: s.agentId }),
    ]);
  });

  it('keeps Closed final: every later operation is refused', async () => {
    const handle = await startConversation(h);
    await handle.executeUpdate(disconnectUpdate, { args: [{}] });
    await handle.result();
    await expect(handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] })).rejects.toThrow(/completed|not found/i);
    expect((await snapshot(handle)).state).toBe('Closed');
    expect(await queued(h.store, 'default', idOf(handle))).toBe(false);
  });
});
