import request from 'supertest';
import { createApp } from '../../src/api/app';
import { ADMIN_TOKEN, apiDeps } from './helpers';
import type { Client } from '@temporalio/client';
import type { Store } from '../../src/store/store';

// The document is built from the route table alone: no store or Temporal needed.
const app = createApp(apiDeps({} as Store, {} as Client, 'conversations'));

type Operation = {
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, { headers?: Record<string, unknown> }>;
  parameters: { name: string; in: string }[];
};

async function operations(): Promise<[string, Operation][]> {
  const doc = (await request(app).get('/api/openapi.json').expect(200)).body as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]): [string, Operation] => [`${method} ${path}`, op]),
  );
}

describe('the OpenAPI document', () => {
  it('documents 413 and 415 on every route that takes a body', async () => {
    for (const [name, op] of await operations()) {
      if (!op.requestBody) continue;
      expect({ name, codes: Object.keys(op.responses) }).toEqual({ name, codes: expect.arrayContaining(['400', '413', '415']) });
    }
  });

  it('marks a body required when an empty body is refused (transfer needs its target), and on the public start', async () => {
    const ops = Object.fromEntries(await operations());
    expect(ops['post /api/conversations/{id}/transfer']?.requestBody?.required).toBe(true);
    expect(ops['post /api/conversations/{id}/assign']?.requestBody?.required).toBe(true);
    expect(ops['post /api/conversations/{id}/end']?.requestBody?.required).toBe(false);
    // The public start takes JSON only (a bodiless cross-site POST needs no credentials there): at least {}.
    expect(ops['post /api/conversations']?.requestBody?.required).toBe(true);
  });

  it('writes patterns every regex engine reads alike (no \\w, \\d or surrogate ranges, which are Unicode-aware outside JavaScript)', async () => {
    const text = JSON.stringify((await request(app).get('/api/openapi.json')).body);
    const patterns = [...text.matchAll(/"pattern":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns)
      expect({ pattern, portable: !/\\[wWdDsS]|\\ud[89a-f]/i.test(pattern) }).toEqual({ pattern, portable: true });
  });

  it('answers 405 with Allow to a method a documented path does not take, 404 to an unknown path', async () => {
    const res = await request(app).delete('/api/queues');
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    const trace = await request(app).trace('/api/conversations/abc');
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD');
    expect((await request(app).get('/api/nothing-here')).status).toBe(404);
  });

  it('documents the Idempotency-Key header on every route that changes something, and OUTCOME_UNKNOWN on 503', async () => {
    for (const [name, op] of await operations()) {
      if (name.startsWith('get ')) continue;
      expect({ name, header: op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key') }).toEqual({
        name,
        header: true,
      });
      expect({ name, codes: Object.keys(op.responses) }).toEqual({ name, codes: expect.arrayContaining(['409', '503']) });
    }
  });

  it('is served with the admin token or without one alike', async () => {
    const plain = await request(app).get('/api/openapi.json');
    const withToken = await request(app).get('/api/openapi.json').set('Authorization', `Bearer ${ADMIN_TOKEN}`);
    expect(withToken.body).toEqual(plain.body);
  });
});
