import type { EventDraft, StoredEvent } from '../../domain/events';
import type { Dialect, Program, Tx } from '../program';
import { all, one, placeholders, run } from '../program';
import { invalid } from '../validation';

/** An `events` row. */
interface EventRow {
  id: number | string;
  type: StoredEvent['type'];
  at: string;
  conversation_id: string | null;
  queue_id: string | null;
  agent_id: string | null;
  previous_agent_id: string | null;
  data: string;
}

const EVENT_COLUMNS = 'id, type, at, conversation_id, queue_id, agent_id, previous_agent_id, data';
/** Rows per INSERT: 8 parameters each, far below either driver's parameter limit. */
const INSERT_BATCH = 100;
/** The meta row remembering the highest event id ever pruned (ids may have gaps, so the oldest kept id cannot tell). */
const PRUNED_THROUGH = 'events_pruned_through';

function toEvent(row: EventRow): StoredEvent {
  return {
    id: Number(row.id),
    type: row.type,
    at: row.at,
    conversationId: row.conversation_id,
    queueId: row.queue_id,
    agentId: row.agent_id,
    previousAgentId: row.previous_agent_id,
    data: JSON.parse(row.data) as never,
  } as StoredEvent;
}

/**
 * Writes a transaction's events as its last statements. Returns what the
 * dialect's `returningEventTransaction` answers (the transaction to wait
 * for), or null.
 */
export function* writeEvents(d: Dialect, events: readonly EventDraft[], at: string): Program<string | null> {
  let tx: string | null = null;
  for (let i = 0; i < events.length; i += INSERT_BATCH) {
    const batch = events.slice(i, i + INSERT_BATCH);
    const sql = `INSERT INTO events (type, at, conversation_id, queue_id, agent_id, previous_agent_id, data) VALUES ${batch
      .map(() => `(${placeholders(7)})`)
      .join(', ')}`;
    const params = batch.flatMap((e) => [
      e.type,
      at,
      e.conversationId ?? null,
      e.queueId ?? null,
      e.agentId ?? null,
      e.previousAgentId ?? null,
      JSON.stringify(e.data),
    ]);
    if (d.returningEventTransaction === null) yield* run(sql, params);
    else tx = (yield* all<{ tx: string }>(sql + d.returningEventTransaction, params))[0]?.tx ?? tx;
  }
  return tx;
}

/** Events after `afterId`, oldest first, at most `limit`. */
export function* listEvents(tx: Tx, afterId: number, limit: number): Program<StoredEvent[]> {
  if (!Number.isSafeInteger(afterId) || afterId < 0) throw invalid(`Event id must be a whole number >= 0 (got ${afterId}).`);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw invalid(`Event limit must be 1-10000 (got ${limit}).`);
  const rows = yield* all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM ${tx.dialect.eventLog} WHERE id > ? ORDER BY id LIMIT ?`, [
    afterId,
    limit,
  ]);
  return rows.map(toEvent);
}

/** Events committed but not readable yet: PostgreSQL numbers them after commit (always none on SQLite). */
export function* eventBacklog(tx: Tx): Program<{ unnumbered: number; oldestAt: string | null }> {
  const sql = tx.dialect.unnumberedEvents;
  if (sql === null) return { unnumbered: 0, oldestAt: null };
  const row = yield* one<{ n: number | string; oldest: string | null }>(sql);
  return { unnumbered: Number(row?.n ?? 0), oldestAt: row?.oldest ?? null };
}

/** The newest readable event's id (`m`, null when the log is empty). */
export function* latestEventId(tx: Tx): Program<{ m: number | string | null } | undefined> {
  return yield* one<{ m: number | string | null }>(`SELECT MAX(id) AS m FROM ${tx.dialect.eventIds}`);
}

/** The newest event id and the highest pruned one (0 when none). */
export function* eventLogBounds(tx: Tx): Program<{ latestId: number; prunedThrough: number }> {
  const latest = yield* latestEventId(tx);
  const pruned = yield* one<{ value: string }>('SELECT value FROM store_meta WHERE key = ?', [PRUNED_THROUGH]);
  const prunedThrough = Number(pruned?.value ?? 0);
  // A log pruned empty still has written up to what it pruned.
  return { latestId: Math.max(Number(latest?.m ?? 0), prunedThrough), prunedThrough };
}

/**
 * Deletes events committed before `before`, and none after `keepAfterId` when
 * given (a webhook endpoint still delivering); remembers the highest id
 * deleted, so a stream resuming from before it is told to reset.
 */
export function* pruneEvents(tx: Tx, before: Date, keepAfterId?: number): Program<number> {
  const bound = keepAfterId === undefined ? '' : ' AND id <= ?';
  const params = keepAfterId === undefined ? [before.toISOString()] : [before.toISOString(), keepAfterId];
  const top = yield* one<{ m: number | string | null }>(`SELECT MAX(id) AS m FROM ${tx.dialect.eventLog} WHERE at < ?${bound}`, params);
  if (top?.m === null || top?.m === undefined) return 0;
  // The first statement deletes the events themselves; the rest, where there are any, their ids.
  const [events, ...rest] = tx.dialect.pruneEventsThrough(Number(top.m));
  const deleted = events ? yield* run(events.sql, events.params) : 0;
  for (const statement of rest) yield* run(statement.sql, statement.params);
  yield* run(
    `INSERT INTO store_meta (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    [PRUNED_THROUGH, String(top.m)],
  );
  return deleted;
}
