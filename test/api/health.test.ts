import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../src/api/app';
import type { Store } from '../../src/store/store';
import { apiDeps } from './helpers';

// Liveness must not depend on the store or Temporal, so neither is usable here.
const app = createApp(apiDeps({} as Store, {} as Client, 'conversations'));

describe('health endpoint', () => {
  it('answers 200 with status ok', async () => {
    const response = await request(app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const response = await request(app).get('/nope');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No such endpoint: GET /nope.' } });
  });

  it('answers malformed JSON with a 400, not a crash', async () => {
    const response = await request(app).post('/api/conversations').set('content-type', 'application/json').send('{ nope');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('INVALID_INPUT');
  });
});
