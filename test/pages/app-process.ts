import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `npm run build`: the server and the pages, as `npm start` runs them. */
export function buildProject(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
}

/** `node dist/src/main.js` on free ports with a temp data dir: the embedded stack as `npm start` runs it. */
export interface AppProcess {
  url: string;
  temporalUiUrl: string;
  dataDir: string;
  adminToken: string;
  output(): string;
  stop(): Promise<void>;
}

/** Pids of processes whose command line names `marker` (the dev server detaches into its own group; our temp dir identifies ours). */
function pidsMentioning(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the app with `config` (a configuration file's JSON) and waits until /readyz answers. */
export async function startApp(config: unknown): Promise<AppProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convoflow-pages-'));
  const configFile = join(dataDir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const [port, devPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CONVOFLOW_ADMIN_TOKEN', 'CONVOFLOW_SECRET', 'TEMPORAL_UI_URL']) delete env[name];
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    TEMPORAL_DEV_SERVER_PORT: String(devPort),
    TEMPORAL_UI_PORT: String(uiPort),
    CONVOFLOW_DATA_DIR: dataDir,
    CONVOFLOW_CONFIG: configFile,
  });
  // Its own process group, so stopping it reaches everything it started in that group.
  const child: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = (): string => log;
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 30_000);
      await exited;
      clearTimeout(timer);
    }
    // A dev server left behind by a crash: only ours, found by our unique data dir.
    for (const pid of pidsMentioning(dataDir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}) during start-up:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`the app did not become ready within 120 s:\n${output()}`);
      const ready = await fetch(`${url}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return { url, temporalUiUrl: `http://127.0.0.1:${uiPort}`, dataDir, adminToken, output, stop };
}
