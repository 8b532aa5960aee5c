import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { DevServerConfig } from '../config';
import { StartupError } from '../startup-error';

/** The dev server binds loopback only. */
export const DEV_SERVER_IP = '127.0.0.1';

/**
 * Why `port` on `host` cannot be bound right now (e.g. `EADDRINUSE`), or null
 * if it can. Node binds with SO_REUSEADDR, as the Temporal CLI does, so
 * connections lingering in TIME_WAIT do not count as in use.
 */
export function bindProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

/** The TCP LISTEN state in /proc/net/tcp. */
const LISTEN = '0A';

/** Inodes of the sockets listening on `port` (any address); null without /proc. */
function listeningInodes(port: number): Set<string> | null {
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    // Columns: sl local_address(HEXIP:HEXPORT) rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === LISTEN && inode && Number.parseInt(local?.split(':').pop() ?? '', 16) === port) inodes.add(inode);
    }
  }
  return readable ? inodes : null;
}

/**
 * Whether process `pid` holds the socket listening on `port`: true or false on
 * Linux, null where this cannot be told (no /proc, or its fds are not ours to read).
 */
export function listensOn(pid: number, port: number): boolean | null {
  const inodes = listeningInodes(port);
  if (inodes === null) return null;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? false : null;
  }
  return fds.some((fd) => {
    try {
      return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** The ports the dev server binds that we choose, with what to call each in an error. */
function fixedPorts(devServer: DevServerConfig): { port: number; what: string }[] {
  return [
    { port: devServer.port, what: 'gRPC port (TEMPORAL_DEV_SERVER_PORT)' },
    { port: devServer.uiPort, what: 'Web UI port (TEMPORAL_UI_PORT)' },
    { port: devServer.httpPort, what: 'HTTP API port (TEMPORAL_DEV_SERVER_PORT + 10)' },
    { port: devServer.metricsPort, what: 'metrics port (TEMPORAL_DEV_SERVER_PORT + 11)' },
  ];
}

function portInUse(port: number, what: string): StartupError {
  return new StartupError(
    `Port ${port} on ${DEV_SERVER_IP}, the Temporal dev server's ${what}, is in use by another program. ` +
      'convoflow never uses a Temporal server it did not start: stop that program (another convoflow or `temporal server start-dev`?), ' +
      'or set TEMPORAL_DEV_SERVER_PORT and TEMPORAL_UI_PORT to free ports (the dev server also binds TEMPORAL_DEV_SERVER_PORT + 10 and + 11).',
  );
}

/** Fails fast, naming the setting to change, when something else holds one of the server's ports. */
export async function assertPortsFree(devServer: DevServerConfig): Promise<void> {
  for (const { port, what } of fixedPorts(devServer)) {
    const problem = await bindProblem(DEV_SERVER_IP, port);
    if (problem === 'EADDRINUSE') throw portInUse(port, what);
    if (problem !== null)
      throw new StartupError(`Cannot bind port ${port} on ${DEV_SERVER_IP}, the Temporal dev server's ${what}: ${problem}.`);
  }
}

/** The CLI exited because a port it picked itself (for its internal services) was taken meanwhile: worth another try. */
export class LostPortRace extends StartupError {
  constructor(
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

/** Why the server exited during start-up, from its exit status and last output lines. */
export function startUpFailure(how: string, output: string, devServer: DevServerConfig): StartupError {
  const bind = /listen tcp \S*:(\d+): bind: address already in use/.exec(output);
  if (bind) {
    const port = Number(bind[1]);
    const fixed = fixedPorts(devServer).find((p) => p.port === port);
    if (fixed) return portInUse(port, fixed.what);
    return new LostPortRace(
      port,
      `The Temporal dev server exited during start-up: port ${port}, which it picked itself, was taken:\n${output}`,
    );
  }
  return new StartupError(`The Temporal dev server exited during start-up (${how}):\n${output}`);
}
