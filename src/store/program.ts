/**
 * Store operations are written once as generator "programs" that yield SQL
 * statements and receive their results. The SQLite store runs a program
 * synchronously inside one better-sqlite3 IMMEDIATE transaction (no await can
 * let another caller's statements interleave); the PostgreSQL store runs the
 * same program with awaits on one pooled client inside BEGIN/COMMIT. One body
 * of logic therefore gives both backends exactly the same semantics.
 */

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
  /** Appended to a SELECT whose rows this transaction will change ('' where one writer excludes all others). */
  forUpdate: string;
  /** Appended to the queue-head SELECT so concurrent dispatchers and pickers pass over each other's heads. */
  forUpdateSkipLocked: string;
  /** A statement serialising all writes about one conversation, or null when all writes are serialised anyway. */
  lockConversation(conversationId: string): Statement | null;
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
