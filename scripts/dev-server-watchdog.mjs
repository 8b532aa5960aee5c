#!/usr/bin/env node
// Runs one server process (the Temporal dev server) for a parent process and
// makes sure it never outlives that parent, even when the parent is SIGKILLed.
//
//   node scripts/dev-server-watchdog.mjs <pid-file> <grace-ms> <executable> [args...]
//
// src/temporal/dev-server.ts spawns this detached (its own session and process
// group, so a terminal's Ctrl-C reaches only convoflow, which then stops things
// in order) with a pipe on our stdin. Nothing is ever written to that pipe: the
// parent's only message is closing it. EOF therefore means "stop", whether the
// parent asked (a graceful stop) or died: the kernel closes a dead process's
// file descriptors, which no signal, not even SIGKILL of its whole process group,
// can prevent. As a fallback (someone else holding the pipe open, say), we also
// poll whether the parent is still there. Either way: SIGTERM to the server, SIGKILL
// after the grace period, then exit with the server's status.
//
// The server is our own child, in our process group; while it runs, the pid file
// holds its pid, ours and the parent's, one per line, so a later start can tell a
// server left over from an earlier crash (which it stops) from one a running
// convoflow still uses (which it leaves alone). Only SIGKILL of this watchdog
// itself can leave the server behind; the next start's pid-file check handles that.
//
// The server's stdout and stderr come through us: once the parent is gone we keep
// draining them, so the server never blocks on, or dies of, a broken pipe while it
// shuts down gracefully.

import { spawn } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';

const PARENT_POLL_MS = 500;

const [pidFile, graceArg, executable, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);
if (!pidFile || !executable || !Number.isFinite(graceMs)) {
  console.error('usage: dev-server-watchdog.mjs <pid-file> <grace-ms> <executable> [args...]');
  process.exit(2);
}

const parentPid = process.ppid;
let parentGone = false;
let stopping = false;

// Writes to a dead parent's pipes fail with EPIPE; that must not crash us before the server is down.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const server = spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'] });

const forward = (from, to) => from.on('data', (chunk) => parentGone || to.write(chunk));
forward(server.stdout, process.stdout);
forward(server.stderr, process.stderr);

function writePidFile() {
  const scratch = `${pidFile}.${process.pid}.tmp`;
  writeFileSync(scratch, `${server.pid}\n${process.pid}\n${parentPid}\n`);
  // Renamed into place, so a reader never sees half a file.
  renameSync(scratch, pidFile);
}

function removePidFile() {
  try {
    // Only our own: never remove a file a later run has written.
    if (readFileSync(pidFile, 'utf8').split('\n')[0] === String(server.pid)) rmSync(pidFile, { force: true });
  } catch {
    // Already gone.
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  setTimeout(() => server.kill('SIGKILL'), graceMs);
}

function parentDied() {
  parentGone = true;
  stop();
}

function parentAlive() {
  if (process.ppid !== parentPid) return false; // re-parented: the parent has exited
  try {
    process.kill(parentPid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

server.once('spawn', () => {
  try {
    writePidFile();
  } catch (error) {
    console.error(`dev-server-watchdog: cannot write ${pidFile}: ${error.message}`);
    stop();
  }
  // The first line on stdout, before any of the server's output: how the parent learns the server's pid.
  process.stdout.write(`dev-server-watchdog: server pid ${server.pid}\n`);
});

server.once('error', (error) => {
  console.error(`dev-server-watchdog: cannot run ${executable}: ${error.message}`);
  process.exit(127);
});

server.once('exit', (code, signal) => {
  removePidFile();
  // The shell's convention for a signal: 128 + its number.
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});

process.stdin.on('data', () => undefined);
process.stdin.once('end', () => {
  // A graceful stop closes the pipe while the parent lives on to read our last output.
  if (!parentAlive()) parentGone = true;
  stop();
});
process.stdin.once('error', parentDied);

const poll = setInterval(() => parentAlive() || parentDied(), PARENT_POLL_MS);
poll.unref();

// Whoever signals us (a process manager, `kill <pid>`) gets the same orderly stop.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
