import type { ClientOptionsForTestEnv } from '@temporalio/testing';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { FAST_DISPATCH } from '../../src/temporal/dev-server';
import { resolveDevServerExecutable, resolveTestServerExecutable } from '../../src/temporal/executables';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';

/**
 * A time-skipping test environment on the provisioned test server (or the SDK's
 * download), with the project's custom search attributes registered so workflows
 * can upsert them.
 */
export async function createTimeSkippingEnv(client?: ClientOptionsForTestEnv): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServerExecutable() }, client });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}

/**
 * A local environment on the real Temporal dev server (the provisioned CLI), in
 * memory, with the custom search attributes: for tests that need the real
 * server's semantics (visibility, exact update/command ordering) rather than time skipping.
 */
export async function createDevServerEnv(
  extraArgs: readonly string[] = [],
  client?: ClientOptionsForTestEnv,
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    client,
    server: {
      executable: resolveDevServerExecutable(),
      ip: '127.0.0.1',
      ui: false,
      extraArgs: [
        '--log-level',
        'error',
        // As `npm start` runs it: tasks reach the worker at once, store writes go straight back to it.
        ...FAST_DISPATCH,
        ...SEARCH_ATTRIBUTES.flatMap((k) => ['--search-attribute', `${k.name}=${k.type === 'BOOL' ? 'Bool' : 'Keyword'}`]),
        ...extraArgs,
      ],
    },
  });
}
