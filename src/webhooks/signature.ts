import { createHmac, timingSafeEqual } from 'node:crypto';

// Stripe's signing scheme, so receivers can reuse code they know:
//   Convoflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is signed with the body, so a receiver that refuses old
// timestamps refuses replays of a captured request.

/** How old a signed timestamp a receiver should still accept, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

const HEX_SIGNATURE = /^[0-9a-f]{64}$/;

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The Convoflow-Signature value for `body` sent at `timestamp` (unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string | Buffer): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Whether `header` (Convoflow-Signature) is a valid signature of `body` (the
 * raw request body, exactly as received: not re-serialised JSON) with the
 * endpoint's `secret`, made at most `toleranceSeconds` (default 300) from
 * `nowMs` (default: now), so a replayed old request is refused. Any of several
 * `v1=` values may match (a receiver may see one per secret during a change).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  nowMs: number = Date.now(),
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (typeof header !== 'string') return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (rest.length > 0 || value === undefined) return false;
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && HEX_SIGNATURE.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
