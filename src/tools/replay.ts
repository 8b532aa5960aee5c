import type { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../config';
import { formatReport } from '../replay/format-report';
import { fetchWorkflowHistory } from '../replay/history-source';
import type { FetchWorkflowHistory } from '../replay/replay-sources';
import { replaySources } from '../replay/replay-sources';
import { bundleWorkflows } from '../replay/workflow-bundle';
import { connectClient } from '../temporal/connection';
import { parseReplayArgs, REPLAY_USAGE } from './replay-args';

/** Where the command writes. */
export interface ReplayIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: ReplayIo = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

/**
 * `npm run replay`: replays each history against the checkout's workflow code and reports OK, or
 * FAIL with the divergent event and the last clean reset point. The exit code: 0 when every history
 * replays cleanly, 1 when one does not (or cannot be loaded), 2 on bad arguments.
 */
export async function runReplay(argv: readonly string[], io: ReplayIo = processIo): Promise<number> {
  const parsed = parseReplayArgs(argv);
  if (parsed.kind === 'help') {
    io.out(`${REPLAY_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'invalid') {
    io.err(`${parsed.problem}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  const { options } = parsed;
  // Connect only when a workflow id is named: replaying files needs no cluster (nor its configuration).
  const cluster: { connected?: Promise<{ connection: Connection; client: Client }> } = {};
  const fetchWorkflow: FetchWorkflowHistory = async (workflowId, runId) => {
    cluster.connected ??= connectClient(loadConfig().temporal);
    return fetchWorkflowHistory((await cluster.connected).client, workflowId, runId);
  };
  try {
    const bundle = await bundleWorkflows(options.workflowsPath ?? undefined);
    const report = await replaySources(bundle, options.sources, fetchWorkflow);
    io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await cluster.connected?.then(
      ({ connection }) => connection.close(),
      () => undefined,
    );
  }
}

if (require.main === module) {
  // Replays that fail are the point here: keep Core's warnings about failing tasks off the terminal.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  runReplay(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
