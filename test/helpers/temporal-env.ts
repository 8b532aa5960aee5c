import { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolveTestServerExecutable } from '../../src/temporal/executables';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';

/**
 * A time-skipping test environment on the provisioned test server (or the SDK's
 * download), with the project's custom search attributes registered so workflows
 * can upsert them.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTestServerExecutable() } });
  try {
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  } catch (error) {
    await env.teardown();
    throw error;
  }
  return env;
}
