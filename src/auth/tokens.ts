import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ID_PATTERN } from '../domain/ids';

// Prefixes tell the token kinds apart without a store lookup and make leaked
// tokens easy to recognise in scanners.
const AGENT_PREFIX = 'agt_';
const CUSTOMER_PREFIX = 'cus_';
// 32 bytes in unpadded base64url: exactly 43 characters of the URL-safe alphabet.
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const AGENT_TOKEN = /^agt_[A-Za-z0-9_-]{43}$/;
const ID = new RegExp(ID_PATTERN, 'u');

/** SHA-256 hex digest: how agent tokens are kept at rest. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A keyed hash of `purpose:value` with the server secret (customer tokens, derived ids and tokens). */
export function keyedHash(secret: string, purpose: string, value: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest();
}

/**
 * A fresh agent bearer token and the hash to store for it. With `seed` (a
 * value derived from an Idempotency-Key) the token is derived from it, so a
 * replayed answer can give the same token again without it ever being stored.
 */
export function newAgentToken(secret?: string, seed?: string): { token: string; hash: string } {
  const bytes = secret !== undefined && seed !== undefined ? keyedHash(secret, 'agent-token', seed) : randomBytes(32);
  const token = AGENT_PREFIX + bytes.toString('base64url');
  return { token, hash: sha256(token) };
}

/** Whether a bearer value has the exact shape of an agent token. */
export function isAgentToken(token: string): boolean {
  return AGENT_TOKEN.test(token);
}

/** The customer token for one conversation: its id plus an HMAC proving the server issued it. */
export function customerToken(secret: string, conversationId: string): string {
  return `${CUSTOMER_PREFIX}${conversationId}.${keyedHash(secret, 'customer', conversationId).toString('base64url')}`;
}

/**
 * The conversation a customer token is valid for, or null when it is not a
 * genuine customer token. Parsed strictly: Buffer.from(…, 'base64url') skips
 * junk characters and padding, so the signature must be exactly the canonical
 * 43-character encoding of the 32-byte HMAC.
 */
export function verifyCustomerToken(secret: string, token: string): string | null {
  if (!token.startsWith(CUSTOMER_PREFIX)) return null;
  const dot = token.lastIndexOf('.');
  const conversationId = token.slice(CUSTOMER_PREFIX.length, dot);
  const signature = token.slice(dot + 1);
  if (dot < 0 || !ID.test(conversationId) || !SIGNATURE.test(signature)) return null;
  const given = Buffer.from(signature, 'base64url');
  // The last character carries 4 bits and 2 padding bits: a sibling that differs only there decodes alike.
  if (given.toString('base64url') !== signature) return null;
  const expected = keyedHash(secret, 'customer', conversationId);
  return given.length === expected.length && timingSafeEqual(given, expected) ? conversationId : null;
}

/** A UUID-shaped id derived from a secret-keyed hash, so the same idempotency key always names the same thing. */
export function derivedId(secret: string, purpose: string, value: string): string {
  const hex = keyedHash(secret, purpose, value).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
