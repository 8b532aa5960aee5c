// An update that arrives while the conversation's previous step is still being
// written must wait for that step, not be judged on the state before it: the
// store (and so the event stream people watch) may already show the step's
// outcome. Found by the split benchmark: an agent's End right after the stream
// said Active was refused with "Cannot end: the conversation is Open" while the
// assignment's write was in flight (26 of 36 on a Temporal cluster).
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateStage } from '@temporalio/client';
import { createStore } from '../../src/store';
import type { ApplyConversationInput } from '../../src/store/conversation-write';
import type { Store } from '../../src/store/store';
import { endUpdate, pickUpdate, syncUpdate } from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { expectRefusal, snapshot, startConversation, startHarness, stopHarness } from './conversation-fixture';

/** Holds the next store write of one conversation until opened; the real store does the write. */
class WriteGate {
  private held: string | null = null;
  private release: (() => void) | null = null;
  private reachedWrite: (() => void) | null = null;
  /** Resolves when the held conversation's write has reached the gate. */
  reached: Promise<void> = Promise.resolve();

  hold(conversationId: string): void {
    this.held = conversationId;
    this.reached = new Promise((resolve) => (this.reachedWrite = resolve));
  }

  open(): void {
    this.held = null;
    this.release?.();
  }

  /** The store, with applyConversation waiting at the gate for the held conversation. */
  wrap(store: Store): Store {
    return new Proxy(store, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key !== 'applyConversation' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (input: ApplyConversationInput) => {
          if (this.held === input.view.conversationId) {
            await new Promise<void>((resolve) => {
              this.release = resolve;
              this.reachedWrite?.();
            });
          }
          return (value as Store['applyConversation']).call(target, input);
        };
      },
    });
  }
}

const gate = new WriteGate();
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ openStore: async () => gate.wrap(await createStore({ databaseUrl: null, sqliteFile: ':memory:' })) });
});
afterAll(() => stopHarness(h));

/**
 * A queued conversation whose pick by alice is held at the gate while `during`
 * sends another update (answering its handle once accepted); then the gate
 * opens. Answers the conversation, the pick's result and the other update.
 */
async function duringHeldPick<T>(
  during: (handle: WorkflowHandle) => Promise<T>,
): Promise<{ handle: WorkflowHandle; pick: Promise<unknown>; other: T }> {
  const handle = await startConversation(h);
  await handle.executeUpdate(syncUpdate);
  gate.hold(handle.workflowId.replace(/^conversation-/, ''));
  const pick = handle.executeUpdate(pickUpdate, { args: [{ agentId: 'alice' }] });
  try {
    await gate.reached;
    return { handle, pick, other: await during(handle) };
  } finally {
    gate.open();
  }
}

describe('an update sent while the previous step is being written', () => {
  it('is accepted and applied after it: End right after a pick ends the chat', async () => {
    // Accepted while the pick's write is still held: the handler decides once the pick is done.
    const { handle, pick, other } = await duringHeldPick((c) =>
      c.startUpdate(endUpdate, { args: [{ actor: { kind: 'agent', id: 'alice' } }], waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    expect(await pick).toMatchObject({ state: 'Active', agentId: 'alice' });
    expect(await other.result()).toMatchObject({ state: 'WrapUp' });
    expect((await snapshot(handle)).state).toBe('WrapUp');
  });

  it('is refused after the step when the step left a state that does not allow it, and changes nothing', async () => {
    // A second pick by another agent: accepted while the first is held, refused once the first has won.
    const { handle, pick, other } = await duringHeldPick((c) =>
      c.startUpdate(pickUpdate, { args: [{ agentId: 'bob' }], waitForStage: WorkflowUpdateStage.ACCEPTED }),
    );
    await pick;
    await expectRefusal(other.result(), 'INVALID_TRANSITION');
    expect(await snapshot(handle)).toMatchObject({ state: 'Active', agentId: 'alice' });
  });
});
