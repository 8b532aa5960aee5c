/**
 * Ordered vs unordered write transactions per second through the store's own
 * PostgreSQL backend: 16 writers (two backends of eight connections, like two
 * processes) each commit a row and one event, the event through the outbox
 * (inserted, then numbered in commit order by the sequencer just after
 * commit: src/store/backends/event-sequencer.ts), against the same
 * transactions writing the event's row into the outbox as it was before
 * ordering (the same columns, an identity id, the `at` index) where nobody
 * orders it; and, to tell where the difference goes, the outbox's own insert
 * into a copy of its table that nobody numbers. Three rounds of each, alternated, 5 s a round, in a fresh schema of BENCH_DATABASE_URL (or TEST_DATABASE_URL),
 * dropped at the end. Run alone: `node dist/bench/split/commit-order.js`;
 * `BENCH_MODE=split npm run bench` prints it too.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresBackend } from '../../src/store/backends/postgres';
import type { Program, Tx } from '../../src/store/program';
import { run } from '../../src/store/program';

const BACKENDS = 2;
const WRITERS_PER_BACKEND = 8;
const ROUNDS = 3;
const ROUND_SECONDS = 5;
/** The target: ordered commits at least this share of unordered ones. */
export const COMMIT_ORDER_TARGET = 0.8;

const EVENT = { type: 'queue.hours', queueId: 'bench', data: { open: true, changeAt: null, outOfHoursQueueId: null } } as const;

function* orderedWrite(tx: Tx, key: string, v: number): Program<void> {
  yield* run('INSERT INTO bench_rows (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [key, v]);
  tx.emit(EVENT);
}

function* unorderedWrite(_tx: Tx, key: string, v: number): Program<void> {
  yield* run('INSERT INTO bench_rows (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [key, v]);
  yield* run(
    'INSERT INTO bench_events (type, at, conversation_id, queue_id, agent_id, previous_agent_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [EVENT.type, new Date().toISOString(), null, EVENT.queueId, null, null, JSON.stringify(EVENT.data)],
  );
}

/** The outbox's own insert (the `events` table's columns, defaults and indexes: `tx` and its index among them) into a copy nobody numbers. */
function* outboxShapeWrite(_tx: Tx, key: string, v: number): Program<void> {
  yield* run('INSERT INTO bench_rows (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', [key, v]);
  yield* run(
    'INSERT INTO bench_events_shape (type, at, conversation_id, queue_id, agent_id, previous_agent_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [EVENT.type, new Date().toISOString(), null, EVENT.queueId, null, null, JSON.stringify(EVENT.data)],
  );
}

/** Write transactions committed in one round. */
async function round(backends: PostgresBackend[], program: typeof orderedWrite): Promise<number> {
  let done = 0;
  const until = performance.now() + ROUND_SECONDS * 1000;
  await Promise.all(
    backends.flatMap((backend, b) =>
      Array.from({ length: WRITERS_PER_BACKEND }, async (_, w) => {
        // Bounded by time: each loop ends at `until`.
        for (let i = 0; performance.now() < until; i++) {
          await backend.write((tx) => program(tx, `k${b}-${w}-${i % 100}`, i));
          done += 1;
        }
      }),
    ),
  );
  return done;
}

/** Both rates and the PostgreSQL settings that shape them. */
export interface CommitOrderFigures {
  ordered: number;
  unordered: number;
  /** The outbox's insert without the numbering: what its row shape costs apart from the sequencer. */
  shapeOnly: number;
  settings: string;
  writers: number;
  seconds: number;
  /** How long after the last ordered write its events all had ids (the sequencer's lag at the end). */
  numberedAfterMs: number;
}

/** Measures both in a schema of its own on `url`. */
export async function commitOrderFigures(url: string): Promise<CommitOrderFigures> {
  const schema = `bench_commit_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const backends = Array.from(
    { length: BACKENDS },
    () => new PostgresBackend({ connectionString: url, schema, poolSize: WRITERS_PER_BACKEND }),
  );
  try {
    for (const b of backends) await b.migrate();
    await admin.query(`CREATE TABLE ${schema}.bench_rows (k text PRIMARY KEY, v bigint)`);
    // The outbox before ordering (migration 5): what the same writes cost when nobody orders them.
    await admin.query(
      `CREATE TABLE ${schema}.bench_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, type text NOT NULL, at text NOT NULL,
         conversation_id text, queue_id text, agent_id text, previous_agent_id text, data text NOT NULL)`,
    );
    await admin.query(`CREATE INDEX ON ${schema}.bench_events (at)`);
    await admin.query(`CREATE TABLE ${schema}.bench_events_shape (LIKE ${schema}.events INCLUDING ALL)`);
    const settings = await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'commit_delay') ORDER BY name",
    );
    // Alternated, so a noisy neighbour weighs on both alike.
    let unordered = 0;
    let ordered = 0;
    let shapeOnly = 0;
    for (let r = 0; r < ROUNDS; r++) {
      unordered += await round(backends, unorderedWrite);
      ordered += await round(backends, orderedWrite);
      shapeOnly += await round(backends, outboxShapeWrite);
    }
    unordered /= ROUNDS * ROUND_SECONDS;
    ordered /= ROUNDS * ROUND_SECONDS;
    shapeOnly /= ROUNDS * ROUND_SECONDS;
    // Every event numbered, one by one: writes that returned after the wait limit are numbered soon after.
    const outbox = () =>
      admin.query<{ n: string; lo: string; hi: string; unnumbered: string }>(
        `SELECT count(*) AS n, min(id) AS lo, max(id) AS hi, (SELECT count(*) FROM ${schema}.events) - count(*) AS unnumbered
           FROM ${schema}.event_order`,
      );
    const writesEnded = performance.now();
    let g = (await outbox()).rows[0];
    for (let i = 0; i < 1000 && g && Number(g.unnumbered) > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      g = (await outbox()).rows[0];
    }
    const numberedAfterMs = performance.now() - writesEnded;
    if (!g || Number(g.unnumbered) > 0 || Number(g.hi) - Number(g.lo) + 1 !== Number(g.n))
      throw new Error(`the outbox has gaps or unnumbered events after the run: ${JSON.stringify(g)}`);
    return {
      ordered,
      unordered,
      shapeOnly,
      settings: settings.rows.map((r) => `${r.name}=${r.setting}`).join(' '),
      writers: BACKENDS * WRITERS_PER_BACKEND,
      seconds: ROUNDS * ROUND_SECONDS,
      numberedAfterMs,
    };
  } finally {
    for (const b of backends) await b.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

/** The lines the benchmark prints. */
export function describeCommitOrder(f: CommitOrderFigures): string[] {
  const ratio = f.ordered / f.unordered;
  return [
    `PostgreSQL ${f.settings}; ${f.writers} writers on ${BACKENDS} backends, ${f.seconds} s each, in alternated rounds of ${ROUND_SECONDS} s`,
    `write transactions/s with one event each, unordered (the outbox as before ordering): ${f.unordered.toFixed(0)}`,
    `write transactions/s with one event each through the ordered outbox: ${f.ordered.toFixed(0)} (${ratio.toFixed(2)}x; target >= ${COMMIT_ORDER_TARGET}${ratio >= COMMIT_ORDER_TARGET ? ', met' : ', NOT met'})`,
    `  every event numbered, no gap, ${f.numberedAfterMs.toFixed(0)} ms after the last write returned`,
    `where the difference goes: the outbox's insert alone (its columns and indexes, nobody numbering) ${f.shapeOnly.toFixed(0)}/s (${(f.shapeOnly / f.unordered).toFixed(2)}x unordered); the numbering on top ${(f.ordered / f.shapeOnly).toFixed(2)}x that`,
  ];
}

if (require.main === module) {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('set BENCH_DATABASE_URL (or TEST_DATABASE_URL)');
  commitOrderFigures(url)
    .then((f) => {
      for (const line of describeCommitOrder(f)) console.log(line);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
