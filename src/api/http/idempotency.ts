import type { ApiRecords } from '../../store/records/api-records';

/** Where idempotency records are kept. */
type RecordStore = Pick<ApiRecords, 'getIdempotencyRecord' | 'saveIdempotencyRecord'>;
import { ApiError, ApiErrorCode } from './errors';
import { derivedId, sha256 } from '../../auth/tokens';

// Our own, not a library: the idempotency middlewares for Express keep keys in
// process memory or in Redis, beside the operation rather than with it. Here the
// record lives in the store every API process shares (SQLite or PostgreSQL),
// written insert-or-nothing so the first answer stands across processes and
// restarts; keys are scoped per route, target and caller, bound to the client
// on public routes, answers are stored without their credentials, and the ids
// derived from a key let Temporal dedupe the very update a lost answer hid.
// None of that fits a generic response cache.

/** The request header carrying an idempotency key. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * The Idempotency-Key of one request and where it applies. A key is scoped to
 * its route, target (path parameters) and caller, so the same key sent by
 * another agent, or for another conversation, is simply another request. On
 * public routes (starting a chat) the caller has no identity: the record is
 * bound to the client (a hash of its address and User-Agent) instead, and a
 * replay to another client is refused, so knowing a key never yields someone
 * else's customer token.
 */
export interface Idempotency {
  key: string;
  /** Route, target and caller: the store's scope column. */
  scope: string;
  /** The client a public route's record is bound to; null on authenticated routes (the scope names the caller). */
  client: string | null;
  /**
   * A stable id for `purpose` (a conversation, a message, an update, a token
   * seed): the same for every retry of this request, different for any other
   * scope, client or key. Work re-run after a crash finds what it created.
   */
  derive(purpose: string): string;
}

/** The answer recorded for a key: replayed as it was, credentials excepted (they are recomputed). */
export interface StoredReply {
  fingerprint: string;
  client: string | null;
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** The Idempotency of a request with key `key`. */
export function idempotencyFor(
  secret: string,
  request: { key: string; scope: string; client: { ip: string; userAgent: string } | null },
): Idempotency {
  const client = request.client === null ? null : sha256(`${request.client.ip}\n${request.client.userAgent}`).slice(0, 32);
  const { key, scope } = request;
  return { key, scope, client, derive: (purpose) => derivedId(secret, purpose, `${scope}\n${client ?? ''}\n${key}`) };
}

/** JSON with sorted keys, so the same body sent with its fields in another order has the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What identifies a request's content under one key: its body and query. */
export function fingerprintOf(request: unknown): string {
  return sha256(canonical(request));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(response: string): StoredReply | null {
  let value: unknown;
  try {
    value = JSON.parse(response);
  } catch {
    return null;
  }
  if (!isObject(value) || typeof value.fingerprint !== 'string' || typeof value.status !== 'number') return null;
  const headers: Record<string, string> = {};
  if (isObject(value.headers)) for (const [name, v] of Object.entries(value.headers)) if (typeof v === 'string') headers[name] = v;
  return {
    fingerprint: value.fingerprint,
    client: typeof value.client === 'string' ? value.client : null,
    status: value.status,
    body: value.body,
    headers,
  };
}

/** Refuses a replay to another client or of another body; the error says nothing of the first request. */
function check(stored: StoredReply, idempotency: Idempotency, fingerprint: string): StoredReply {
  if (stored.client !== idempotency.client) {
    throw new ApiError(ApiErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used by another client; use a fresh key.');
  }
  if (stored.fingerprint !== fingerprint) {
    throw new ApiError(ApiErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request body.');
  }
  return stored;
}

/** The answer recorded for this key, checked against this request; null when none was recorded. */
export async function lookUp(store: RecordStore, idempotency: Idempotency, fingerprint: string): Promise<StoredReply | null> {
  const existing = await store.getIdempotencyRecord(idempotency.scope, idempotency.key);
  const stored = existing && parse(existing.response);
  return stored ? check(stored, idempotency, fingerprint) : null;
}

/**
 * Records a successful answer (refusals change nothing, so a retry of one just
 * runs again). The first answer recorded stands: when a concurrent retry won,
 * its answer is returned with `ours: false` and is the one to send.
 */
export async function record(
  store: RecordStore,
  idempotency: Idempotency,
  fingerprint: string,
  reply: { status: number; body: unknown; headers: Record<string, string> },
): Promise<{ stored: StoredReply; ours: boolean }> {
  const mine: StoredReply = { fingerprint, client: idempotency.client, ...reply };
  const text = JSON.stringify(mine);
  const saved = await store.saveIdempotencyRecord(idempotency.scope, idempotency.key, text);
  if (saved.response === text) return { stored: mine, ours: true };
  const theirs = parse(saved.response);
  if (!theirs) throw new Error(`Unreadable idempotency record for scope ${idempotency.scope}.`);
  return { stored: check(theirs, idempotency, fingerprint), ours: false };
}
