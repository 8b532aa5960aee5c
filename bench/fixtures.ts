import type { Client } from '@temporalio/client';
import type { SkillRequirement } from '../src/domain/skills';
import type { ConversationState } from '../src/domain/states';
import type { AgentInput } from '../src/store/types';
import type { ApplyConversationInput, ConversationWrite } from '../src/store/conversation-write';
import type { Store } from '../src/store/store';
import type { conversationWorkflow } from '../workflows/conversation';

/**
 * Lets the event loop run. The SQLite store's calls finish synchronously, so a
 * loop of awaited writes never yields to timers or I/O: the worker beside it
 * (its local activities, the SDK's callbacks) and signal handlers would stall.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Capacity units every benchmark conversation fills (the product default). */
export const UNITS = 10;

/** `n` queue ids `<prefix>-q000`, ... */
export function queueIds(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-q${String(i).padStart(3, '0')}`);
}

/** Creates the queues (default settings: highest capacity, Available and Busy eligible). */
export async function seedQueues(store: Store, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await yieldToEventLoop();
    await store.upsertQueue({ id });
  }
}

/** Creates `n` agents `<prefix>-a00000`, ...; `queuesOf(i)` gives agent i's queues. */
export async function seedAgents(
  store: Store,
  prefix: string,
  n: number,
  queuesOf: (i: number) => string[],
  fields: Omit<AgentInput, 'id' | 'queues'> = {},
): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 100 === 99) await yieldToEventLoop();
    await store.upsertAgent({
      presence: 'Available',
      capacity: 100,
      ...fields,
      id: `${prefix}-a${String(i).padStart(5, '0')}`,
      queues: queuesOf(i),
    });
  }
}

/** The store write a conversation's workflow makes when it enters a queue. */
export function enqueueWrite(conversationId: string, queueId: string, at: string): ApplyConversationInput {
  const view: ConversationWrite = {
    conversationId,
    state: 'Open',
    agentId: null,
    lastAgentId: null,
    queueId,
    channel: 'chat',
    priority: 10,
    units: UNITS,
    customerId: `cust-${conversationId}`,
    unreadCount: 0,
    createdAt: at,
    stateEnteredAt: at,
    closedAt: null,
    staleFlaggedAt: null,
    waitingTimeoutAt: null,
    reviveUntil: null,
    offerAgentId: null,
    offerExpiresAt: null,
    offersStopped: false,
    version: 1,
  };
  return {
    view,
    release: false,
    dequeue: false,
    enqueue: { conversationId, queueId, priority: 10, units: UNITS, enqueuedAt: at, preferredAgentId: null },
  };
}

/**
 * Queues conversations directly in the store (no workflows, no dispatcher
 * pokes): cheap queue depth. Entry `i` goes to queue `i % queues.length`;
 * ids are `<prefix>-<i>` for i in [from, to).
 */
export async function fillQueues(store: Store, prefix: string, queues: readonly string[], from: number, to: number): Promise<void> {
  const at = new Date().toISOString();
  for (let i = from; i < to; i++) {
    if (i % 100 === 99) await yieldToEventLoop();
    await store.applyConversation(enqueueWrite(`${prefix}-${i}`, queues[i % queues.length] ?? '', at));
  }
}

/** Starts a conversation workflow as the API would: no lifecycle config, so the worker's applies. */
export function startConversation(
  client: Client,
  taskQueue: string,
  conversationId: string,
  queueId: string,
  requirements: SkillRequirement[] = [],
) {
  return client.workflow.start<typeof conversationWorkflow>('conversationWorkflow', {
    workflowId: `conversation-${conversationId}`,
    taskQueue,
    args: [
      {
        start: {
          conversationId,
          queueId,
          channel: 'chat',
          customer: { id: `cust-${conversationId}` },
          units: UNITS,
          ...(requirements.length && { requirements }),
        },
      },
    ],
  });
}

/** Polls the store's read model (a local SQLite read) until the conversation is in `state`. */
export async function waitForState(
  store: Store,
  conversationId: string,
  state: ConversationState,
  timeoutMs: number,
  everyMs = 2,
): Promise<ConversationWrite> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const view = await store.getConversation(conversationId);
    if (view?.state === state) return view;
    if (performance.now() > deadline)
      throw new Error(`${conversationId} not ${state} after ${timeoutMs} ms (is ${view?.state ?? 'absent'})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
