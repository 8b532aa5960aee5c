import request from 'supertest';
import { createApp } from '../../src/api/app';
import { ADMIN_TOKEN, apiDeps } from './helpers';
import type { Client } from '@temporalio/client';
import type { CapacityStore } from '../../src/store/types';

// The document is built from the route table alone: no store or Temporal needed.
const app = createApp(apiDeps({} as CapacityStore, {} as Client, 'conversations'));

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

  it('marks a body required exactly when an empty body is refused (transfer needs its target)', async () => {
    const ops = Object.fromEntries(await operations());
    expect(ops['post /api/conversations/{id}/transfer']?.requestBody?.required).toBe(true);
    expect(ops['post /api/conversations/{id}/assign']?.requestBody?.required).toBe(true);
    expect(ops['post /api/conversations/{id}/end']?.requestBody?.required).toBe(false);
    expect(ops['post /api/conversations']?.requestBody?.required).toBe(false);
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
