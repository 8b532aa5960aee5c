import type { Client } from 'pg';

/**
 * PostgreSQL hands out identity values before commit, so two transactions can
 * commit their events out of id order, and a reader resuming after the higher
 * id would skip the lower one. Instead of serialising commits, a transaction
 * inserts its events with its transaction id (`tx`) and an insertion number
 * (`seq`) but no public id, and this sequencer gives ids afterwards: in one
 * short transaction, under one advisory lock per schema, it numbers (in `seq`
 * order, after the last id given, in the narrow table `event_order`) the rows
 * of every transaction older than the oldest one still running,
 * `pg_snapshot_xmin`, and not older than the previous run's horizon. Every such
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
/**
 * Before each run after the first of a burst (one asked for while another was
 * running, or a retry for a held-back horizon), wait this long, so that it
 * numbers the commits of that moment in one call rather than one call each: a run's fixed cost (a round trip, the lock, the snapshot, the notify)
 * is paid per run, and under many writers runs otherwise follow one another
 * without pause. Events become readable at most this much later. Measured
 * (`node dist/bench/split/commit-order.js`, 16 writers, quiet 2-core machine):
 * ordered ÷ unordered commits 0.76-0.80 without the pause, 0.84-0.87 with 5 ms.
 */
const COALESCE_MS = 5;

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

  /** The sequencer's own connection (opened on first use): a run never waits for, or holds, a writer's pooled one. */
  private client: Client | null = null;

  /**
   * `channel`: where a run that numbered something notifies listeners. A run
   * is one call of `number_events` (migration 17): under the lock, it inserts
   * a narrow (id, seq) row in event_order for each event of a transaction
   * between the last run's horizon and this one's (found through events_tx),
   * so the event rows themselves are never rewritten; its plans are cached.
   */
  constructor(
    private readonly connect: () => Promise<Client>,
    private readonly channel: string,
  ) {
    if (!/^[a-z0-9_]+$/.test(channel)) throw new Error(`Invalid event channel ${channel}.`);
  }

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
    let first = true;
    do {
      if (!first && this.again) await new Promise((r) => setTimeout(r, COALESCE_MS));
      first = false;
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
    const client = this.client ?? (this.client = await this.open());
    try {
      const result = await client.query<{ horizon: string }>({
        name: 'convoflow_number_events',
        text: 'SELECT number_events($1)::text AS horizon',
        values: [this.channel],
      });
      const row = result.rows[0];
      if (!row) throw new Error('the event sequencer answered no horizon');
      return BigInt(row.horizon);
    } catch (error) {
      // Closing the connection rolls back whatever the run left open; the next run opens another.
      this.drop(client);
      throw error;
    }
  }

  private async open(): Promise<Client> {
    const client = await this.connect();
    // A connection that drops between runs (server restart) is replaced by the next run.
    client.on('error', () => this.drop(client));
    return client;
  }

  private drop(client: Client): void {
    if (this.client === client) this.client = null;
    void client.end().catch(() => undefined);
  }

  /** Lets waiting readers go and waits for a run in progress to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const r of [...this.readers]) r.release();
    await this.running;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
