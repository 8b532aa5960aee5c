import type { PoolClient, PoolConfig } from 'pg';
import { Client, Pool } from 'pg';
import { writeEvents } from '../events/event-programs';
import { EventSequencer } from './event-sequencer';
import { SCHEMA_MIGRATIONS_TABLE, pendingMigrations } from './migrations';
import type { Dialect, Program, Statement, Steps, Tx } from '../program';
import { TxContext } from '../program';
import type { Backend, Clock } from '../store';

/** How to connect the shared store. */
export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema to use instead of the role's default search_path (tests isolate runs this way). */
  schema?: string;
  clock?: Clock;
  poolSize?: number;
}

// Advisory-lock namespaces (the two-key form), so store locks cannot collide
// with other users of the database.
const CONVERSATION_LOCK = 0x636f6e76; // 'conv'
const MIGRATION_LOCK = 0x6d696772; // 'migr'
/** How long the event listener waits before reconnecting after its connection dropped. */
const RELISTEN_DELAY_MS = 1_000;
/** While this process listens for events, how often it numbers what a writer that crashed after its commit left. */
const SEQUENCER_SWEEP_MS = 5_000;

/**
 * The dialect for one schema. Events are inserted without an id and numbered
 * after commit by the sequencer (event-sequencer.ts), so commits are never
 * serialised by the outbox.
 */
const DIALECT: Dialect = {
  forUpdate: ' FOR UPDATE',
  forUpdateSkipLocked: ' FOR UPDATE SKIP LOCKED',
  // Serialises every write about one conversation (claim, reserve, apply) across processes.
  lockConversation: (conversationId) => ({
    sql: 'SELECT pg_advisory_xact_lock(?, hashtext(?))',
    params: [CONVERSATION_LOCK, conversationId],
  }),
  returningEventTransaction: ' RETURNING tx::text AS tx',
  eventLog: 'event_order JOIN events USING (seq)',
  eventIds: 'event_order',
  pruneEventsThrough: (id) => [
    { sql: 'DELETE FROM events WHERE seq IN (SELECT seq FROM event_order WHERE id <= ?)', params: [id] },
    { sql: 'DELETE FROM event_order WHERE id <= ?', params: [id] },
  ],
  // Every transaction below the horizon the sequencer last numbered has its ids: the rest have none.
  unnumberedEvents: 'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM events WHERE tx >= (SELECT horizon FROM event_sequencer)',
};

// Deadlocks (40P01) and serialisation failures (40001) are resolved by
// running the whole transaction again from a fresh read.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

const numbered = new Map<string, string>();

/** Rewrites `?` placeholders to `$1, $2, ...` (the programs' SQL contains no other `?`). */
function toNumbered(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, text);
  }
  return text;
}

async function execute<T>(client: PoolClient, program: Program<T>): Promise<T> {
  let step = program.next();
  while (!step.done) {
    const statement: Statement = step.value;
    const result = await client.query(toNumbered(statement.sql), statement.params);
    step = program.next({ rows: result.rows as unknown[], rowCount: result.rowCount ?? 0 });
  }
  return step.value;
}

/**
 * The shared capacity store on PostgreSQL, for several API and worker
 * processes. Transactions run at READ COMMITTED with explicit row locks
 * (agent rows before any room check) and always take locks in the same order.
 */
export class PostgresBackend implements Backend {
  private readonly pool: Pool;
  private readonly clock: Clock;
  private readonly config: PoolConfig;
  private readonly channel: string;
  private readonly sequencer: EventSequencer;
  private sweep: NodeJS.Timeout | null = null;
  private readonly eventListeners = new Set<() => void>();
  private listener: Client | null = null;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    const config: PoolConfig = { connectionString: options.connectionString, max: options.poolSize ?? 10 };
    if (options.schema) {
      // It goes into a startup option unquoted, so only a plain identifier is allowed.
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.schema)) throw new Error(`Invalid PostgreSQL schema name ${options.schema}.`);
      config.options = `-c search_path=${options.schema}`;
    }
    this.config = config;
    // One channel per schema, so stores sharing a database (tests) wake only their own streams.
    this.channel = `convoflow_events_${(options.schema ?? 'public').toLowerCase()}`;
    this.pool = new Pool(config);
    this.sequencer = new EventSequencer(async () => {
      const client = new Client(config);
      await client.connect();
      return client;
    }, this.channel);
    // An idle connection that drops (server restart) emits here; without a
    // listener it would crash the process. The pool discards it and the next
    // query connects afresh, so there is nothing else to do.
    this.pool.on('error', () => undefined);
  }

  private async transaction<T>(begin: string, program: (tx: Tx) => Program<T>): Promise<T> {
    const { result, written } = await this.attempts(begin, program);
    // Numbered after commit, without holding up the writer (eventsWritten waits for them).
    if (written !== null) this.sequencer.settle(written);
    return result;
  }

  /**
   * A pooled connection, listened to while it is checked out: the pool listens
   * only to idle ones, and a connection that drops mid-transaction (a server
   * restart) emits 'error' besides failing its query. Unheard, that event
   * would end the process; the query's failure already tells the caller.
   */
  private async checkout(): Promise<PoolClient & { release(err?: Error | boolean): void }> {
    const client = await this.pool.connect();
    const ignore = (): void => undefined;
    client.on('error', ignore);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.removeListener('error', ignore);
      release(err);
    };
    return client;
  }

  private async attempts<T>(begin: string, program: (tx: Tx) => Program<T>): Promise<{ result: T; written: string | null }> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.checkout();
      let broken: Error | undefined;
      try {
        await client.query(begin);
        const writable = !begin.includes('READ ONLY');
        const tx = new TxContext(DIALECT, this.clock().toISOString(), writable);
        const result = await execute(client, program(tx));
        const written = writable ? await execute(client, writeEvents(DIALECT, tx.events, tx.now)) : null;
        await client.query('COMMIT');
        return { result, written };
      } catch (error) {
        // A connection that cannot even roll back is destroyed, not pooled.
        broken = await client.query('ROLLBACK').then(
          () => undefined,
          (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
        );
        const code = (error as { code?: string }).code;
        if (attempt >= MAX_ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  read<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    // One snapshot for every statement of a read (an agent and its queues agree).
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', program);
  }

  write<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    return this.transaction('BEGIN', program);
  }

  /**
   * Each step commits on its own: a transaction then holds at most one agent
   * lock, so dispatchers of queues sharing agents cannot deadlock, and each
   * step is still atomic.
   */
  /** Resolves once the events of this process's committed writes have their ids (at most about 2 s). */
  eventsWritten(): Promise<void> {
    return this.sequencer.settled();
  }

  async steps<T, S>(steps: Steps<T, S>): Promise<T> {
    for (let step = steps.next(); step; step = steps.next()) steps.record(await this.write(step));
    return steps.result();
  }

  async migrate(): Promise<void> {
    const client = await this.checkout();
    try {
      await client.query('BEGIN');
      // Concurrent starters queue on this lock; each later one finds the work done.
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [MIGRATION_LOCK]);
      await client.query(SCHEMA_MIGRATIONS_TABLE);
      const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      for (const m of pendingMigrations(applied.rows.map((r) => r.version))) {
        await client.query(m.postgres);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          this.clock().toISOString(),
        ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Calls `listener` whenever events written by any process on this database
   * have been given their ids (the sequencer's NOTIFY, on one dedicated
   * connection opened with the first listener); also once after
   * (re)connecting, to catch up on a gap.
   */
  onEvents(listener: () => void): () => void {
    this.eventListeners.add(listener);
    if (!this.listener) void this.listen();
    return () => {
      this.eventListeners.delete(listener);
      if (this.eventListeners.size === 0) void this.unlisten();
    };
  }

  private wake(): void {
    for (const listener of this.eventListeners) listener();
  }

  private async listen(): Promise<void> {
    if (this.closed || this.listener || this.eventListeners.size === 0) return;
    const client = new Client(this.config);
    this.listener = client;
    const reconnect = (): void => {
      if (this.listener !== client) return;
      this.listener = null;
      void client.end().catch(() => undefined);
      setTimeout(() => void this.listen(), RELISTEN_DELAY_MS).unref();
    };
    client.on('error', reconnect);
    client.on('end', reconnect);
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      // Numbers whatever a writer that crashed after its commit left, then now and then while listening.
      this.sequencer.kick();
      if (!this.sweep) this.sweep = setInterval(() => this.sequencer.kick(), SEQUENCER_SWEEP_MS).unref();
      this.wake();
    } catch {
      reconnect();
    }
  }

  private async unlisten(): Promise<void> {
    const client = this.listener;
    this.listener = null;
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = null;
    await client?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.eventListeners.clear();
    await this.unlisten();
    await this.sequencer.close();
    await this.pool.end();
  }
}
