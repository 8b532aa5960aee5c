import type { ConversationSnapshot } from '../src/domain/snapshot';
import type { AgentLoad, QueueRecord, Reservation } from '../src/store/types';

/** What the invariant check reads: the store's agents, reservations and queues. */
export interface InvariantInputs {
  agents: AgentLoad[];
  reservations: Reservation[];
  queues: QueueRecord[];
}

/**
 * The architecture's invariants 1-3, as test/helpers/invariants.ts checks them
 * (the same logic; bench/ is built without test/): returns every violation.
 * 1. no agent holds more reserved units than its capacity;
 * 2. reservations are exactly the conversations in capacity-filling states
 *    (their own snapshots say which), no leak and no phantom;
 * 3. no Open conversation waits while an eligible agent of its queue has room for it.
 * `snapshots` must cover every conversation that can hold a reservation.
 */
export function invariantViolations(store: InvariantInputs, snapshots: ConversationSnapshot[]): string[] {
  const problems: string[] = [];
  const { agents } = store;
  for (const a of agents) if (a.usedUnits > a.capacity) problems.push(`1: ${a.id} holds ${a.usedUnits} of ${a.capacity} units`);

  const reservations = new Map(store.reservations.map((r) => [r.conversationId, r]));
  for (const s of snapshots) {
    const r = reservations.get(s.conversationId);
    if (s.capacityHeld && (!r || r.agentId !== s.agentId || r.units !== s.units)) {
      problems.push(`2: ${s.conversationId} is ${s.state} with ${s.agentId} but the store has ${JSON.stringify(r ?? null)}`);
    }
    if (!s.capacityHeld && r) problems.push(`2: ${s.conversationId} is ${s.state} but still reserves ${r.units} on ${r.agentId}`);
    reservations.delete(s.conversationId);
  }
  for (const r of reservations.values()) problems.push(`2: phantom reservation ${JSON.stringify(r)}`);

  const queues = new Map(store.queues.map((q) => [q.id, q]));
  for (const s of snapshots.filter((x) => x.state === 'Open')) {
    const queue = queues.get(s.queueId);
    const eligible = agents.filter(
      (a) => a.queues.includes(s.queueId) && (queue?.eligiblePresences ?? []).includes(a.presence) && a.capacity - a.usedUnits >= s.units,
    );
    if (eligible.length)
      problems.push(
        `3: ${s.conversationId} (${s.units} units) waits in ${s.queueId} while ${eligible.map((a) => a.id).join(', ')} have room`,
      );
  }
  return problems;
}
