// The pages' API client is typed from the API's route table: `npm run typecheck` compiles this file,
// and each `@ts-expect-error` below fails the typecheck if the client stops refusing that mistake
// (for instance if its types collapsed to `any`). The one runtime check keeps jest's file honest.
import type { Answer, ApiCall, PathOf } from '../../src/pages/lib/client';
import { createClient } from '../../src/pages/lib/client';

/** Never called: only compiled. */
export async function typeChecks(call: ApiCall): Promise<void> {
  const items = await call('get', '/api/agents/:id/work-items', { params: { id: 'ann' } });
  const state: 'Open' | 'Active' | 'WrapUp' | 'Waiting' | 'Closed' = items.workItems[0]!.state;
  void state;
  // @ts-expect-error: no such route
  await call('get', '/api/nowhere');
  // @ts-expect-error: the route's path parameter is missing
  await call('get', '/api/agents/:id/work-items');
  // @ts-expect-error: a transfer names a queue or an agent
  await call('post', '/api/conversations/:id/transfer', { params: { id: 'c1' }, body: { toQueue: 'billing' } });
  // @ts-expect-error: GET /api/queues answers queues, not conversations
  const wrong: Answer<'get', '/api/queues'>['conversations'] = [];
  void wrong;
  const paths: PathOf<'put'>[] = ['/api/agents/:id/presence', '/api/intake-rules'];
  void paths;
}

describe('the pages’ API client', () => {
  it('refuses a call that lacks a path parameter before anything is sent', async () => {
    const call = createClient(() => null) as unknown as (method: string, path: string, options?: object) => Promise<unknown>;
    await expect(call('get', '/api/agents/:id/work-items', {})).rejects.toThrow('/api/agents/:id/work-items needs the path parameter id.');
  });
});
