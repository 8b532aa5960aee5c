/** One schema change, written for each backend. */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

// Times are canonical ISO-8601 UTC text on both backends (they sort correctly
// as text), so rows map identically. queue_members carries a copy of each
// member's free units, eligibility and last-assignment times, refreshed in the
// same transaction as every change to the agent: that copy lets dispatch pick
// an agent with one index seek per queue instead of scanning agents.
const TABLES = (t: { seq: string; bool: string }) => `
CREATE TABLE queues (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  priority INTEGER NOT NULL,
  assignment_method TEXT NOT NULL,
  eligible_presences TEXT NOT NULL,
  units_per_conversation INTEGER CHECK (units_per_conversation > 0),
  overflow TEXT,
  rr_position INTEGER,
  rr_agent_id TEXT
);
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  capacity INTEGER NOT NULL CHECK (capacity >= 0),
  presence TEXT NOT NULL,
  used_units INTEGER NOT NULL DEFAULT 0 CHECK (used_units >= 0),
  last_assigned_at TEXT,
  last_released_at TEXT
);
CREATE TABLE queue_members (
  queue_id TEXT NOT NULL REFERENCES queues (id),
  agent_id TEXT NOT NULL REFERENCES agents (id),
  position INTEGER NOT NULL,
  ord INTEGER NOT NULL,
  eligible ${t.bool} NOT NULL DEFAULT 0,
  capacity INTEGER NOT NULL DEFAULT 0,
  free_units INTEGER NOT NULL DEFAULT 0,
  last_assigned_at TEXT,
  last_released_at TEXT,
  PRIMARY KEY (queue_id, agent_id)
);
CREATE INDEX queue_members_agent ON queue_members (agent_id, ord);
CREATE TABLE queue_entries (
  ${t.seq},
  queue_id TEXT NOT NULL REFERENCES queues (id),
  priority INTEGER NOT NULL,
  units INTEGER NOT NULL CHECK (units > 0),
  enqueued_at TEXT NOT NULL,
  preferred_agent_id TEXT
);
CREATE INDEX queue_entries_service ON queue_entries (queue_id, priority, seq);
CREATE INDEX queue_entries_age ON queue_entries (queue_id, enqueued_at);
CREATE TABLE reservations (
  conversation_id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents (id),
  units INTEGER NOT NULL CHECK (units > 0),
  reserved_at TEXT NOT NULL
);
CREATE INDEX reservations_agent ON reservations (agent_id);
CREATE TABLE conversations (
  conversation_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  agent_id TEXT,
  last_agent_id TEXT,
  queue_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  priority INTEGER NOT NULL,
  units INTEGER NOT NULL,
  customer_id TEXT NOT NULL,
  unread_count INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  state_entered_at TEXT NOT NULL,
  closed_at TEXT,
  stale_flagged ${t.bool} NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX conversations_agent_state ON conversations (agent_id, state);
CREATE INDEX conversations_agent_closed ON conversations (agent_id, closed_at);
`;

// One index per assignment method, each led by (queue_id, eligible) so the
// best eligible member is the first index entry. SQLite sorts NULL first in
// ascending order by itself; PostgreSQL must be told.
const SQLITE_MEMBER_INDEXES = `
CREATE INDEX queue_members_free ON queue_members (queue_id, eligible, free_units DESC, last_assigned_at, agent_id);
CREATE INDEX queue_members_rotation ON queue_members (queue_id, eligible, position, agent_id);
CREATE INDEX queue_members_idle ON queue_members (queue_id, eligible, last_released_at, last_assigned_at, agent_id);
CREATE INDEX queue_members_capacity ON queue_members (queue_id, eligible, capacity);
`;
const POSTGRES_MEMBER_INDEXES = `
CREATE INDEX queue_members_free ON queue_members (queue_id, eligible, free_units DESC, last_assigned_at NULLS FIRST, agent_id);
CREATE INDEX queue_members_rotation ON queue_members (queue_id, eligible, position, agent_id);
CREATE INDEX queue_members_idle ON queue_members
  (queue_id, eligible, last_released_at NULLS FIRST, last_assigned_at NULLS FIRST, agent_id);
CREATE INDEX queue_members_capacity ON queue_members (queue_id, eligible, capacity);
`;

// Tables of the HTTP API. Message text lives here rather than in workflow
// history (payload and history limits); seq keeps send order. Agent tokens are
// stored only as SHA-256 hashes, and carry no foreign key so a token can be
// written before its agent (the API then never leaves an agent without one).
// An idempotency key keeps the first answer to a request for replay.
const API_TABLES = (seq: string) => `
CREATE TABLE messages (
  ${seq},
  conversation_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, seq);
CREATE TABLE agent_tokens (
  token_hash TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX agent_tokens_agent ON agent_tokens (agent_id);
CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (scope, key)
);
`;

const EVENT_TABLES = (id: string) => `
CREATE TABLE events (
  ${id},
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  conversation_id TEXT,
  queue_id TEXT,
  agent_id TEXT,
  previous_agent_id TEXT,
  data TEXT NOT NULL
);
CREATE INDEX events_at ON events (at);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
ALTER TABLE conversations ADD COLUMN stale_flagged_at TEXT;
ALTER TABLE conversations ADD COLUMN waiting_timeout_at TEXT;
ALTER TABLE conversations ADD COLUMN revive_until TEXT;
`;

const ROUTING_ORDER = `
DROP INDEX queue_entries_service;
CREATE INDEX queue_entries_order ON queue_entries (queue_id, priority, enqueued_at, seq);
CREATE TABLE routing_exclusions (
  conversation_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  excluded_at TEXT NOT NULL,
  PRIMARY KEY (conversation_id, agent_id)
);
`;

const OFFERS = (bool: string) => `
ALTER TABLE queues ADD COLUMN offer_mode TEXT NOT NULL DEFAULT 'autoAccept';
ALTER TABLE queues ADD COLUMN offer_timeout_ms INTEGER NOT NULL DEFAULT 120000;
ALTER TABLE queues ADD COLUMN max_declines INTEGER NOT NULL DEFAULT 3;
ALTER TABLE queues ADD COLUMN missed_offer_presence TEXT DEFAULT 'Away';
ALTER TABLE queue_entries ADD COLUMN pushable ${bool} NOT NULL DEFAULT 1;
ALTER TABLE conversations ADD COLUMN offer_agent_id TEXT;
ALTER TABLE conversations ADD COLUMN offer_expires_at TEXT;
ALTER TABLE conversations ADD COLUMN offers_stopped ${bool} NOT NULL DEFAULT 0;
CREATE INDEX conversations_offer_agent ON conversations (offer_agent_id);
`;

const AUTO_PRESENCE = (bool: string) => `
ALTER TABLE agents ADD COLUMN chosen_presence TEXT;
UPDATE agents SET chosen_presence = presence;
ALTER TABLE agents ADD COLUMN auto_presence ${bool} NOT NULL DEFAULT 0;
`;

const CONVERSATION_LIST_INDEXES = `
CREATE INDEX conversations_state_created ON conversations (state, created_at);
CREATE INDEX conversations_created ON conversations (created_at);
`;

const SKILLS = (double: string) => `
CREATE TABLE agent_skills (
  agent_id TEXT NOT NULL,
  skill TEXT NOT NULL,
  proficiency INTEGER NOT NULL CHECK (proficiency BETWEEN 1 AND 10),
  PRIMARY KEY (agent_id, skill)
);
CREATE INDEX agent_skills_skill ON agent_skills (skill, proficiency, agent_id);
CREATE TABLE entry_requirements (
  conversation_id TEXT NOT NULL,
  skill TEXT NOT NULL,
  min_proficiency INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, skill)
);
ALTER TABLE conversations ADD COLUMN waiting_reason TEXT;
ALTER TABLE queues ADD COLUMN wait_ewma_ms ${double};
ALTER TABLE queues ADD COLUMN wait_samples INTEGER NOT NULL DEFAULT 0;
CREATE TABLE intake_rules (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rules TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
`;

// Webhooks: endpoints with their sealed signing secret and the cursor their
// delivery workflow has handled (for status, and so retention keeps what an
// endpoint has not delivered); recent deliveries per endpoint, newest first.
const WEBHOOK_TABLES = (bigint: string) => `
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  description TEXT,
  sealed_secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  start_after_id ${bigint} NOT NULL,
  cursor_id ${bigint} NOT NULL,
  status TEXT NOT NULL,
  failing_since TEXT,
  failing_reason TEXT
);
CREATE TABLE webhook_deliveries (
  endpoint_id TEXT NOT NULL,
  event_id ${bigint} NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_http_status INTEGER,
  last_error TEXT,
  first_attempt_at TEXT NOT NULL,
  last_attempt_at TEXT NOT NULL,
  completed_at TEXT,
  PRIMARY KEY (endpoint_id, event_id)
);
`;

// Business hours: a queue's schedule (JSON), where out-of-hours work goes,
// whether it is open now and when that next changes. A queue entry is pushed
// only while its queue is open and its offers have not stopped: `pushable`
// stays the one flag matching reads, `offers_stopped` remembers the other half.
const BUSINESS_HOURS = (bool: string) => `
ALTER TABLE queues ADD COLUMN hours TEXT;
ALTER TABLE queues ADD COLUMN out_of_hours_queue_id TEXT;
ALTER TABLE queues ADD COLUMN hours_open ${bool} NOT NULL DEFAULT 1;
ALTER TABLE queues ADD COLUMN hours_next_change_at TEXT;
ALTER TABLE queue_entries ADD COLUMN offers_stopped ${bool} NOT NULL DEFAULT 0;
UPDATE queue_entries SET offers_stopped = 1 - pushable;
`;

const UNTAKEN_RESERVATIONS = `ALTER TABLE reservations ADD COLUMN taken_at TEXT;
UPDATE reservations SET taken_at = reserved_at
 WHERE NOT EXISTS (
   SELECT 1 FROM conversations c
    WHERE c.conversation_id = reservations.conversation_id AND c.state = 'Open'
      AND (c.offer_agent_id IS NULL OR c.offer_agent_id <> reservations.agent_id));
CREATE INDEX reservations_untaken ON reservations (reserved_at) WHERE taken_at IS NULL;`;

const STUCK_WORKFLOWS = `
CREATE TABLE stuck_workflows (
  workflow_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  conversation_id TEXT,
  workflow_type TEXT NOT NULL,
  cause TEXT NOT NULL,
  message TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failing_since TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  checked_at TEXT NOT NULL
);
CREATE INDEX stuck_workflows_conversation ON stuck_workflows (conversation_id);
`;

// PostgreSQL's outbox without a commit-serialising lock: a row is inserted
// with its transaction's id and an insertion number (`seq`), and no public id;
// the sequencer (backends/event-sequencer.ts) gives ids, in seq order, to the
// rows of transactions older than every transaction still running. SQLite's
// single writer already commits its AUTOINCREMENT ids in order: nothing changes.
const ORDERED_OUTBOX_POSTGRES = `
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ALTER COLUMN id DROP IDENTITY;
ALTER TABLE events ALTER COLUMN id DROP NOT NULL;
ALTER TABLE events ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE UNIQUE INDEX events_id ON events (id);
CREATE INDEX events_unpositioned ON events (seq) WHERE id IS NULL;
`;

/** The advisory lock id the PostgreSQL event sequencer takes (with the schema's hash) for each run. */
export const EVENTS_LOCK = 0x65766e74; // 'evnt'

// The ids move out of the event rows into a narrow table of their own: the
// sequencer then inserts (id, seq) pairs instead of rewriting each event row
// and its indexes (an UPDATE of an indexed column is never HOT), and finds
// the rows to number by their transaction (events_tx) from the horizon it
// last numbered below, kept in event_sequencer with the last id given. Under
// the sequencer's lock, the rows a run before this migration would number
// (every transaction below the horizon) are numbered first, the old way.
const EVENT_ORDER_TABLE_POSTGRES = `
SELECT pg_advisory_xact_lock(${EVENTS_LOCK}, hashtext(current_schema()));
CREATE TABLE event_sequencer (
  only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
  horizon xid8 NOT NULL,
  last_id BIGINT NOT NULL
);
INSERT INTO event_sequencer (horizon, last_id) SELECT pg_snapshot_xmin(pg_current_snapshot()), 0;
WITH base AS (
  SELECT GREATEST(
    COALESCE((SELECT MAX(id) FROM events), 0),
    COALESCE((SELECT value::bigint FROM store_meta WHERE key = 'events_pruned_through'), 0)
  ) AS b
),
pending AS (
  SELECT e.seq, row_number() OVER (ORDER BY e.seq) AS n
    FROM events e, event_sequencer s
   WHERE e.id IS NULL AND e.tx < s.horizon
)
UPDATE events e SET id = base.b + pending.n FROM pending, base WHERE e.seq = pending.seq;
UPDATE event_sequencer SET last_id = GREATEST(
  COALESCE((SELECT MAX(id) FROM events), 0),
  COALESCE((SELECT value::bigint FROM store_meta WHERE key = 'events_pruned_through'), 0)
);
CREATE TABLE event_order (
  id BIGINT PRIMARY KEY,
  seq BIGINT NOT NULL
);
INSERT INTO event_order (id, seq) SELECT id, seq FROM events WHERE id IS NOT NULL;
DROP INDEX events_id;
DROP INDEX events_unpositioned;
ALTER TABLE events DROP COLUMN id;
CREATE INDEX events_tx ON events (tx);
CREATE FUNCTION number_events(channel TEXT) RETURNS xid8 LANGUAGE plpgsql AS $$
DECLARE
  s event_sequencer%ROWTYPE;
  upto xid8;
  given BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(${EVENTS_LOCK}, hashtext(current_schema()));
  SELECT * INTO s FROM event_sequencer;
  upto := GREATEST(pg_snapshot_xmin(pg_current_snapshot()), s.horizon);
  INSERT INTO event_order (id, seq)
    SELECT s.last_id + row_number() OVER (ORDER BY e.seq), e.seq FROM events e WHERE e.tx >= s.horizon AND e.tx < upto;
  GET DIAGNOSTICS given = ROW_COUNT;
  IF given > 0 OR upto > s.horizon THEN
    UPDATE event_sequencer SET horizon = upto, last_id = s.last_id + given;
  END IF;
  IF given > 0 THEN
    PERFORM pg_notify(channel, '');
  END IF;
  RETURN upto;
END
$$;
`;

// The read model holds everything the workflow's snapshot answers, so reads
// never need the workflow: what the row lacks as one JSON document written
// with each transition, and the transition log, one row per transition
// numbered from 1 (a log missing its first rows, written before this
// migration, is incomplete and the workflow answers instead).
const CONVERSATION_DETAILS = `
ALTER TABLE conversations ADD COLUMN details TEXT;
CREATE TABLE conversation_transitions (
  conversation_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (conversation_id, n)
);
`;

/** Every schema change in order; append only, never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'capacity store',
    // seq gives strict arrival order; SQLite's AUTOINCREMENT never reuses a value.
    sqlite:
      TABLES({ seq: 'seq INTEGER PRIMARY KEY AUTOINCREMENT,\n  conversation_id TEXT NOT NULL UNIQUE', bool: 'INTEGER' }) +
      SQLITE_MEMBER_INDEXES,
    postgres:
      TABLES({ seq: 'conversation_id TEXT PRIMARY KEY,\n  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE', bool: 'SMALLINT' }) +
      POSTGRES_MEMBER_INDEXES,
  },
  {
    version: 2,
    name: 'api: chat messages, agent tokens, idempotency keys',
    sqlite: API_TABLES('seq INTEGER PRIMARY KEY AUTOINCREMENT,\n  id TEXT NOT NULL UNIQUE'),
    postgres: API_TABLES('id TEXT PRIMARY KEY,\n  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE'),
  },
  {
    version: 3,
    // Every dispatch round looks for matches still undelivered in its queue; without this it scanned the whole read model.
    name: 'index conversations by queue and state',
    sqlite: 'CREATE INDEX conversations_queue_state ON conversations (queue_id, state);',
    postgres: 'CREATE INDEX conversations_queue_state ON conversations (queue_id, state);',
  },
  {
    version: 4,
    // Agent tokens expire (null: until revoked); tokens issued before this migration keep working until revoked.
    name: 'api: agent token expiry',
    sqlite: 'ALTER TABLE agent_tokens ADD COLUMN expires_at TEXT;',
    postgres: 'ALTER TABLE agent_tokens ADD COLUMN expires_at TEXT;',
  },
  {
    version: 5,
    // The outbox: every change a person can see, written in the transaction
    // that makes it. SQLite's single writer makes AUTOINCREMENT ids commit-
    // ordered; PostgreSQL took an advisory lock before inserting, until
    // migration 15. The read model gains the times people are shown.
    name: 'events outbox; deadlines and stale time in the read model',
    sqlite: EVENT_TABLES('id INTEGER PRIMARY KEY AUTOINCREMENT'),
    postgres: EVENT_TABLES('id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY'),
  },
  {
    version: 6,
    // The service order is (priority, arrival, seq): a conversation re-queued
    // after a declined offer keeps its arrival time, so its place. Exclusions:
    // agents never pushed a conversation again (declined, missed, transferred it away).
    name: 'service order by arrival; routing exclusions',
    sqlite: ROUTING_ORDER,
    postgres: ROUTING_ORDER,
  },
  {
    version: 7,
    // Offers: a queue in offer mode offers pushed work before it lands; an
    // entry is no longer pushed after too many declines; the read model shows
    // a standing offer (My work items of the offered agent) and the flag.
    name: 'offers',
    sqlite: OFFERS('INTEGER'),
    postgres: OFFERS('SMALLINT'),
  },
  {
    version: 8,
    // Automatic presence: `presence` is the one in force (what routing reads);
    // `chosen_presence` is the agent's own choice it is derived from.
    name: 'automatic presence',
    sqlite: AUTO_PRESENCE('INTEGER'),
    postgres: AUTO_PRESENCE('SMALLINT'),
  },
  {
    version: 9,
    // The supervisor lists conversations newest first, by state or not at all; queue and agent filters start from their own indexes.
    name: 'index conversations by state and creation time',
    sqlite: CONVERSATION_LIST_INDEXES,
    postgres: CONVERSATION_LIST_INDEXES,
  },
  {
    version: 10,
    name: 'webhooks: endpoints and deliveries',
    sqlite: WEBHOOK_TABLES('INTEGER'),
    postgres: WEBHOOK_TABLES('BIGINT'),
  },
  {
    version: 11,
    // Skills: an agent's proficiency per skill, indexed by (skill, proficiency)
    // so matching a requirement reads only the agents who have the skill; a
    // queued conversation's requirements beside its entry; why it waits; the
    // intake rules (one ordered document); each queue's moving average of waits.
    name: 'skills, intake rules and queue wait averages',
    sqlite: SKILLS('REAL'),
    postgres: SKILLS('DOUBLE PRECISION'),
  },
  {
    version: 12,
    name: 'business hours',
    sqlite: BUSINESS_HOURS('INTEGER'),
    postgres: BUSINESS_HOURS('SMALLINT'),
  },
  {
    version: 13,
    // When the conversation's workflow took up the match a reservation stands
    // for (null: routing made it and its signal may not have arrived). Every
    // process looks for untaken ones each half second to re-deliver them, so a
    // crash between a match's commit and its signal costs about a second; the
    // partial index keeps that look to the few untaken rows. Rows that exist
    // already count as taken unless the read model shows them undelivered.
    name: 'reservations taken up by their conversation',
    sqlite: UNTAKEN_RESERVATIONS,
    postgres: UNTAKEN_RESERVATIONS,
  },
  {
    version: 14,
    // Workflows whose workflow tasks keep failing, as the workers' monitors
    // confirmed them with Temporal: every API process answers from here
    // (WORKFLOW_STUCK, the admin list, the gauge). One row per workflow id.
    name: 'stuck workflows',
    sqlite: STUCK_WORKFLOWS,
    postgres: STUCK_WORKFLOWS,
  },
  {
    version: 15,
    name: 'events ordered by a sequencer instead of a lock held to commit',
    sqlite: '',
    postgres: ORDERED_OUTBOX_POSTGRES,
  },
  {
    version: 16,
    name: 'conversation details and transitions in the read model',
    sqlite: CONVERSATION_DETAILS,
    postgres: CONVERSATION_DETAILS,
  },
  {
    version: 17,
    name: 'event ids in a table of their own, given without rewriting event rows',
    sqlite: '',
    postgres: EVENT_ORDER_TABLE_POSTGRES,
  },
];

/** The bookkeeping table, identical on both backends. */
export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** Migrations not yet applied, in order. */
export function pendingMigrations(applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
