import type { Presence } from '../../src/domain/presence';
import { ConversationState } from '../../src/domain/states';
import type { QueueEntry, Reservation } from '../../src/store/types';
import type { ConversationWrite } from '../../src/store/conversation-write';
import type { Store } from '../../src/store/store';

/** A controllable clock shared by every store instance of a test. */
export class TestClock {
  private ms = Date.parse('2025-01-01T00:00:00.000Z');

  readonly now = (): Date => new Date(this.ms);

  /** Moves time forward (default one second). */
  tick(ms = 1000): void {
    this.ms += ms;
  }
}

/** Opens store instances on one fresh database; each instance is migrated. */
export interface StoreFixture {
  open(clock: TestClock): Promise<Store>;
  cleanup(): Promise<void>;
}

/** A read-model row with sensible defaults. */
export function view(conversationId: string, patch: Partial<ConversationWrite> = {}): ConversationWrite {
  return {
    conversationId,
    state: ConversationState.Open,
    agentId: null,
    lastAgentId: null,
    queueId: 'default',
    channel: 'chat',
    priority: 10,
    units: 10,
    customerId: `customer-${conversationId}`,
    unreadCount: 0,
    createdAt: '2025-01-01T00:00:00.000Z',
    stateEnteredAt: '2025-01-01T00:00:00.000Z',
    closedAt: null,
    staleFlaggedAt: null,
    waitingTimeoutAt: null,
    reviveUntil: null,
    offerAgentId: null,
    offerExpiresAt: null,
    offersStopped: false,
    version: 1,
    ...patch,
  };
}

/** Puts a new conversation in a queue the way the workflow's first activity does. */
export async function enqueue(
  store: Store,
  conversationId: string,
  opts: { queueId?: string; priority?: number; units?: number; preferredAgentId?: string | null; version?: number } = {},
): Promise<QueueEntry> {
  const entry: QueueEntry = {
    conversationId,
    queueId: opts.queueId ?? 'default',
    priority: opts.priority ?? 10,
    units: opts.units ?? 10,
    enqueuedAt: '2025-01-01T00:00:00.000Z',
    preferredAgentId: opts.preferredAgentId ?? null,
  };
  await store.applyConversation({
    view: view(conversationId, { queueId: entry.queueId, priority: entry.priority, units: entry.units, version: opts.version ?? 1 }),
    release: false,
    enqueue: entry,
    dequeue: false,
  });
  return entry;
}

/** Creates an agent in the given queues. */
export async function agent(
  store: Store,
  id: string,
  queues: string[],
  opts: { capacity?: number; presence?: Presence } = {},
): Promise<void> {
  await store.upsertAgent({ id, queues, capacity: opts.capacity ?? 30, presence: opts.presence ?? 'Available' });
}

/** Everything a refused operation must leave untouched. */
export async function ledger(store: Store): Promise<{ reservations: Reservation[]; entries: QueueEntry[]; used: number[] }> {
  const queues = await store.listQueues();
  const entries = (await Promise.all(queues.map((q) => store.listQueueEntries(q.id)))).flat();
  const agents = await store.listAgents();
  return { reservations: await store.listReservations(), entries, used: agents.map((a) => a.usedUnits) };
}

/** Checks invariant 1 and the ledger's own consistency; returns the reservation count. */
export async function expectConsistent(store: Store): Promise<number> {
  const reservations = await store.listReservations();
  const agents = await store.listAgents();
  for (const a of agents) {
    const mine = reservations.filter((r) => r.agentId === a.id);
    const used = mine.reduce((sum, r) => sum + r.units, 0);
    expect({ agent: a.id, used: a.usedUnits, conversations: a.conversations }).toEqual({ agent: a.id, used, conversations: mine.length });
    expect(used).toBeLessThanOrEqual(a.capacity);
  }
  const queued = new Set((await ledger(store)).entries.map((e) => e.conversationId));
  for (const r of reservations) expect(queued.has(r.conversationId)).toBe(false);
  return reservations.length;
}
