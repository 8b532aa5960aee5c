import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

// An endpoint's signing secret is shown to the admin once; the worker needs it
// in clear to sign every delivery, so it cannot be kept as a hash like agent
// tokens. At rest it is sealed with AES-256-GCM under a key derived (HKDF) from
// the server secret CONVOFLOW_SECRET, with the endpoint id as associated data:
// a database dump alone reveals no secret, and a sealed value copied onto
// another endpoint's row does not open.

const SECRET_PREFIX = 'whsec_';
const SEALED_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function key(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', serverSecret, 'convoflow', 'webhook-secret-encryption-v1', 32));
}

/**
 * A new endpoint signing secret (`whsec_` + 32 bytes in base64url). With `seed`
 * (a value derived from an Idempotency-Key) it is derived from it, so a retry
 * of the creating request answers the same secret without it being stored in clear.
 */
export function newWebhookSecret(serverSecret?: string, seed?: string): string {
  const bytes =
    serverSecret !== undefined && seed !== undefined
      ? createHmac('sha256', serverSecret).update(`webhook-secret:${seed}`).digest()
      : randomBytes(32);
  return SECRET_PREFIX + bytes.toString('base64url');
}

/** Seals `secret` for endpoint `endpointId`: `v1.<iv>.<tag>.<ciphertext>`, each base64url. */
export function sealWebhookSecret(serverSecret: string, endpointId: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key(serverSecret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, iv, cipher.getAuthTag(), sealed].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
}

/** The secret sealed for `endpointId`; throws when it does not open (another server secret, or tampered). */
export function openWebhookSecret(serverSecret: string, endpointId: string, sealed: string): string {
  const [version, iv, tag, data, ...rest] = sealed.split('.');
  if (version !== SEALED_VERSION || iv === undefined || tag === undefined || data === undefined || rest.length > 0) {
    throw new Error('The endpoint’s sealed secret is not in a known format.');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(serverSecret), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(endpointId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('The endpoint’s secret does not open with this server’s CONVOFLOW_SECRET (was it changed?).');
  }
}
