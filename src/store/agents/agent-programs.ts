import { ErrorCode } from '../../domain/errors';
import { EventType } from '../../domain/events';
import type { Presence } from '../../domain/presence';
import type { Skills } from '../../domain/skills';
import { DEFAULT_AGENT_CAPACITY } from '../../domain/defaults';
import { Presence as P } from '../../domain/presence';
import type { Dialect, Param, Program, Tx } from '../program';
import { all, one, placeholders, run } from '../program';
import type { AgentRow } from '../rows';
import { AGENT_COLUMNS, toAgent } from '../rows';
import { StoreError } from '../store-error';
import type { AgentInput, AgentLoad, AgentRecord } from '../types';
import { validateAgentInput, validatePresence } from '../validation';

/** Reads an agent row, locking it for the rest of the transaction. */
export function* lockAgent(d: Dialect, agentId: string): Program<AgentRow | undefined> {
  return yield* one<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ?${d.forUpdate}`, [agentId]);
}

/** Reads an agent with its queues in the order they were given. */
export function* agentRecord(agentId: string): Program<AgentRecord | null> {
  const row = yield* one<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ?`, [agentId]);
  if (!row) return null;
  const queues = yield* all<{ queue_id: string }>('SELECT queue_id FROM queue_members WHERE agent_id = ? ORDER BY ord', [agentId]);
  const skills = yield* all<{ skill: string; proficiency: number | string }>(
    'SELECT skill, proficiency FROM agent_skills WHERE agent_id = ? ORDER BY skill',
    [agentId],
  );
  return toAgent(
    row,
    queues.map((q) => q.queue_id),
    Object.fromEntries(skills.map((k) => [k.skill, Number(k.proficiency)])),
  );
}

/** Replaces an agent's skills. */
function* setSkills(agentId: string, skills: Skills): Program<void> {
  yield* run('DELETE FROM agent_skills WHERE agent_id = ?', [agentId]);
  for (const [skill, proficiency] of Object.entries(skills)) {
    yield* run('INSERT INTO agent_skills (agent_id, skill, proficiency) VALUES (?, ?, ?)', [agentId, skill, proficiency]);
  }
}

/**
 * Recomputes an agent's used units from its reservations and copies its load,
 * times and (when asked) queue eligibility onto its memberships. Every write
 * that touches an agent or its reservations ends here, in the same
 * transaction, so dispatch's member indexes never disagree with the ledger.
 * Recomputing rather than adding deltas means a retried write cannot drift.
 */
export function* refreshAgent(
  tx: Tx,
  agentId: string,
  stamp: { assignedAt?: string; releasedAt?: string },
  eligibilityChanged = false,
): Program<AgentRow | undefined> {
  let recomputeEligibility = eligibilityChanged;
  // Take the row lock in a statement of its own first. On PostgreSQL (READ
  // COMMITTED) an UPDATE that waits for a lock re-checks its row but keeps the
  // snapshot its sub-query started with, so the sum below could miss a
  // reservation committed while it waited and under-count the agent's load.
  // The statement after the lock gets a fresh snapshot. (A no-op on SQLite.)
  const before = yield* one<{ used_units: number | string; capacity: number | string }>(
    'UPDATE agents SET id = id WHERE id = ? RETURNING used_units, capacity',
    [agentId],
  );
  let agent = yield* one<AgentRow>(
    `UPDATE agents SET used_units = (SELECT COALESCE(SUM(units), 0) FROM reservations WHERE agent_id = ?),
       last_assigned_at = COALESCE(?, last_assigned_at), last_released_at = COALESCE(?, last_released_at)
     WHERE id = ? RETURNING ${AGENT_COLUMNS}`,
    [agentId, stamp.assignedAt ?? null, stamp.releasedAt ?? null, agentId],
  );
  if (!agent) return undefined;
  const automatic = presenceInForce(agent);
  if (automatic !== agent.presence) {
    const previous = agent.presence;
    agent = (yield* one<AgentRow>(`UPDATE agents SET presence = ? WHERE id = ? RETURNING ${AGENT_COLUMNS}`, [automatic, agentId])) ?? agent;
    recomputeEligibility = true;
    const why = `automatic: ${Number(agent.used_units)} of ${Number(agent.capacity)} units in use`;
    emitPresence(tx, agentId, automatic, previous, why);
  }
  if (Number(before?.used_units) !== Number(agent.used_units) || Number(before?.capacity) !== Number(agent.capacity)) {
    yield* emitCapacity(tx, agent);
  }
  let eligibleSet = '';
  const eligibleIds: Param[] = [];
  if (recomputeEligibility) {
    const memberships = yield* all<{ queue_id: string; eligible_presences: string }>(
      'SELECT m.queue_id, q.eligible_presences FROM queue_members m JOIN queues q ON q.id = m.queue_id WHERE m.agent_id = ?',
      [agentId],
    );
    for (const m of memberships) {
      if ((JSON.parse(m.eligible_presences) as string[]).includes(agent.presence)) eligibleIds.push(m.queue_id);
    }
    eligibleSet = eligibleIds.length
      ? `eligible = CASE WHEN queue_id IN (${placeholders(eligibleIds.length)}) THEN 1 ELSE 0 END, `
      : 'eligible = 0, ';
  }
  const capacity = Number(agent.capacity);
  yield* run(
    `UPDATE queue_members SET ${eligibleSet}capacity = ?, free_units = ?, last_assigned_at = ?, last_released_at = ? WHERE agent_id = ?`,
    [...eligibleIds, capacity, capacity - Number(agent.used_units), agent.last_assigned_at, agent.last_released_at, agentId],
  );
  return agent;
}

/**
 * The presence in force: the chosen one, except that automatic presence turns
 * a chosen Available into Busy with capacity partly used and BusyDND when full.
 */
function presenceInForce(agent: AgentRow): Presence {
  const chosen = agent.chosen_presence;
  if (Number(agent.auto_presence) !== 1 || chosen !== P.Available) return chosen;
  const used = Number(agent.used_units);
  const capacity = Number(agent.capacity);
  if (used <= 0) return P.Available;
  return used >= capacity ? P.BusyDnd : P.Busy;
}

/** Records the agent's load as this transaction's capacity event for the agent. */
function* emitCapacity(tx: Tx, agent: AgentRow): Program<void> {
  const held = yield* one<{ n: number | string }>('SELECT COUNT(*) AS n FROM reservations WHERE agent_id = ?', [agent.id]);
  tx.emit(
    {
      type: EventType.AgentCapacity,
      agentId: agent.id,
      data: { usedUnits: Number(agent.used_units), capacity: Number(agent.capacity), conversations: Number(held?.n ?? 0) },
    },
    `agent:${agent.id}:capacity`,
  );
}

/** Records a presence change (previous null: a new agent; reason when the engine changed it) as an event. */
function emitPresence(tx: Tx, agentId: string, presence: Presence, previous: Presence | null, reason: string | null = null): void {
  if (presence === previous) return;
  tx.emit({ type: EventType.AgentPresence, agentId, data: { presence, previous, reason } }, `agent:${agentId}:presence`);
}

/** Replaces an agent's memberships; kept ones keep their round-robin position, new ones go last. */
function* setMemberships(agentId: string, queues: string[]): Program<void> {
  const current = yield* all<{ queue_id: string }>('SELECT queue_id FROM queue_members WHERE agent_id = ?', [agentId]);
  const kept = new Set(current.map((c) => c.queue_id));
  if (queues.length) {
    yield* run(`DELETE FROM queue_members WHERE agent_id = ? AND queue_id NOT IN (${placeholders(queues.length)})`, [agentId, ...queues]);
  } else {
    yield* run('DELETE FROM queue_members WHERE agent_id = ?', [agentId]);
  }
  for (const [ord, queueId] of queues.entries()) {
    if (kept.has(queueId)) {
      yield* run('UPDATE queue_members SET ord = ? WHERE queue_id = ? AND agent_id = ?', [ord, queueId, agentId]);
    } else {
      yield* run(
        `INSERT INTO queue_members (queue_id, agent_id, position, ord)
         VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM queue_members WHERE queue_id = ?), ?)`,
        [queueId, agentId, queueId, ord],
      );
    }
  }
}

/** Creates an agent with defaults, or patches only the given fields; `queues` replaces membership. */
export function* upsertAgent(tx: Tx, input: AgentInput): Program<AgentRecord> {
  validateAgentInput(input);
  const queues = input.queues && [...new Set(input.queues)];
  if (queues?.length) {
    const known = yield* all<{ id: string }>(`SELECT id FROM queues WHERE id IN (${placeholders(queues.length)})`, queues);
    const missing = queues.filter((q) => !known.some((k) => k.id === q));
    if (missing.length) throw new StoreError(ErrorCode.UnknownQueue, `Unknown queue(s) for agent ${input.id}: ${missing.join(', ')}.`);
  }
  // Insert-or-nothing first so two processes creating the same agent cannot
  // both insert; the loser then patches the row it now locks.
  const presence = input.presence ?? P.Offline;
  const created = yield* run(
    `INSERT INTO agents (id, name, capacity, presence, chosen_presence, auto_presence) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
    [input.id, input.name ?? input.id, input.capacity ?? DEFAULT_AGENT_CAPACITY, presence, presence, input.autoPresence ? 1 : 0],
  );
  let previous: AgentRow | undefined;
  if (!created) {
    previous = yield* lockAgent(tx.dialect, input.id);
    const auto = input.autoPresence === undefined ? null : input.autoPresence ? 1 : 0;
    yield* run(
      `UPDATE agents SET name = COALESCE(?, name), capacity = COALESCE(?, capacity), presence = COALESCE(?, presence),
         chosen_presence = COALESCE(?, chosen_presence), auto_presence = COALESCE(?, auto_presence) WHERE id = ?`,
      [input.name ?? null, input.capacity ?? null, input.presence ?? null, input.presence ?? null, auto, input.id],
    );
  }
  if (queues) yield* setMemberships(input.id, queues);
  if (input.skills) yield* setSkills(input.id, input.skills);
  const agent = yield* refreshAgent(tx, input.id, {}, true);
  if (agent) emitPresence(tx, input.id, agent.presence, previous?.presence ?? null);
  if (agent && created) yield* emitCapacity(tx, agent);
  return (yield* agentRecord(input.id)) as AgentRecord;
}

/** Changes an agent's presence; null when the agent is unknown. */
export function* setPresence(tx: Tx, agentId: string, presence: Presence): Program<AgentRecord | null> {
  validatePresence(presence);
  if (!(yield* changePresence(tx, agentId, presence, null))) return null;
  return yield* agentRecord(agentId);
}

/** Sets a presence within a larger write (the engine's, after a missed offer, says why); false for an unknown agent. */
export function* changePresence(tx: Tx, agentId: string, presence: Presence, reason: string | null): Program<boolean> {
  const previous = yield* lockAgent(tx.dialect, agentId);
  if (!previous) return false;
  yield* run('UPDATE agents SET presence = ?, chosen_presence = ? WHERE id = ?', [presence, presence, agentId]);
  // Automatic presence may derive Busy from the choice: the event reports the presence in force.
  const after = yield* refreshAgent(tx, agentId, {}, true);
  emitPresence(tx, agentId, after?.presence ?? presence, previous.presence, reason);
  return true;
}

/** One agent, or null. */
export function* getAgent(_tx: Tx, agentId: string): Program<AgentRecord | null> {
  return yield* agentRecord(agentId);
}

/** Every agent with its load, ordered by id. */
export function* listAgents(_tx: Tx): Program<AgentLoad[]> {
  const rows = yield* all<AgentRow & { conversations: number | string }>(
    `SELECT ${AGENT_COLUMNS}, (SELECT COUNT(*) FROM reservations r WHERE r.agent_id = agents.id) AS conversations
     FROM agents ORDER BY id`,
  );
  const members = yield* all<{ agent_id: string; queue_id: string }>('SELECT agent_id, queue_id FROM queue_members ORDER BY agent_id, ord');
  const queuesOf = new Map<string, string[]>();
  for (const m of members) {
    const list = queuesOf.get(m.agent_id);
    if (list) list.push(m.queue_id);
    else queuesOf.set(m.agent_id, [m.queue_id]);
  }
  const skillsOf = new Map<string, Skills>();
  for (const k of yield* all<{ agent_id: string; skill: string; proficiency: number | string }>(
    'SELECT agent_id, skill, proficiency FROM agent_skills ORDER BY agent_id, skill',
  )) {
    const skills = skillsOf.get(k.agent_id) ?? {};
    skills[k.skill] = Number(k.proficiency);
    skillsOf.set(k.agent_id, skills);
  }
  return rows.map((row) => ({
    ...toAgent(row, queuesOf.get(row.id) ?? [], skillsOf.get(row.id) ?? {}),
    usedUnits: Number(row.used_units),
    conversations: Number(row.conversations),
  }));
}
