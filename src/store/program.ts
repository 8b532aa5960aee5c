/**
 * Store operations are written once as generator "programs" that yield SQL
 * statements and receive their results. The SQLite store runs a program
 * synchronously inside one better-sqlite3 IMMEDIATE transaction (no await can
 * let another caller's statements interleave); the PostgreSQL store runs the
 * same program with awaits on one pooled client inside BEGIN/COMMIT. One body
 * of logic therefore gives both backends exactly the same semantics.
 *
 * Each face of the store (agents and queues, the capacity ledger, the read
 * model, the API's records) is an interface plus a table of operations beside
 * it (`read(program)`, `write(program)`, `steps(...)`); `bindOperations` turns
 * the table into the interface over a backend's `Runner`, so adding an
 * operation touches its interface, its program and the contract suite only.
 */

import type { EventDraft } from '../domain/events';

/** A bound SQL parameter (booleans are stored as 0/1 so both drivers agree). */
export type Param = string | number | null;

/** One SQL statement with `?` placeholders. */
export interface Statement {
  sql: string;
  params: Param[];
}

/** What a runner sends back for a statement: its rows, and the rows it changed. */
export interface StatementResult {
  rows: unknown[];
  rowCount: number;
}

/** A store operation: yields statements, finally returns T. */
export type Program<T> = Generator<Statement, T, StatementResult>;

/** The few places where the backends must speak differently. */
export interface Dialect {
  /**
   * Appended to the INSERT of a transaction's events to answer `{ tx }`, the
   * transaction, so the backend can wait after commit until its events have
   * ids (null where ids are given in commit order already).
   */
  returningEventTransaction: string | null;
  /**
   * The event log as readers see it, for a FROM clause: rows with the
   * position `id` and the columns of `events` (the ids live in a table of
   * their own where they are given after commit).
   */
  eventLog: string;
  /** The table the ids are in: its MAX(id) is the newest readable event. */
  eventIds: string;
  /** The statements deleting every event whose id is at most `id`. */
  pruneEventsThrough(id: number): Statement[];
  /** A SELECT of `n`, the committed events without an id yet, and `oldest`, the time of the oldest (null: ids come with the commit). */
  unnumberedEvents: string | null;
  /** Appended to a SELECT whose rows this transaction will change ('' where one writer excludes all others). */
  forUpdate: string;
  /** Appended to the queue-head SELECT so concurrent dispatchers and pickers pass over each other's heads. */
  forUpdateSkipLocked: string;
  /** A statement serialising all writes about one conversation, or null when all writes are serialised anyway. */
  lockConversation(conversationId: string): Statement | null;
}

/** What every program of one transaction shares: the backend's dialect, the transaction's time, its events. */
export interface Tx {
  dialect: Dialect;
  /** The store clock at the start of the transaction, as canonical ISO text. */
  now: string;
  /**
   * Records an event of this transaction; the backend writes them, in order,
   * as the transaction's last statements. With `key`, a later event of the
   * same key replaces the earlier one (a queue's depth changed ten times in one
   * dispatch round is one event with the final figure), or is combined with it
   * by `merge` (the entries that came and went in that round).
   */
  emit(event: EventDraft, key?: string, merge?: (earlier: EventDraft, later: EventDraft) => EventDraft): void;
}

/** A transaction's context as a backend creates it: the Tx plus the events gathered. */
export class TxContext implements Tx {
  private readonly gathered: { event: EventDraft; key: string | undefined }[] = [];

  constructor(
    readonly dialect: Dialect,
    readonly now: string,
    private readonly writable: boolean,
  ) {}

  emit(event: EventDraft, key?: string, merge?: (earlier: EventDraft, later: EventDraft) => EventDraft): void {
    if (!this.writable) throw new Error('A read-only store operation cannot record events.');
    const at = key === undefined ? -1 : this.gathered.findIndex((g) => g.key === key);
    const earlier = at >= 0 ? this.gathered.splice(at, 1)[0] : undefined;
    this.gathered.push({ event: earlier && merge ? merge(earlier.event, event) : event, key });
  }

  /** The events to write, in the order recorded. */
  get events(): EventDraft[] {
    return this.gathered.map((g) => g.event);
  }
}

/**
 * A multi-step operation: each step is its own program, whose outcome is
 * recorded once the step has committed; `result` is read once no step is left.
 */
export interface Steps<T, S = unknown> {
  /** The next step's program, or null when the operation is done. */
  next(): ((tx: Tx) => Program<S>) | null;
  /** Takes the outcome of a committed step. */
  record(outcome: S): void;
  result(): T;
}

/** One entry of a face's operation table. */
export type Operation<A extends unknown[], T> =
  /** `readsEvents`: reads the event log, so first waits for this process's own events (Runner.eventsWritten). */
  | { mode: 'read' | 'write'; program: (tx: Tx, ...args: A) => Program<T>; readsEvents?: boolean }
  /** Steps that one backend may commit one by one (PostgreSQL: one agent lock per transaction). */
  | { mode: 'steps'; start: (...args: A) => Steps<T> };

/** A read-only operation (one consistent snapshot). */
export function read<A extends unknown[], T>(program: (tx: Tx, ...args: A) => Program<T>): Operation<A, T> {
  return { mode: 'read', program };
}

/** An operation running in one write transaction (retried from scratch on a serialisation failure). */
export function write<A extends unknown[], T>(program: (tx: Tx, ...args: A) => Program<T>): Operation<A, T> {
  return { mode: 'write', program };
}

/** The operation, run once this process's own committed events are readable (it reads the event log). */
export function readingEvents<A extends unknown[], T>(op: Operation<A, T>): Operation<A, T> {
  if (op.mode === 'steps') throw new Error('steps cannot read the event log');
  return { ...op, readsEvents: true };
}

/** An operation made of write steps, each atomic on its own. */
export function steps<A extends unknown[], T, S>(start: (...args: A) => Steps<T, S>): Operation<A, T> {
  return { mode: 'steps', start };
}

/** The operation table that implements interface F. */
export type Operations<F> = {
  [K in keyof F]: F[K] extends (...args: infer A) => Promise<infer T> ? Operation<A, T> : never;
};

/** How a backend runs programs. */
export interface Runner {
  read<T>(program: (tx: Tx) => Program<T>): Promise<T>;
  write<T>(program: (tx: Tx) => Program<T>): Promise<T>;
  /** Runs every step: in one transaction, or each in its own, as the backend's locking needs. */
  steps<T, S>(steps: Steps<T, S>): Promise<T>;
  /**
   * Resolves once the events of every write this process has committed are
   * readable (PostgreSQL numbers them just after commit), so this process
   * reads its own writes' events.
   */
  eventsWritten(): Promise<void>;
}

/** Binds an operation table to a runner: the face's methods. */
export function bindOperations<F>(runner: Runner, operations: Operations<F>): F {
  const face: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, op] of Object.entries(operations as Record<string, Operation<unknown[], unknown>>)) {
    // Async, so a synchronous throw (a validation refusal) arrives as a rejection like every other failure.
    face[name] =
      op.mode === 'steps'
        ? async (...args) => runner.steps(op.start(...args))
        : op.readsEvents
          ? async (...args) => {
              await runner.eventsWritten();
              return runner[op.mode]((tx) => op.program(tx, ...args));
            }
          : async (...args) => runner[op.mode]((tx) => op.program(tx, ...args));
  }
  return face as F;
}

/** Runs a statement and returns all its rows. */
export function* all<T>(sql: string, params: Param[] = []): Program<T[]> {
  const result = yield { sql, params };
  return result.rows as T[];
}

/** Runs a statement and returns its first row, if any. */
export function* one<T>(sql: string, params: Param[] = []): Program<T | undefined> {
  const rows = yield* all<T>(sql, params);
  return rows[0];
}

/** Runs a statement and returns how many rows it changed. */
export function* run(sql: string, params: Param[] = []): Program<number> {
  const result = yield { sql, params };
  return result.rowCount;
}

/** `?, ?, ?` for an IN list of n values (n > 0). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
