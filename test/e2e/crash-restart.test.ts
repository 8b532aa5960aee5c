import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { resolveDevServerExecutable } from '../../src/temporal/executables';
import { devServerPorts } from '../helpers/ports';
import { describeWhen } from '../helpers/prerequisites';

// `npm start` (node dist/src/main.js) is SIGKILLed, its whole process group at once, while
// conversations are being started and queued ones assigned; the dev server must go down with it,
// and the next start must come up by itself and resume every conversation and timer.

const ROOT = join(__dirname, '..', '..');
const WAITING_TIMEOUT_S = 20;
const AGENT = 'dana';
/** The agent's capacity in units: ten conversations of the default 10 units Active at a time, the rest queue. */
const CAPACITY = 100;
const SLOTS = 10;
const FIRST_STARTS = 15;
const IN_FLIGHT_STARTS = 8;
const CLOSED_TABS = 3;

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
}
interface Conversation {
  conversationId: string;
  state: string;
  agentId?: string | null;
  transitions: { op: string; to: string; at: string }[];
}

// Without a provisioned CLI the dev server would be downloaded, which offline machines cannot;
// processes are told apart through /proc (Linux).
const provisioned = resolveDevServerExecutable().type === 'existing-path' && existsSync('/proc/self/cmdline');
const missing = provisioned ? null : 'the Temporal CLI is not provisioned in .temporal-cache (run npm install), or /proc is missing';

/** Ends in a clear failure, saying what was seen last, instead of a jest timeout. */
async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
  seen: () => Promise<string> | string = () => '',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s.\n${await Promise.resolve(seen()).catch(String)}`);
    await delay(250);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/** Live processes (a zombie's cmdline is empty) with `arg` among their arguments. */
function processesWith(arg: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(arg);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeWhen(missing, 'npm start after a crash of its whole process group', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-crash-'));
  const dbFile = join(dir, 'temporal.sqlite');
  const groups: ChildProcess[] = [];
  let output: string[] = [];
  let env: NodeJS.ProcessEnv;
  let api: string;
  let grpcPort: number;
  let admin: string;
  let agentToken: string;
  /** Every conversation the API answered 201 for, with the state last seen before the crash. */
  const answered = new Map<string, string>();
  let waiting: string[] = [];
  let closedTabsAt = 0;
  let killedAt = 0;

  const lastOutput = (): string => `convoflow output (last lines):\n${output.slice(-40).join('\n')}`;
  /** For a failure message: where every conversation stands, and what convoflow printed last. */
  const report = async (): Promise<string> => {
    const seen = await states(answered.keys()).catch((error: unknown) => String(error));
    const lines =
      typeof seen === 'string'
        ? [seen]
        : [...seen.values()].map((c) => `${c.conversationId} ${c.state} last=${JSON.stringify(c.transitions[c.transitions.length - 1])}`);
    return `${lines.join('\n')}\n${lastOutput()}`;
  };

  async function call(method: string, path: string, options: { token?: string; body?: unknown; key?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.key) headers['Idempotency-Key'] = options.key;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${api}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function conversation(id: string): Promise<Conversation> {
    const reply = await call('GET', `/api/conversations/${id}`, { token: admin });
    if (reply.status !== 200) throw new Error(`GET ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.conversation as Conversation;
  }

  async function states(ids: Iterable<string>): Promise<Map<string, Conversation>> {
    const all = await Promise.all([...ids].map(conversation));
    return new Map(all.map((c) => [c.conversationId, c]));
  }

  async function startConversation(key: string): Promise<string | undefined> {
    const reply = await call('POST', '/api/conversations', { key, body: { customer: { id: `customer-${key}` } } });
    if (reply.status !== 201) return undefined;
    const { conversationId, state } = reply.body.conversation as Conversation;
    answered.set(conversationId, state);
    return conversationId;
  }

  /** `node dist/src/main.js` as the leader of its own process group, like `npm start` in a terminal. */
  async function startConvoflow(): Promise<ChildProcess> {
    output = [];
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: dir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    groups.push(child);
    const keep = (chunk: Buffer): void => void output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await until(
      'GET /readyz answers 200',
      60_000,
      async () => {
        if (child.exitCode !== null) throw new Error('exited');
        const ready = await fetch(`${api}/readyz`, { signal: AbortSignal.timeout(2_000) });
        return ready.status === 200 ? true : undefined;
      },
      lastOutput,
    );
    return child;
  }

  beforeAll(async () => {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (built.status !== 0) throw new Error(`scripts/ensure-built.mjs failed:\n${built.stderr}`);
    const ports = await devServerPorts(1);
    grpcPort = ports.port;
    const [httpPort] = ports.extra;
    api = `http://127.0.0.1:${httpPort}`;
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ lifecycle: { waitingTimeout: { chat: `${WAITING_TIMEOUT_S}s` } }, queues: [{ id: 'default', name: 'Support' }] }),
    );
    // A developer's own settings (a remote cluster, a PostgreSQL store, tokens) must not leak in.
    const inherited = Object.entries(process.env).filter(
      ([name]) => !/^(CONVOFLOW_|DATABASE_URL$|HOST$|PORT$|TEMPORAL_(?!CLI_PATH$))/.test(name),
    );
    env = {
      ...Object.fromEntries(inherited),
      CONVOFLOW_DATA_DIR: dir,
      CONVOFLOW_CONFIG: configFile,
      CONVOFLOW_START_RATE_PER_MINUTE: '1000',
      PORT: String(httpPort),
      TEMPORAL_DEV_SERVER_PORT: String(ports.port),
      TEMPORAL_UI_PORT: String(ports.uiPort),
    };
  }, 200_000);

  afterAll(async () => {
    for (const child of groups) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // The watchdog stops the dev server by itself; anything on our data file still there after that is killed here.
    await until('no process on the test data file', 15_000, async () => (processesWith(dbFile).length === 0 ? true : undefined)).catch(
      () => {
        for (const pid of processesWith(dbFile)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Gone meanwhile.
          }
        }
      },
    );
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('routes conversations before the crash', async () => {
    await startConvoflow();
    admin = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    const created = await call('POST', '/api/agents', {
      token: admin,
      body: { id: AGENT, name: 'Dana', capacity: CAPACITY, queues: ['default'] },
    });
    expect(created.status).toBe(201);
    agentToken = created.body.token as string;
    expect((await call('PUT', `/api/agents/${AGENT}/presence`, { token: agentToken, body: { presence: 'Available' } })).status).toBe(200);

    const ids = await Promise.all(Array.from({ length: FIRST_STARTS }, (_, i) => startConversation(`before-${i}`)));
    expect(ids.every((id) => id !== undefined)).toBe(true);
    const active = await until(
      `${SLOTS} conversations Active, the rest queued`,
      60_000,
      async () => {
        const seen = [...(await states(answered.keys())).values()];
        return seen.filter((c) => c.state === 'Active').length === SLOTS ? seen : undefined;
      },
      report,
    );
    for (const c of active) answered.set(c.conversationId, c.state);
    waiting = active
      .filter((c) => c.state === 'Active')
      .slice(0, CLOSED_TABS)
      .map((c) => c.conversationId);
  }, 120_000);

  it('leaves no dev server behind when SIGKILL hits the whole process group mid-load', async () => {
    const pid = groups[0]?.pid;
    if (pid === undefined) throw new Error('convoflow is not running');
    expect(await accepts(grpcPort)).toBe(true);
    expect(processesWith(dbFile).length).toBeGreaterThan(0);
    // Closing the tab arms the waiting timeout and frees room for queued conversations, whose assignment is in flight at the kill.
    for (const id of waiting) {
      const reply = await call('POST', `/api/conversations/${id}/close-tab`, { token: agentToken });
      expect([reply.status, (reply.body.conversation as Conversation).state]).toEqual([200, 'Waiting']);
      answered.set(id, 'Waiting');
    }
    closedTabsAt = Date.now();
    // More starts in flight too; the kill lands as soon as the first is answered (or soon anyway).
    const inFlight = Array.from({ length: IN_FLIGHT_STARTS }, (_, i) => startConversation(`during-${i}`).catch(() => undefined));
    await Promise.race([Promise.race(inFlight), delay(1_000)]);
    process.kill(-pid, 'SIGKILL');
    killedAt = Date.now();
    await Promise.all(inFlight);
    // The timers must still be pending at the crash for their firing afterwards to prove anything.
    expect(killedAt - closedTabsAt).toBeLessThan((WAITING_TIMEOUT_S - 5) * 1000);

    await until('the dev server gRPC port refusing connections', 10_000, async () => ((await accepts(grpcPort)) ? undefined : true));
    await until(
      'no process left on the data file',
      10_000,
      async () => (processesWith(dbFile).length === 0 ? true : undefined),
      () => processesWith(dbFile).join(' '),
    );
  }, 30_000);

  it('comes up by itself on the next start and still has every conversation it answered 201 for', async () => {
    await startConvoflow();
    const now = await states(answered.keys());
    const successors: Record<string, string[]> = { Open: ['Open', 'Active'], Active: ['Active'], Waiting: ['Waiting', 'Closed'] };
    const changedWrongly = [...answered]
      .filter(([id, before]) => !successors[before]?.includes(now.get(id)?.state ?? 'missing'))
      .map(([id, before]) => `${id}: ${before} before, ${now.get(id)?.state} now`);
    expect(changedWrongly).toEqual([]);
    expect(answered.size).toBeGreaterThanOrEqual(FIRST_STARTS);
  }, 90_000);

  it('closes the Waiting conversations by the timers armed before the crash', async () => {
    const timeout = closedTabsAt + WAITING_TIMEOUT_S * 1000 + 30_000 - Date.now();
    const closed = await until(
      'the Waiting conversations Closed',
      Math.max(timeout, 5_000),
      async () => {
        const seen = [...(await states(waiting)).values()];
        return seen.every((c) => c.state === 'Closed') ? seen : undefined;
      },
      report,
    );
    for (const c of closed) {
      const last = c.transitions[c.transitions.length - 1];
      expect(last?.op).toBe('waitingTimeout');
      expect(Date.parse(last?.at ?? '')).toBeGreaterThan(killedAt);
    }
  }, 70_000);

  it('starts and assigns a new conversation after the restart', async () => {
    const id = await startConversation('after-restart');
    expect(id).toBeDefined();
    // The agent is full: more room lets the dispatcher assign everything still queued across the crash, and the new one.
    expect((await call('PATCH', `/api/agents/${AGENT}`, { token: admin, body: { capacity: 1000 } })).status).toBe(200);
    const assigned = await until(
      'the new conversation Active',
      30_000,
      async () => {
        const c = await conversation(id ?? '');
        return c.state === 'Active' ? c : undefined;
      },
      report,
    );
    expect(assigned.agentId).toBe(AGENT);
    await until(
      'every queued conversation Active',
      30_000,
      async () => {
        const seen = [...(await states(answered.keys())).values()];
        return seen.some((c) => c.state === 'Open') ? undefined : true;
      },
      report,
    );
  }, 70_000);
});
