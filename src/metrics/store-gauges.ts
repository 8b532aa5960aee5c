import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Presence } from '../domain/presence';
import { ALL_PRESENCES } from '../domain/presence';
import type { AgentDirectory } from '../store/agents/agent-directory';
import type { EventLog } from '../store/events/event-log';
import type { StuckWorkflowRegistry } from '../store/stuck/stuck-workflows';
import type { AgentLoad, QueueStats } from '../store/types';

/** What the store gauges read: agents and queues, how many workflows are stuck, events not readable yet. */
export type GaugedStore = AgentDirectory & Pick<StuckWorkflowRegistry, 'countStuckWorkflows'> & Pick<EventLog, 'eventBacklog'>;

/** How the store gauges read the store. */
export interface StoreGaugeOptions {
  /** Reuse one reading for this long (default 1 s): scrapes from several Prometheus replicas cost one read. */
  cacheMs?: number;
  /** Told when a reading fails (the gauges are then empty and convoflow_store_up is 0). */
  onError?: (error: unknown) => void;
}

/** Default of StoreGaugeOptions.cacheMs. */
export const DEFAULT_STORE_GAUGE_CACHE_MS = 1_000;

interface Reading {
  queues: QueueStats[];
  agents: AgentLoad[];
  /** Per queue: capacity used and total of its members in a presence that receives its pushed work. */
  eligible: Map<string, { used: number; total: number }>;
  /** Workflows recorded stuck (their workflow tasks keep failing). */
  stuck: number;
  /** Events committed but not readable yet, and the oldest one's age in seconds (0 when none). */
  backlog: { unnumbered: number; oldestSeconds: number };
}

function read(queues: QueueStats[], agents: AgentLoad[], stuck: number, backlog: Reading['backlog']): Reading {
  const eligible = new Map(queues.map((q) => [q.id, { used: 0, total: 0, presences: new Set(q.eligiblePresences) }]));
  for (const a of agents) {
    for (const queueId of a.queues) {
      const q = eligible.get(queueId);
      if (!q?.presences.has(a.presence)) continue;
      q.used += a.usedUnits;
      q.total += a.capacity;
    }
  }
  return { queues, agents, eligible, stuck, backlog };
}

/** One store reading shared by every gauge of a scrape, and by scrapes within `cacheMs`. */
class CachedReading {
  private last: { at: number; reading: Promise<Reading | null> } | null = null;

  constructor(
    private readonly store: GaugedStore,
    private readonly cacheMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get(): Promise<Reading | null> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.cacheMs) return this.last.reading;
    // Four reads, each one query (agents with their load, queues with depth and oldest entry, two counts): bounded by the number of agents and queues.
    const reading = Promise.all([
      this.store.listQueues(),
      this.store.listAgents(),
      this.store.countStuckWorkflows(),
      this.store.eventBacklog(),
    ]).then(
      ([queues, agents, stuck, backlog]) =>
        read(queues, agents, stuck, {
          unnumbered: backlog.unnumbered,
          oldestSeconds: backlog.oldestAt ? Math.max(0, (now - Date.parse(backlog.oldestAt)) / 1000) : 0,
        }),
      (error: unknown) => {
        this.onError(error);
        return null;
      },
    );
    this.last = { at: now, reading };
    return reading;
  }
}

function byPresence(agents: readonly AgentLoad[], value: (a: AgentLoad) => number): Map<Presence, number> {
  const out = new Map<Presence, number>(ALL_PRESENCES.map((p) => [p, 0]));
  for (const a of agents) out.set(a.presence, (out.get(a.presence) ?? 0) + value(a));
  return out;
}

/**
 * Gauges read from the store when Prometheus scrapes: queue depth and oldest
 * wait, agents by presence, capacity used and total (by presence, and per
 * queue over the members who can receive its pushed work), and workflows whose
 * workflow tasks keep failing. Every API process
 * reports the same values: aggregate them with max, not sum.
 */
export function registerStoreGauges(registry: Registry, store: GaugedStore, options: StoreGaugeOptions = {}): void {
  const cached = new CachedReading(store, options.cacheMs ?? DEFAULT_STORE_GAUGE_CACHE_MS, options.onError ?? (() => undefined));
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, r: Reading) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const reading = await cached.get();
        this.reset();
        if (reading) fill(this, reading);
      },
    });

  new Gauge({
    name: 'convoflow_store_up',
    help: '1 when the store answered the reads behind the convoflow_queue_*, convoflow_agents, convoflow_capacity_* and convoflow_workflows_stuck gauges; 0 when it did not (they are then absent).',
    registers,
    async collect() {
      this.set((await cached.get()) ? 1 : 0);
    },
  });
  gauge('convoflow_queue_depth', 'Conversations waiting in the queue.', ['queue'], (g, r) => {
    for (const q of r.queues) g.set({ queue: q.id }, q.depth);
  });
  gauge(
    'convoflow_queue_oldest_wait_seconds',
    'How long the longest-waiting conversation of the queue has waited (0 when empty).',
    ['queue'],
    (g, r) => {
      const now = Date.now();
      for (const q of r.queues) {
        const since = q.oldestEnqueuedAt === null ? now : Date.parse(q.oldestEnqueuedAt);
        g.set({ queue: q.id }, Math.max(0, (now - since) / 1000));
      }
    },
  );
  gauge('convoflow_agents', 'Agents by presence.', ['presence'], (g, r) => {
    for (const [presence, n] of byPresence(r.agents, () => 1)) g.set({ presence }, n);
  });
  gauge(
    'convoflow_capacity_used_units',
    'Capacity units reserved by conversations, by the presence of their agents.',
    ['presence'],
    (g, r) => {
      for (const [presence, n] of byPresence(r.agents, (a) => a.usedUnits)) g.set({ presence }, n);
    },
  );
  gauge('convoflow_capacity_total_units', 'Capacity units of all agents, by their presence.', ['presence'], (g, r) => {
    for (const [presence, n] of byPresence(r.agents, (a) => a.capacity)) g.set({ presence }, n);
  });
  gauge(
    'convoflow_queue_capacity_used_units',
    'Capacity units in use (for any queue) by members of the queue in a presence that receives its pushed work.',
    ['queue'],
    (g, r) => {
      for (const [queue, { used }] of r.eligible) g.set({ queue }, used);
    },
  );
  gauge(
    'convoflow_queue_capacity_total_units',
    'Capacity units of members of the queue in a presence that receives its pushed work (an agent in several queues counts in each).',
    ['queue'],
    (g, r) => {
      for (const [queue, { total }] of r.eligible) g.set({ queue }, total);
    },
  );
  gauge(
    'convoflow_workflows_stuck',
    'Workflows whose workflow tasks keep failing (at least 2 attempts in a row failed or timed out), as the workers recorded them: each holds its conversation (and an agent’s room) until an operator fixes it. Alert on > 0; see docs/runbook-stuck-workflows.md.',
    [],
    (g, r) => g.set(r.stuck),
  );
  gauge(
    'convoflow_events_unreadable',
    'Events committed but not readable by streams and webhooks yet. PostgreSQL numbers events once every transaction that began writing before them has ended: a few at a time is normal; a growing figure means a transaction left open on the database cluster (see docs/operations.md). Always 0 on SQLite.',
    [],
    (g, r) => g.set(r.backlog.unnumbered),
  );
  gauge(
    'convoflow_events_unreadable_oldest_seconds',
    'Age of the oldest event committed but not readable yet (0 when none): alert when it stays above a few seconds.',
    [],
    (g, r) => g.set(r.backlog.oldestSeconds),
  );
}
