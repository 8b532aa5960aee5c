/**
 * Scale knobs, read from the environment once. Defaults (BENCH_SCALE=default):
 *   latency: 200 conversations one at a time; depth: 100 vs 10,000 queued in
 *   other queues (100 samples each) plus 500 real Open workflows; store
 *   dispatch: 10,000 agents, 50,000 queued, 100 queues; end-to-end
 *   assignment: 2,000 workflows; lifecycle vs bare: 400 each, 20 in flight;
 *   worker memory: 50,000 conversations opened and left open; fairness under
 *   load: 400 conversations through 5 agents with room for two each;
 *   every scenario capped at 180 s (BENCH_CAP_MS) and first waiting up to 60 s
 *   for other processes to go quiet (BENCH_QUIET_WAIT_MS).
 * BENCH_SCALE=small divides the work for a quick check (about 2 minutes).
 * Any single knob can be overridden, e.g. BENCH_E2E_CONVERSATIONS=500.
 */

/** Every size and cap the benchmark uses. */
export interface Knobs {
  scale: string;
  latencyCount: number;
  depthSmall: number;
  depthLarge: number;
  depthSamples: number;
  realDepth: number;
  storeAgents: number;
  storeQueued: number;
  storeQueues: number;
  e2eConversations: number;
  e2eAgents: number;
  e2eBacklog: number;
  e2eStartConcurrency: number;
  lifecycleCount: number;
  lifecycleConcurrency: number;
  /** Conversations the memory scenario opens and leaves open. */
  memoryOpen: number;
  memoryConcurrency: number;
  /** Assign signals to evicted and to cached conversations, each. */
  memorySamples: number;
  /** Cap on opening the memory scenario's conversations, in ms. */
  memoryCapMs: number;
  /** Fairness under load: conversations, agents (room for two each), start calls in flight. */
  fairConversations: number;
  fairAgents: number;
  fairConcurrency: number;
  /** BENCH_MODE=split: the first of the two API ports. */
  splitApiPort: number;
  temporalPort: number;
  uiPort: number;
  /** Cap on scenario 3's matching loop, in ms. */
  storeCapMs: number;
  /** Hard wall-clock cap for each scenario, in ms. */
  capMs: number;
  /** How long each scenario waits for other processes on the machine to go quiet, in ms. */
  quietWaitMs: number;
}

const DEFAULT: Omit<Knobs, 'scale' | 'temporalPort' | 'uiPort'> = {
  latencyCount: 200,
  depthSmall: 100,
  depthLarge: 10_000,
  depthSamples: 100,
  realDepth: 500,
  storeAgents: 10_000,
  storeQueued: 50_000,
  storeQueues: 100,
  e2eConversations: 2_000,
  e2eAgents: 10_000,
  e2eBacklog: 50_000,
  e2eStartConcurrency: 50,
  lifecycleCount: 400,
  lifecycleConcurrency: 20,
  memoryOpen: 50_000,
  memoryConcurrency: 50,
  memorySamples: 50,
  memoryCapMs: 1_200_000,
  fairConversations: 400,
  fairAgents: 5,
  fairConcurrency: 20,
  splitApiPort: 3400,
  storeCapMs: 30_000,
  capMs: 180_000,
  quietWaitMs: 60_000,
};

const SMALL: typeof DEFAULT = {
  latencyCount: 40,
  depthSmall: 100,
  depthLarge: 2_000,
  depthSamples: 40,
  realDepth: 50,
  storeAgents: 1_000,
  storeQueued: 5_000,
  storeQueues: 20,
  e2eConversations: 200,
  e2eAgents: 1_000,
  e2eBacklog: 5_000,
  e2eStartConcurrency: 50,
  lifecycleCount: 100,
  lifecycleConcurrency: 20,
  memoryOpen: 3_000,
  memoryConcurrency: 50,
  memorySamples: 20,
  memoryCapMs: 45_000,
  fairConversations: 100,
  fairAgents: 3,
  fairConcurrency: 20,
  splitApiPort: 3400,
  storeCapMs: 10_000,
  capMs: 60_000,
  quietWaitMs: 10_000,
};

/** Env variable for a knob: latencyCount -> BENCH_LATENCY_COUNT. */
function envName(key: string): string {
  return `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: expected a positive integer`);
  return value;
}

/** Reads BENCH_SCALE and the per-knob overrides. */
export function readKnobs(env: NodeJS.ProcessEnv = process.env): Knobs {
  const scale = env.BENCH_SCALE?.trim() || 'default';
  if (scale !== 'default' && scale !== 'small') throw new Error(`BENCH_SCALE=${scale}: expected default or small`);
  const base = scale === 'small' ? SMALL : DEFAULT;
  const sized = Object.fromEntries(Object.entries(base).map(([key, value]) => [key, positiveInt(env, envName(key), value)]));
  return {
    ...(sized as typeof DEFAULT),
    scale,
    temporalPort: positiveInt(env, 'BENCH_TEMPORAL_PORT', 7400),
    uiPort: positiveInt(env, 'BENCH_UI_PORT', 8400),
  };
}

/** The knobs as `name=value` pairs for the report header. */
export function describeKnobs(k: Knobs): string {
  return Object.entries(k)
    .map(([key, value]) => `${envName(key)}=${value}`)
    .join(' ');
}
