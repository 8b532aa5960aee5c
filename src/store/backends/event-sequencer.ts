import type { Pool, PoolClient, QueryResult } from 'pg';

/**
 * PostgreSQL hands out identity values before commit, so two transactions can
 * commit their events out of id order, and a reader resuming after the higher
 * id would skip the lower one. Instead of serialising commits, a transaction
 * inserts its events with its transaction id (`tx`) and an insertion number
 * (`seq`) but no public id, and this sequencer gives ids afterwards: in one
 * short transaction, under one advisory lock per schema, it numbers (in `seq`
 * order, after the highest id given or pruned) the rows of every transaction
 * older than the oldest one still running, `pg_snapshot_xmin`. Every such
 * transaction has ended, so no row can later appear below an id a reader has
 * passed: readers see ids in order and without gaps. Rows of causally ordered
 * transactions keep their order, because a transaction waiting on another's
 * row or conversation lock inserts its events after the other commits.
 *
 * The cost: an event becomes readable once every transaction that began
 * writing before it has ended (on the whole PostgreSQL cluster: transaction
 * ids are cluster-wide), normally milliseconds; one transaction left open
 * holds every event back (docs/operations.md).
 */

/** How long a reader in this process waits for its own writes' events to be numbered (a transaction elsewhere holds the horizon). */
const SETTLE_LIMIT_MS = 2_000;
/** Pauses between runs while a waiting write's transaction is not below the horizon yet. */
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 100;

/** The one statement of a run, numbering what it may (simple protocol: BEGIN to COMMIT in one round trip). */
export function sequencerSql(lockNamespace: number, channel: string): string {
  if (!/^[a-z0-9_]+$/.test(channel)) throw new Error(`Invalid event channel ${channel}.`);
  return `BEGIN;
SELECT pg_advisory_xact_lock(${lockNamespace}, hashtext(current_schema()));
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
pending AS (
  SELECT e.seq, row_number() OVER (ORDER BY e.seq) AS n
    FROM events e, horizon h
   WHERE e.id IS NULL AND e.tx < h.xmin
),
base AS (
  SELECT GREATEST(
    COALESCE((SELECT MAX(id) FROM events), 0),
    COALESCE((SELECT value::bigint FROM store_meta WHERE key = 'events_pruned_through'), 0)
  ) AS b
),
given AS (
  UPDATE events e SET id = base.b + pending.n FROM pending, base WHERE e.seq = pending.seq RETURNING e.id
)
SELECT (SELECT xmin FROM horizon)::text AS horizon,
       (SELECT count(*) FROM given)::int AS given,
       CASE WHEN EXISTS (SELECT 1 FROM given) THEN pg_notify('${channel}', '') END AS notified;
COMMIT;`;
}

interface Reader {
  /** The highest transaction this process had committed events in when the reader asked. */
  through: bigint;
  release: () => void;
}

/** One process's sequencer: runs are coalesced (one at a time, one more queued). */
export class EventSequencer {
  /** The highest transaction of this process whose events may still lack ids (null: none). */
  private owed: bigint | null = null;
  /** The highest horizon a run has numbered below: every transaction under it has its ids. */
  private horizon = 0n;
  private readonly readers = new Set<Reader>();
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly sql: string,
  ) {}

  /** Has the events of committed transaction `tx` numbered, as soon as every older transaction has ended. */
  settle(tx: string): void {
    if (this.closed) return;
    const t = BigInt(tx);
    if (this.owed === null || t > this.owed) this.owed = t;
    this.kick();
  }

  /**
   * Resolves once the events of every transaction settled so far have ids,
   * or after SETTLE_LIMIT_MS (a transaction elsewhere holds the horizon; a
   * later run numbers them).
   */
  settled(): Promise<void> {
    const through = this.owed;
    if (through === null || through < this.horizon || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const reader: Reader = {
        through,
        release: () => {
          clearTimeout(timer);
          this.readers.delete(reader);
          resolve();
        },
      };
      const timer = setTimeout(reader.release, SETTLE_LIMIT_MS);
      this.readers.add(reader);
    });
  }

  /** Starts a run now, or right after the one in progress (whose snapshot may predate the caller's commit). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drive().finally(() => {
      this.running = null;
    });
  }

  private async drive(): Promise<void> {
    let pause = RETRY_FIRST_MS;
    do {
      this.again = false;
      const horizon = await this.runOnce().catch(() => null);
      if (horizon !== null && horizon > this.horizon) this.horizon = horizon;
      for (const r of [...this.readers]) if (r.through < this.horizon) r.release();
      if (this.owed !== null && this.owed < this.horizon) this.owed = null;
      if (this.owed !== null && !this.closed) {
        // Held back by a transaction still running (or the run failed): look again shortly.
        if (!this.again) {
          await new Promise((r) => setTimeout(r, pause));
          pause = Math.min(pause * 2, RETRY_MAX_MS);
        }
        this.again = true;
      }
    } while (this.again && !this.closed);
  }

  /** One run; the horizon it numbered below. */
  private async runOnce(): Promise<bigint> {
    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const results = (await client.query(this.sql)) as unknown as QueryResult<{ horizon: string }>[];
      const row = results.find((r) => r.command === 'SELECT' && r.fields.some((f) => f.name === 'horizon'))?.rows[0];
      if (!row) throw new Error('the event sequencer answered no horizon');
      return BigInt(row.horizon);
    } catch (error) {
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
      );
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Lets waiting readers go and waits for a run in progress to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of [...this.readers]) r.release();
    await this.running;
  }
}
