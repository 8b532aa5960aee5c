#!/usr/bin/env node
// Compiles the project (tsc, then the pages with esbuild) into dist/ only when a source is newer than the last
// build, so `npm start` after a crash takes seconds while an edited checkout
// still runs what it says. Run by `npm start` (and start:worker, start:api,
// start:temporal, bench, replay) before node, by `npm install`/`npm ci` (prepare), and
// with --force by `npm run build`.
//
// A source is any file or folder under src/, workflows/, activities/ or bench/,
// or tsconfig*.json or package.json; folders count, so deleting or renaming a
// file rebuilds too. The stamp, dist/.build-stamp, carries the time its build
// *started*: a file saved while tsc runs is newer and rebuilds next time.
//
// A checkout without sources (the Dockerfile runs `npm ci` before copying them)
// skips quietly; two starts at once compile once, under a lock.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['src', 'workflows', 'activities', 'bench'];
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const lock = join(dist, '.build-lock');
/** Every entry point the npm scripts run: a build missing one is no build. */
const OUTPUTS = [
  'src/main.js',
  'src/worker.js',
  'src/server.js',
  'src/temporal-dev-server.js',
  'src/tools/replay.js',
  'bench/run.js',
  'pages/agent.html',
  'workflows/bundle.js',
].map((p) => join(dist, p));
const LOCK_WAIT_MS = 180_000;
/** A lock older than this was left by a build that died. */
const STALE_LOCK_MS = 600_000;

const log = (line) => console.error(`[ensure-built] ${line}`);
const force = process.argv.includes('--force');

/** The newest source file or folder: { path, mtimeMs }. */
function newestSource() {
  let newest = { path: 'package.json', mtimeMs: 0 };
  const consider = (path) => {
    const { mtimeMs } = statSync(path);
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  const walk = (dir) => {
    consider(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else consider(path);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(join(root, dir))) walk(join(root, dir));
  for (const name of readdirSync(root)) if (name === 'package.json' || /^tsconfig.*\.json$/.test(name)) consider(join(root, name));
  return newest;
}

/** Why a build is needed, or null if dist/ is current. */
function staleness() {
  if (force) return 'asked to (--force)';
  if (!existsSync(stamp)) return 'no build yet';
  const missing = OUTPUTS.find((path) => !existsSync(path));
  if (missing) return `${relative(root, missing)} is missing`;
  const newest = newestSource();
  return newest.mtimeMs > statSync(stamp).mtimeMs ? `${relative(root, newest.path) || '.'} changed since the last build` : null;
}

/** Whether the build holding the lock has died (its pid is gone), or the lock is older than any build. */
function lockIsStale() {
  try {
    if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) return true;
    process.kill(Number(readFileSync(join(lock, 'pid'), 'utf8')), 0);
    return false;
  } catch (error) {
    // ESRCH: its owner is gone; ENOENT: released, or taken a moment ago and its pid not written yet.
    return error.code === 'ESRCH';
  }
}

/** Takes the build lock, waiting while another live build holds it. */
async function acquireLock() {
  const deadline = Date.now() + LOCK_WAIT_MS;
  mkdirSync(dist, { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (lockIsStale()) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!waited) log('another build is running: waiting for it');
    waited = true;
    if (Date.now() > deadline)
      throw new Error(`${relative(root, lock)} has been held for ${LOCK_WAIT_MS / 1000} s; remove it if no build runs`);
    await sleep(250);
  }
}

/** Runs tsc and stamps the build; the exit status (0: built). */
function compile() {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    log('TypeScript is not installed (an install without dev dependencies?): run `npm install`, or ship a built dist/.');
    return 1;
  }
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    log(`tsc failed (${result.status ?? result.signal}); dist/ is not current.`);
    return result.status || 1;
  }
  // The pages (src/pages) are bundled by esbuild into dist/pages.
  const pages = spawnSync(process.execPath, [join(root, 'scripts', 'build-pages.mjs')], { cwd: root, stdio: 'inherit' });
  if (pages.status !== 0) {
    log(`the pages did not build (${pages.status ?? pages.signal}); dist/ is not current.`);
    return pages.status || 1;
  }
  // The workflow code every worker loads, bundled once (a restart then skips webpack).
  const workflows = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-workflows.mjs')], { cwd: root, stdio: 'inherit' });
  if (workflows.status !== 0) {
    log(`the workflow bundle did not build (${workflows.status ?? workflows.signal}); dist/ is not current.`);
    return workflows.status || 1;
  }
  writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  utimesSync(stamp, started / 1000, started / 1000);
  log(`compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

if (!existsSync(join(root, 'src'))) {
  log('no sources here (src/ is absent): nothing to build');
  process.exit(0);
}
const reason = staleness();
if (reason !== null) {
  await acquireLock();
  let status = 0;
  try {
    // Another start may have built while we waited for the lock.
    const still = staleness();
    if (still !== null) {
      log(`compiling: ${still}...`);
      status = compile();
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  process.exitCode = status;
}
