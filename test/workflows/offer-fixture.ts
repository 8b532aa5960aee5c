import type { WorkflowHandle } from '@temporalio/client';
import { closeTabUpdate, customerEndUpdate, disconnectUpdate } from '../../workflows/messages';
import type { Harness } from './conversation-fixture';
import { snapshot, startHarness } from './conversation-fixture';

/** The offer countdown of the offer-mode test queues (the product default). */
export const TIMEOUT_MS = 120_000;
const AGENTS = ['ann', 'ben', 'cat', 'dan'];

/** Two offer-mode queues (`offers`: 2 declines, a miss sets Away; `calm`: 3, presence kept), an auto-accept one, four agents Offline. */
export function startOfferHarness(): Promise<Harness> {
  return startHarness({
    seed: {
      queues: [
        { id: 'offers', offerMode: 'offer', offerTimeoutMs: TIMEOUT_MS, maxDeclines: 2, missedOfferPresence: 'Away' },
        { id: 'calm', offerMode: 'offer', offerTimeoutMs: TIMEOUT_MS, maxDeclines: 3, missedOfferPresence: null },
        { id: 'autoq' },
      ],
      agents: AGENTS.map((id) => ({ id, capacity: 10, presence: 'Offline' as const, queues: ['offers', 'calm'] })),
    },
  });
}

/** Everyone Offline again, between tests. */
export async function allOffline(h: Harness): Promise<void> {
  for (const id of AGENTS) await h.store.setPresence(id, 'Offline');
}

/** An operation's input as the agent `id`. */
export const agent = (id: string) => ({ actor: { kind: 'agent' as const, id } });

/** The conversation id of a conversation workflow. */
export const id = (handle: WorkflowHandle) => handle.workflowId.replace('conversation-', '');

/** Closes each conversation from whatever state it is in, so the next test starts with free agents and empty queues. */
export async function finish(handles: WorkflowHandle[]): Promise<void> {
  const operator = { actor: { kind: 'operator' as const } };
  for (const handle of handles) {
    const s = await snapshot(handle);
    if (s.state === 'Open') await handle.executeUpdate(disconnectUpdate, { args: [{}] });
    if (s.state === 'Active' || s.state === 'Waiting') await handle.executeUpdate(customerEndUpdate, { args: [{}] });
    if ((await snapshot(handle)).state === 'WrapUp') await handle.executeUpdate(closeTabUpdate, { args: [operator] });
  }
}
