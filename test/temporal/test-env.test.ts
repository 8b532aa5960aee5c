import { randomUUID } from 'node:crypto';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes, indexedValueType } from '../../src/temporal/search-attributes';
import {
  AgentIdAttribute,
  ChannelAttribute,
  ConversationStateAttribute,
  QueueIdAttribute,
  SEARCH_ATTRIBUTES,
  StaleFlaggedAttribute,
} from '../../workflows/search-attributes';
import { createTimeSkippingEnv, TEST_SERVER_KEEPALIVE, terminateOnTestServer } from '../helpers/temporal-env';

const GRPC_ALREADY_EXISTS = 6;

describe('time-skipping test environment', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('keeps the client from pinging the test server more than it permits (it would drop the connection)', () => {
    expect(env.connection.options.channelArgs).toMatchObject(TEST_SERVER_KEEPALIVE);
  });

  // The Java test server cannot list search attributes, so registration shows as
  // "already exists" on a second add, and as a start that carries them all.
  it.each(SEARCH_ATTRIBUTES.map((key) => [key.name, key]))('registers %s', async (_name, key) => {
    const again = env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { [key.name]: indexedValueType(key.type) },
    });
    await expect(again).rejects.toMatchObject({ code: GRPC_ALREADY_EXISTS });
  });

  it('accepts a workflow start carrying every attribute with its type', async () => {
    const handle = await env.client.workflow.start('unregisteredWorkflowType', {
      taskQueue: `no-worker-${randomUUID()}`,
      workflowId: `test-env-${randomUUID()}`,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: ConversationStateAttribute, value: 'Open' },
        { key: AgentIdAttribute, value: 'alice' },
        { key: QueueIdAttribute, value: 'default' },
        { key: ChannelAttribute, value: 'chat' },
        { key: StaleFlaggedAttribute, value: false },
      ]),
    });
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(QueueIdAttribute)).toBe('default');
    expect(description.typedSearchAttributes.get(StaleFlaggedAttribute)).toBe(false);
    await terminateOnTestServer(env, handle.workflowId, 'test over');
  });

  it('refuses an attribute nobody registered, so the start above proves registration', async () => {
    const start = env.client.workflow.start('unregisteredWorkflowType', {
      taskQueue: `no-worker-${randomUUID()}`,
      workflowId: `test-env-${randomUUID()}`,
      typedSearchAttributes: new TypedSearchAttributes([
        { key: defineSearchAttributeKey('NotRegistered', SearchAttributeType.KEYWORD), value: 'x' },
      ]),
    });
    const error: unknown = await start.catch((e: unknown) => e);
    expect(String((error as Error).cause)).toMatch(/NotRegistered/);
  });

  // No worker polls the task queue, so the run's first workflow task is still open when it is
  // terminated: a plain terminate leaves the test server's time skipping locked for good, and the
  // hour below would take an hour.
  it('still skips time after a run terminated with its workflow task open', async () => {
    const handle = await env.client.workflow.start('unregisteredWorkflowType', {
      taskQueue: `no-worker-${randomUUID()}`,
      workflowId: `test-env-${randomUUID()}`,
    });
    await terminateOnTestServer(env, handle.workflowId, 'test over');
    const before = await env.currentTimeMs();
    const slept = env.sleep(60 * 60_000).then(() => 'skipped' as const);
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), 60_000);
    });
    expect(await Promise.race([slept, stalled])).toBe('skipped');
    clearTimeout(timer);
    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(60 * 60_000);
  }, 120_000);

  it('registers again without error (idempotent)', async () => {
    await expect(registerSearchAttributes(env.connection, 'default')).resolves.toBeUndefined();
  });
});
