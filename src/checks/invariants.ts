import { meetsAll } from '../domain/skills';
import type { ConversationSnapshot } from '../domain/snapshot';
import type { Store } from '../store/store';
import type { AgentLoad, QueueRecord, Reservation } from '../store/types';

/** What the invariant check reads: the store's agents, reservations and queues. */
export interface InvariantInputs {
  agents: AgentLoad[];
  reservations: Reservation[];
  queues: QueueRecord[];
}

/**
 * Checks the architecture's invariants 1-3 (docs/architecture.md, Invariants) against what the
 * store holds and the conversations' own snapshots (the one checker of the tests, the chaos run and the benchmark); returns every violation found (empty: all hold).
 * 1. no agent holds more reserved units than its capacity;
 * 2. reservations are exactly the conversations in capacity-filling states;
 * 3. no Open conversation waits while an eligible agent of its queue with the skills it requires has room for it
 *    (one standing offer, no longer pushed after too many declines, or in a queue outside its business hours,
 *    is not waiting for a push);
 * and, for skills: the engine pushes (assigns or offers) a conversation only to an agent meeting every
 * requirement still in force (relaxation only drops requirements, so the current ones must be met).
 * A standing offer is a reservation (invariant 9): it counts in 1 and 2 through `capacityHeld`.
 */
export function invariantViolations(store: InvariantInputs, snapshots: ConversationSnapshot[]): string[] {
  const problems: string[] = [];
  const { agents } = store;
  for (const a of agents) if (a.usedUnits > a.capacity) problems.push(`1: ${a.id} holds ${a.usedUnits} of ${a.capacity} units`);

  const reservations = new Map(store.reservations.map((r) => [r.conversationId, r]));
  for (const s of snapshots) {
    const r = reservations.get(s.conversationId);
    // A standing offer holds its offered agent's room while the conversation has no agent yet.
    const holder = s.offer?.agentId ?? s.agentId;
    if (s.capacityHeld && (!r || r.agentId !== holder || r.units !== s.units)) {
      problems.push(`2: ${s.conversationId} is ${s.state} with ${holder} but the store has ${JSON.stringify(r ?? null)}`);
    }
    if (!s.capacityHeld && r) problems.push(`2: ${s.conversationId} is ${s.state} but still reserves ${r.units} on ${r.agentId}`);
    reservations.delete(s.conversationId);
  }
  for (const r of reservations.values()) problems.push(`2: phantom reservation ${JSON.stringify(r)}`);

  const queues = new Map(store.queues.map((q) => [q.id, q]));
  // Conversations no longer pushed (offers stopped) wait for a pick by design; an agent excluded from one is not eligible for it.
  for (const s of snapshots.filter((x) => x.state === 'Open' && !x.offer && !x.offersStopped)) {
    const queue = queues.get(s.queueId);
    // Outside its business hours nothing is pushed from a queue: its conversations wait for the opening.
    if (queue?.open === false) continue;
    const eligible = agents.filter(
      (a) =>
        a.queues.includes(s.queueId) &&
        (queue?.eligiblePresences ?? []).includes(a.presence) &&
        a.capacity - a.usedUnits >= s.units &&
        !s.excludedAgents.includes(a.id) &&
        meetsAll(a.skills, s.requirements),
    );
    if (eligible.length)
      problems.push(
        `3: ${s.conversationId} (${s.units} units, requires ${JSON.stringify(s.requirements)}, waiting: ${s.routing.waiting}) waits in ${s.queueId} while ${eligible.map((a) => `${a.id} (${a.presence}, ${a.capacity - a.usedUnits} free, ${JSON.stringify(a.skills)})`)} have room`,
      );
  }
  const byId = new Map(agents.map((a) => [a.id, a]));
  for (const s of snapshots) {
    const got = [...s.transitions].reverse().find((t) => t.agentId !== undefined && t.agentId !== null);
    const pushed = s.state === 'Active' && got?.op === 'assign' && got.actor.kind === 'engine' ? s.agentId : null;
    for (const agentId of [pushed, s.offer?.agentId ?? null]) {
      const agent = agentId ? byId.get(agentId) : undefined;
      if (agent && !meetsAll(agent.skills, s.requirements)) {
        problems.push(`skills: ${s.conversationId} requires ${JSON.stringify(s.requirements)} but was pushed to ${agent.id}`);
      }
    }
  }
  return problems;
}

/** The invariants over what `store` holds now and the given snapshots; empty: all hold. */
export async function storeInvariantViolations(store: Store, snapshots: ConversationSnapshot[]): Promise<string[]> {
  const [agents, reservations, queues] = [await store.listAgents(), await store.listReservations(), await store.listQueues()];
  return invariantViolations({ agents, reservations, queues }, snapshots);
}
