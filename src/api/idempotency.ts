import type { Store } from '../store/store';
import { ApiError, ApiErrorCode } from './errors';
import type { Reply } from './route';
import { sha256 } from './tokens';

/** The request header carrying an idempotency key. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
}

/**
 * Runs `work` once per (scope, key): a retry with the same key and body gets
 * the first answer (marked Idempotent-Replayed); the same key with another
 * body is refused. Without a key, `work` just runs. `work` itself must be safe
 * to re-run after a crash before the answer is recorded (callers derive ids
 * from the key for that).
 */
export async function idempotent(
  store: Store,
  scope: string,
  key: string | undefined,
  request: unknown,
  work: () => Promise<Reply>,
): Promise<Reply> {
  if (key === undefined) return work();
  const fingerprint = sha256(JSON.stringify(request ?? null));
  const existing = await store.getIdempotencyRecord(scope, key);
  if (existing) return replay(JSON.parse(existing.response) as Stored, fingerprint);
  const reply = await work();
  const stored: Stored = { fingerprint, status: reply.status, body: reply.body };
  // If a concurrent retry recorded first, its answer stands and is returned here too.
  const record = await store.saveIdempotencyRecord(scope, key, JSON.stringify(stored));
  return record.response === JSON.stringify(stored) ? reply : replay(JSON.parse(record.response) as Stored, fingerprint);
}

function replay(stored: Stored, fingerprint: string): Reply {
  if (stored.fingerprint !== fingerprint) {
    throw new ApiError(ApiErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request body.');
  }
  return { status: stored.status, body: stored.body, headers: { 'Idempotent-Replayed': 'true' } };
}
