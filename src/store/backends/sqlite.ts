import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SCHEMA_MIGRATIONS_TABLE, pendingMigrations } from './migrations';
import { EventEmitter } from 'node:events';
import { writeEvents } from '../events/event-programs';
import type { Dialect, Program, StatementResult, Steps, Tx } from '../program';
import { TxContext } from '../program';
import type { Backend, Clock } from '../store';

/** How to open the embedded store. */
export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a private in-process database. */
  file: string;
  clock?: Clock;
  /** How long a writer waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

// SQLite admits one writer at a time and every write runs in an IMMEDIATE
// transaction (the write lock is taken at BEGIN), so a transaction's reads
// cannot be invalidated before it commits: no row locks are needed.
const SQLITE_DIALECT: Dialect = {
  forUpdate: '',
  forUpdateSkipLocked: '',
  lockConversation: () => null,
  returningEventTransaction: null,
  eventLog: 'events',
  eventIds: 'events',
  pruneEventsThrough: (id) => [{ sql: 'DELETE FROM events WHERE id <= ?', params: [id] }],
  unnumberedEvents: null,
};

/**
 * The embedded store's backend on better-sqlite3. Programs run synchronously,
 * so a transaction is never interleaved with another call in this process;
 * other processes sharing the file wait on the write lock (busy_timeout).
 */
export class SqliteBackend implements Backend {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly clock: Clock;
  /** Fires after a commit that wrote events (in-process streams: SQLite has no cross-process notification). */
  private readonly committed = new EventEmitter().setMaxListeners(0);

  constructor(options: SqliteStoreOptions) {
    this.clock = options.clock ?? (() => new Date());
    if (options.file !== ':memory:' && options.file !== '') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    // WAL lets readers proceed during a write; NORMAL syncs at checkpoints
    // only, which in WAL mode can lose the last commits on power loss but
    // never corrupts; Temporal's history is the source of truth to replay from.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.pragma('foreign_keys = ON');
  }

  private execute(program: Program<unknown>): unknown {
    let step = program.next();
    while (!step.done) {
      const { sql, params } = step.value;
      let statement = this.statements.get(sql);
      if (!statement) {
        statement = this.db.prepare(sql);
        this.statements.set(sql, statement);
      }
      let result: StatementResult;
      if (statement.reader) {
        const rows = statement.all(...params);
        result = { rows, rowCount: rows.length };
      } else {
        result = { rows: [], rowCount: statement.run(...params).changes };
      }
      step = program.next(result);
    }
    return step.value;
  }

  private tx(writable: boolean): TxContext {
    return new TxContext(SQLITE_DIALECT, this.clock().toISOString(), writable);
  }

  read<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    // A deferred transaction gives multi-statement reads one consistent snapshot.
    return this.settle(() => this.db.transaction(() => this.execute(program(this.tx(false))) as T).deferred());
  }

  write<T>(program: (tx: Tx) => Program<T>): Promise<T> {
    return this.writeTransaction((tx) => this.execute(program(tx)) as T);
  }

  /** Every step in one IMMEDIATE transaction: one writer excludes all others, so no step can deadlock another. */
  steps<T, S>(steps: Steps<T, S>): Promise<T> {
    return this.writeTransaction((tx) => {
      for (let step = steps.next(); step; step = steps.next()) steps.record(this.execute(step(tx)) as S);
      return steps.result();
    });
  }

  /** One IMMEDIATE transaction ending with the events it recorded; streams are woken once it has committed. */
  private writeTransaction<T>(body: (tx: TxContext) => T): Promise<T> {
    let wroteEvents = false;
    const result = this.settle(() =>
      this.db
        .transaction(() => {
          const tx = this.tx(true);
          const value = body(tx);
          this.execute(writeEvents(SQLITE_DIALECT, tx.events, tx.now));
          wroteEvents = tx.events.length > 0;
          return value;
        })
        .immediate(),
    );
    if (wroteEvents) process.nextTick(() => this.committed.emit('events'));
    return result;
  }

  /** Calls `listener` after every commit that wrote events in this process. */
  onEvents(listener: () => void): () => void {
    this.committed.on('events', listener);
    return () => this.committed.off('events', listener);
  }

  /** Turns a synchronous result or throw into a promise, as the interface is asynchronous. */
  private settle<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Ids are given at insert by the one writer, in commit order: nothing to wait for. */
  eventsWritten(): Promise<void> {
    return Promise.resolve();
  }

  migrate(): Promise<void> {
    // IMMEDIATE: a second process migrating the same file waits, then finds
    // the versions already recorded and applies nothing.
    return this.settle(() =>
      this.db
        .transaction(() => {
          this.db.exec(SCHEMA_MIGRATIONS_TABLE);
          const applied = this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[];
          for (const m of pendingMigrations(applied.map((a) => a.version))) {
            this.db.exec(m.sqlite);
            this.db
              .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
              .run(m.version, m.name, this.clock().toISOString());
          }
        })
        .immediate(),
    );
  }

  close(): Promise<void> {
    this.statements.clear();
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
