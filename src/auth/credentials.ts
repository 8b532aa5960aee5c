import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiConfig } from '../config';

/** The secrets the API checks tokens against. */
export interface Credentials {
  /** Bearer token of the administrator (supervisor routes). */
  adminToken: string;
  /** Server secret for customer tokens and ids derived from idempotency keys. */
  secret: string;
}

/** Credentials for the API, and whether the admin token was generated just now (to show it once). */
export interface ResolvedCredentials {
  credentials: Credentials;
  generatedAdminToken: boolean;
}

/** The errno code of a file-system error (ENOENT, EEXIST), if it has one. */
function errno(error: unknown): unknown {
  // Not `instanceof Error`: errors from another realm (a VM context, Jest) fail it.
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/**
 * Reads a secret file, or creates it with a fresh random value readable only
 * by this user. `wx` makes a concurrent first start lose the race cleanly and
 * read the winner's value instead of overwriting it.
 */
function readOrCreate(path: string): { value: string; created: boolean } {
  try {
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  } catch (error) {
    if (errno(error) !== 'ENOENT') throw error;
  }
  const value = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (error) {
    if (errno(error) !== 'EEXIST') throw error;
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  }
}

/**
 * The admin token and server secret: from the configuration when set, else
 * from `<dataDir>/admin-token` and `<dataDir>/secret`, generated on first start.
 * Several API processes must share them (set both in the environment then).
 */
export function resolveCredentials(api: ApiConfig, dataDir: string): ResolvedCredentials {
  const needsFiles = api.adminToken === null || api.secret === null;
  if (needsFiles) mkdirSync(dataDir, { recursive: true });
  const admin = api.adminToken === null ? readOrCreate(join(dataDir, 'admin-token')) : { value: api.adminToken, created: false };
  return { credentials: { adminToken: admin.value, secret: resolveSecret(api, dataDir) }, generatedAdminToken: admin.created };
}

/**
 * The server secret alone (the worker: it opens webhook endpoint secrets with
 * it), from the configuration or `<dataDir>/secret`, generated on first start.
 */
export function resolveSecret(api: Pick<ApiConfig, 'secret'>, dataDir: string): string {
  if (api.secret !== null) return api.secret;
  mkdirSync(dataDir, { recursive: true });
  return readOrCreate(join(dataDir, 'secret')).value;
}
