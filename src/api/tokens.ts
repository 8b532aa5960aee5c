import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Prefixes tell the token kinds apart without a store lookup and make leaked
// tokens easy to recognise in scanners.
const AGENT_PREFIX = 'agt_';
const CUSTOMER_PREFIX = 'cus_';

/** SHA-256 hex digest: how agent tokens are kept at rest. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A fresh agent bearer token and the hash to store for it. */
export function newAgentToken(): { token: string; hash: string } {
  const token = AGENT_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: sha256(token) };
}

/** Whether a bearer value looks like an agent token. */
export function isAgentToken(token: string): boolean {
  return token.startsWith(AGENT_PREFIX);
}

/** A keyed hash of `purpose:value` with the server secret (customer tokens, derived ids). */
export function keyedHash(secret: string, purpose: string, value: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest();
}

/** The customer token for one conversation: its id plus an HMAC proving the server issued it. */
export function customerToken(secret: string, conversationId: string): string {
  return `${CUSTOMER_PREFIX}${conversationId}.${keyedHash(secret, 'customer', conversationId).toString('base64url')}`;
}

/** The conversation a customer token is valid for, or null when it is not a genuine customer token. */
export function verifyCustomerToken(secret: string, token: string): string | null {
  if (!token.startsWith(CUSTOMER_PREFIX)) return null;
  const dot = token.lastIndexOf('.');
  if (dot <= CUSTOMER_PREFIX.length) return null;
  const conversationId = token.slice(CUSTOMER_PREFIX.length, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = keyedHash(secret, 'customer', conversationId);
  return given.length === expected.length && timingSafeEqual(given, expected) ? conversationId : null;
}

/** A UUID-shaped id derived from a secret-keyed hash, so the same idempotency key always names the same thing. */
export function derivedId(secret: string, purpose: string, value: string): string {
  const hex = keyedHash(secret, purpose, value).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
