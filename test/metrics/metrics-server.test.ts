import type { MetricsAccess } from '../../src/config';
import { metricsGuard } from '../../src/metrics/access';
import { Metrics } from '../../src/metrics/metrics';
import type { RunningMetricsServer } from '../../src/metrics/metrics-server';
import { startMetricsServer } from '../../src/metrics/metrics-server';
import { StartupError } from '../../src/startup-error';
import { freePortBlock } from '../helpers/ports';

const TOKEN = 'worker-metrics-token-0123';
const servers: RunningMetricsServer[] = [];

async function serve(access: MetricsAccess, host = '127.0.0.1'): Promise<RunningMetricsServer> {
  const port = await freePortBlock(1);
  const guard = metricsGuard(access, { loopback: host === '127.0.0.1', behindProxy: false, adminToken: null });
  const server = await startMetricsServer(new Metrics({ processMetrics: false }), { host, port, guard });
  servers.push(server);
  return server;
}

afterAll(async () => {
  for (const s of servers) await s.close();
});

describe("start:worker's metrics server", () => {
  it('serves the registry at /metrics on loopback, and nothing else', async () => {
    const server = await serve({ kind: 'local' });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE convoflow_assignments_total counter');
    // A worker alone has no HTTP API: no empty request families to confuse a dashboard.
    expect(text).not.toContain('convoflow_http_');
    const other = await fetch(server.url.replace('/metrics', '/api/agents'));
    expect([other.status, ((await other.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
    const post = await fetch(server.url, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('refuses a relayed request by default, and a scrape without the metrics token when one is set', async () => {
    const local = await serve({ kind: 'local' });
    const relayed = await fetch(local.url, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect([relayed.status, ((await relayed.json()) as { error: { code: string } }).error.code]).toEqual([401, 'UNAUTHORIZED']);

    const guarded = await serve({ kind: 'token', token: TOKEN });
    const refused = await fetch(guarded.url);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.text()).not.toContain('convoflow_');
    expect((await fetch(guarded.url, { headers: { Authorization: 'Bearer not-the-token-0123456' } })).status).toBe(401);
    expect((await fetch(guarded.url, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('says which setting to change when the port is taken', async () => {
    const first = await serve({ kind: 'local' });
    const port = Number(new URL(first.url).port);
    const taken = startMetricsServer(new Metrics({ processMetrics: false }), {
      host: '127.0.0.1',
      port,
      guard: () => null,
    });
    await expect(taken).rejects.toThrow(StartupError);
    await expect(taken).rejects.toThrow(/CONVOFLOW_WORKER_METRICS_PORT/);
  });
});
