import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { ApiMetricsOptions } from '../../src/api/context';
import { Metrics } from '../../src/metrics/metrics';
import { observeWorkerStore } from '../../src/metrics/observed-store';
import { createStore } from '../../src/store';
import type { ApiHarness } from '../api/helpers';
import { ADMIN_TOKEN, call, startApi, startChat, stopApi } from '../api/helpers';
import { until } from '../workflows/conversation-fixture';
import { dashboardQueries, missingFrom } from './dashboard';
import type { Sample } from './prometheus-text';
import { parseExposition, valueOf } from './prometheus-text';

// One registry for the harness's worker (its store writes are observed as startWorker does)
// and for the app under test, as in `npm start`.
const metrics = new Metrics();
let h: ApiHarness;
let app: Express;

function appWith(options: Partial<ApiMetricsOptions> = {}): Express {
  return createApp({ ...h.deps, metrics: { metrics, access: { kind: 'local' }, loopback: true, storeCacheMs: 0, ...options } });
}

beforeAll(async () => {
  h = await startApi({
    openStore: async () => observeWorkerStore(await createStore({ databaseUrl: null, sqliteFile: ':memory:' }), metrics.routing),
  });
  app = appWith();
});
afterAll(() => stopApi(h));

async function scrape(target: Express = app): Promise<Sample[]> {
  const res = await request(target).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

/** Polls /metrics until `check` holds: the worker counts right after its write commits, which a read of the store may beat. */
async function scrapeUntil(check: (samples: Sample[]) => boolean): Promise<Sample[]> {
  let samples: Sample[] = [];
  await until(async () => check((samples = await scrape())), 10_000);
  return samples;
}

async function setPresence(agentId: string, presence: string): Promise<void> {
  await call(app, 'put', `/api/agents/${agentId}/presence`, ADMIN_TOKEN, { presence }).expect(200);
}

async function stateOf(id: string): Promise<{ state: string; agentId: string | null }> {
  const res = await call(app, 'get', `/api/conversations/${id}`, ADMIN_TOKEN).expect(200);
  return res.body.conversation as { state: string; agentId: string | null };
}

async function untilActive(id: string): Promise<void> {
  await until(async () => (await stateOf(id)).state === 'Active');
}

const assignments = (s: Sample[], queue: string, how: string) => valueOf(s, 'convoflow_assignments_total', { queue, how });
const latencyCount = (s: Sample[], queue: string) => valueOf(s, 'convoflow_assignment_latency_seconds_count', { queue });
const matches = (s: Sample[], queue: string, source: string, kind = 'assign') =>
  valueOf(s, 'convoflow_routing_matches_total', { queue, source, kind });

describe('GET /metrics', () => {
  it('serves the process metrics and every convoflow family in the Prometheus text format', async () => {
    const res = await request(app).get('/metrics').expect(200);
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'convoflow_http_requests_total',
      'convoflow_http_request_duration_seconds',
      'convoflow_assignments_total',
      'convoflow_assignment_latency_seconds',
      'convoflow_routing_matches_total',
      'convoflow_offers_total',
      'convoflow_queue_depth',
      'convoflow_queue_oldest_wait_seconds',
      'convoflow_agents',
      'convoflow_capacity_used_units',
      'convoflow_capacity_total_units',
      'convoflow_queue_capacity_used_units',
      'convoflow_queue_capacity_total_units',
      'convoflow_store_up',
      'convoflow_events_unreadable',
      'convoflow_events_unreadable_oldest_seconds',
    ]) {
      expect(res.text).toContain(`# TYPE ${name} `);
    }
    expect(valueOf(parseExposition(res.text), 'convoflow_store_up')).toBe(1);
    // SQLite gives ids at insert: nothing is ever held back.
    expect(valueOf(parseExposition(res.text), 'convoflow_events_unreadable')).toBe(0);
  });
});

describe('assignments', () => {
  it('counts a chat matched on entering its queue once, for its queue, with one latency observation', async () => {
    await setPresence('alice', 'Available');
    const before = await scrape();
    const chat = await startChat(app, { queueId: 'default' });
    await untilActive(chat.id);
    const after = await scrapeUntil((s) => assignments(s, 'default', 'engine') === assignments(before, 'default', 'engine') + 1);
    expect(latencyCount(after, 'default')).toBe(latencyCount(before, 'default') + 1);
    const waited = valueOf(after, 'convoflow_assignment_latency_seconds_sum', { queue: 'default' });
    expect(waited - valueOf(before, 'convoflow_assignment_latency_seconds_sum', { queue: 'default' })).toBeLessThan(30);
    expect(matches(after, 'default', 'enqueue')).toBe(matches(before, 'default', 'enqueue') + 1);
    // Nothing else moved: no other queue, no other way.
    for (const how of ['offer', 'pick', 'supervisor']) expect(assignments(after, 'default', how)).toBe(assignments(before, 'default', how));
    expect(assignments(after, 'billing', 'engine')).toBe(assignments(before, 'billing', 'engine'));
    // No conversation or agent id in any label.
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes(chat.id) || v === 'alice'))).toBe(false);
    await setPresence('alice', 'Offline');
  });

  it('counts room freed by the end of a chat going to the next one as a release match', async () => {
    // bob (15 units, default queue only) has room for one 10-unit chat.
    await setPresence('bob', 'Available');
    const first = await startChat(app, { queueId: 'default' });
    await untilActive(first.id);
    const second = await startChat(app, { queueId: 'default' });
    expect((await stateOf(second.id)).state).toBe('Open');
    const before = await scrape();
    await call(app, 'post', `/api/conversations/${first.id}/end`, h.agentTokens.bob).expect(200);
    await call(app, 'post', `/api/conversations/${first.id}/close-tab`, h.agentTokens.bob).expect(200);
    await untilActive(second.id);
    const after = await scrapeUntil((s) => assignments(s, 'default', 'engine') === assignments(before, 'default', 'engine') + 1);
    expect(matches(after, 'default', 'release')).toBe(matches(before, 'default', 'release') + 1);
    expect(latencyCount(after, 'default')).toBe(latencyCount(before, 'default') + 1);
    await call(app, 'post', `/api/conversations/${second.id}/end`, h.agentTokens.bob).expect(200);
    await call(app, 'post', `/api/conversations/${second.id}/close-tab`, h.agentTokens.bob).expect(200);
    await setPresence('bob', 'Offline');
  });

  it('labels picks and supervisor assignments by how', async () => {
    const before = await scrape();
    const picked = await startChat(app, { queueId: 'billing' });
    await call(app, 'post', `/api/conversations/${picked.id}/pick`, h.agentTokens.carol).expect(200);
    const assigned = await startChat(app, { queueId: 'billing' });
    await call(app, 'post', `/api/conversations/${assigned.id}/assign`, ADMIN_TOKEN, { agentId: 'carol' }).expect(200);
    const after = await scrapeUntil((s) => assignments(s, 'billing', 'supervisor') === assignments(before, 'billing', 'supervisor') + 1);
    expect(assignments(after, 'billing', 'pick')).toBe(assignments(before, 'billing', 'pick') + 1);
    expect(assignments(after, 'billing', 'engine')).toBe(assignments(before, 'billing', 'engine'));
    expect(latencyCount(after, 'billing')).toBe(latencyCount(before, 'billing') + 2);
  });

  it('counts a match made by a dispatcher round', async () => {
    await call(app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'night', eligiblePresences: ['Available'] }).expect(201);
    await call(app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'owl', capacity: 10, presence: 'Away', queues: ['night'] }).expect(201);
    const chat = await startChat(app, { queueId: 'night' });
    expect((await stateOf(chat.id)).state).toBe('Open');
    const before = await scrape();
    // Away becomes eligible: the queue's dispatcher is poked and its round makes the match.
    await call(app, 'patch', '/api/queues/night', ADMIN_TOKEN, { eligiblePresences: ['Available', 'Away'] }).expect(200);
    await untilActive(chat.id);
    const after = await scrapeUntil((s) => assignments(s, 'night', 'engine') === 1);
    expect(matches(after, 'night', 'dispatcher')).toBe(matches(before, 'night', 'dispatcher') + 1);
  });
});

describe('offers', () => {
  it('counts an offer made, declined, made to an agent who joins, and accepted', async () => {
    const offers = (s: Sample[], outcome: string) => valueOf(s, 'convoflow_offers_total', { queue: 'sales', outcome });
    await call(app, 'post', '/api/queues', ADMIN_TOKEN, { id: 'sales', offerMode: 'offer', offerTimeoutMs: 60_000, maxDeclines: 3 }).expect(
      201,
    );
    const sam = await call(app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'sam', capacity: 10, presence: 'Available', queues: ['sales'] });
    const chat = await startChat(app, { queueId: 'sales' });
    let s = await scrapeUntil((x) => offers(x, 'offered') === 1);
    expect(matches(s, 'sales', 'enqueue', 'offer')).toBe(1);
    await call(app, 'post', `/api/conversations/${chat.id}/decline`, sam.body.token as string, {}).expect(200);
    const tia = await call(app, 'post', '/api/agents', ADMIN_TOKEN, { id: 'tia', capacity: 10, presence: 'Available', queues: ['sales'] });
    s = await scrapeUntil((x) => offers(x, 'offered') === 2);
    expect(offers(s, 'declined')).toBe(1);
    expect(matches(s, 'sales', 'agent', 'offer')).toBe(1);
    expect(assignments(s, 'sales', 'offer')).toBe(0);
    await call(app, 'post', `/api/conversations/${chat.id}/accept`, tia.body.token as string).expect(200);
    s = await scrapeUntil((x) => assignments(x, 'sales', 'offer') === 1);
    expect(offers(s, 'accepted')).toBe(1);
    expect(offers(s, 'expired')).toBe(0);
    expect(latencyCount(s, 'sales')).toBe(1);
  });
});

describe('store gauges', () => {
  it('match the store: queue depth and oldest wait, agents by presence, capacity used and total', async () => {
    await setPresence('bob', 'Available');
    const held = await startChat(app, { queueId: 'default' });
    await untilActive(held.id);
    const waiting = await startChat(app, { queueId: 'default' });
    await startChat(app, { queueId: 'billing' });
    const s = await scrape();
    const queues = await h.store.listQueues();
    const agents = await h.store.listAgents();
    for (const q of queues) {
      expect({ queue: q.id, depth: valueOf(s, 'convoflow_queue_depth', { queue: q.id }) }).toEqual({ queue: q.id, depth: q.depth });
      const wait = valueOf(s, 'convoflow_queue_oldest_wait_seconds', { queue: q.id });
      if (q.oldestEnqueuedAt === null) expect(wait).toBe(0);
      else expect(Math.abs(wait - (Date.now() - Date.parse(q.oldestEnqueuedAt)) / 1000)).toBeLessThan(5);
    }
    expect(valueOf(s, 'convoflow_queue_depth', { queue: 'default' })).toBeGreaterThanOrEqual(1);
    for (const presence of ['Available', 'Busy', 'BusyDND', 'Away', 'Offline']) {
      const of = agents.filter((a) => a.presence === presence);
      expect([presence, valueOf(s, 'convoflow_agents', { presence })]).toEqual([presence, of.length]);
      expect(valueOf(s, 'convoflow_capacity_used_units', { presence })).toBe(of.reduce((n, a) => n + a.usedUnits, 0));
      expect(valueOf(s, 'convoflow_capacity_total_units', { presence })).toBe(of.reduce((n, a) => n + a.capacity, 0));
    }
    // bob is default's only Available member, and holds one 10-unit chat.
    expect(valueOf(s, 'convoflow_queue_capacity_used_units', { queue: 'default' })).toBe(10);
    expect(valueOf(s, 'convoflow_queue_capacity_total_units', { queue: 'default' })).toBe(15);
    expect((await stateOf(waiting.id)).state).toBe('Open');
    await setPresence('bob', 'Offline');
  });

  it('reuses one store reading for scrapes within the cache period', async () => {
    const cachedApp = createApp({
      ...h.deps,
      metrics: { metrics: new Metrics(), access: { kind: 'local' }, loopback: true, storeCacheMs: 60_000 },
    });
    const first = valueOf(await scrape(cachedApp), 'convoflow_queue_depth', { queue: 'billing' });
    await startChat(app, { queueId: 'billing' });
    expect((await h.store.listQueues()).find((q) => q.id === 'billing')?.depth).toBe(first + 1);
    expect(valueOf(await scrape(cachedApp), 'convoflow_queue_depth', { queue: 'billing' })).toBe(first);
  });
});

describe('HTTP metrics', () => {
  it('labels requests with the route template and status, never the raw path', async () => {
    const route = (s: Sample[], name: string, r: string, status: string) => valueOf(s, name, { method: 'GET', route: r, status });
    const before = await scrape();
    await call(app, 'get', '/api/conversations/no-such-chat-raw-path', ADMIN_TOKEN).expect(404);
    await request(app).get('/no/such/place-raw-path').expect(404);
    const after = await scrape();
    expect(route(after, 'convoflow_http_requests_total', '/api/conversations/:id', '404')).toBe(
      route(before, 'convoflow_http_requests_total', '/api/conversations/:id', '404') + 1,
    );
    expect(route(after, 'convoflow_http_request_duration_seconds_count', '/api/conversations/:id', '404')).toBe(
      route(before, 'convoflow_http_request_duration_seconds_count', '/api/conversations/:id', '404') + 1,
    );
    expect(route(after, 'convoflow_http_requests_total', 'unmatched', '404')).toBe(
      route(before, 'convoflow_http_requests_total', 'unmatched', '404') + 1,
    );
    const text = (await request(app).get('/metrics')).text;
    // Words, not digits: a number such as 4711 can turn up in any sample's value (a duration sum).
    expect(text).not.toContain('no-such-chat-raw-path');
    expect(text).not.toContain('no/such/place');
    expect(route(after, 'convoflow_http_requests_total', '/metrics', '200')).toBeGreaterThan(0);
  });
});

describe('who may read the metrics', () => {
  const TOKEN = 'metrics-token-0123456789';

  it('refuses a scrape without the metrics token, or with a wrong one, and serves it with the token or the admin token', async () => {
    const guarded = appWith({ access: { kind: 'token', token: TOKEN } });
    for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`]) {
      let req = request(guarded).get('/metrics');
      if (auth) req = req.set('Authorization', auth);
      const res = await req.expect(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.text).not.toContain('convoflow_');
    }
    for (const token of [TOKEN, ADMIN_TOKEN]) {
      const res = await request(guarded).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.text).toContain('convoflow_assignments_total');
    }
  });

  it('by default serves only direct requests to a loopback server; anything else needs the admin token', async () => {
    await request(appWith()).get('/metrics').expect(200);
    expect((await request(appWith()).get('/metrics').set('X-Forwarded-For', '203.0.113.9').expect(401)).body.error.code).toBe(
      'UNAUTHORIZED',
    );
    const exposed = appWith({ loopback: false });
    await request(exposed).get('/metrics').expect(401);
    await request(exposed).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(401);
    await request(exposed).get('/metrics').set('Authorization', `Bearer ${ADMIN_TOKEN}`).expect(200);
    // "none": open to whoever reaches the port.
    await request(appWith({ access: { kind: 'open' }, loopback: false }))
      .get('/metrics')
      .set('X-Forwarded-For', '203.0.113.9')
      .expect(200);
  });

  it('answers 405 to other methods', async () => {
    const res = await request(app).post('/metrics').expect(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

// Last: by now every family has samples (assignments of every kind, matches from every source, offers, HTTP).
describe('the Grafana dashboard', () => {
  it('queries only metrics and labels that /metrics serves', async () => {
    const samples = await scrape();
    const queries = dashboardQueries(['convoflow_', 'process_', 'nodejs_']);
    expect(queries.length).toBeGreaterThan(15);
    for (const q of queries) expect({ panel: q.panel, missing: missingFrom(q, samples) }).toEqual({ panel: q.panel, missing: [] });
  });
});
