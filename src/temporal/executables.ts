import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

/**
 * Which server executable the SDK should run; structurally the SDK's
 * `EphemeralServerExecutable`, declared here because `@temporalio/testing` is a
 * dev dependency and production code must not need it.
 */
export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

/** The environment variables read here. */
export interface ExecutableEnv {
  TEMPORAL_CLI_PATH?: string;
  TEMPORAL_TEST_SERVER_PATH?: string;
}

/** Where scripts/provision-temporal.mjs puts the executables. */
export function temporalCacheDir(): string {
  return join(projectRoot(), '.temporal-cache');
}

/** Path of the Temporal CLI that `npm install` builds. */
export function provisionedCliPath(cacheDir = temporalCacheDir()): string {
  return join(cacheDir, 'bin', process.platform === 'win32' ? 'temporal.exe' : 'temporal');
}

/** Path of the time-skipping test server wrapper that `npm install` writes. */
export function provisionedTestServerPath(cacheDir = temporalCacheDir()): string {
  return join(cacheDir, 'test-server', 'temporal-test-server');
}

function resolve(override: string | undefined, variable: string, provisioned: string): ServerExecutable {
  if (override) {
    // An explicit override that points nowhere is a mistake worth stopping for, not a reason to download.
    if (!existsSync(override)) throw new Error(`${variable}=${override}: no such file`);
    return { type: 'existing-path', path: override };
  }
  return existsSync(provisioned) ? { type: 'existing-path', path: provisioned } : { type: 'cached-download' };
}

/** The Temporal CLI (dev server): TEMPORAL_CLI_PATH, else the provisioned one, else the SDK's download. */
export function resolveDevServerExecutable(env: ExecutableEnv = process.env, cacheDir = temporalCacheDir()): ServerExecutable {
  return resolve(env.TEMPORAL_CLI_PATH, 'TEMPORAL_CLI_PATH', provisionedCliPath(cacheDir));
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, else the provisioned one, else the SDK's download. */
export function resolveTestServerExecutable(env: ExecutableEnv = process.env, cacheDir = temporalCacheDir()): ServerExecutable {
  return resolve(env.TEMPORAL_TEST_SERVER_PATH, 'TEMPORAL_TEST_SERVER_PATH', provisionedTestServerPath(cacheDir));
}

/** One line explaining how to provision what `cached-download` would otherwise fetch from the internet. */
export function provisioningHint(what: 'dev server' | 'test server'): string {
  return what === 'dev server'
    ? 'The Temporal CLI is not provisioned: run `npm install` with Go 1.25+ installed (it builds .temporal-cache/bin/temporal), or set TEMPORAL_CLI_PATH.'
    : 'The Temporal test server is not provisioned: run `npm install` with Java 17+ and Maven installed (it fills .temporal-cache/test-server), or set TEMPORAL_TEST_SERVER_PATH.';
}
