import type { HistorySource } from '../replay/history-source';

/** The one-line usage `npm run replay` prints on bad arguments. */
export const REPLAY_USAGE =
  'Usage: npm run replay -- [--json] [--workflows <path>] [<history.json|history.binpb>...] [--workflow-id <id> [--run-id <id>]]...';

/** What the command line asks for. */
export interface ReplayOptions {
  sources: HistorySource[];
  /** Print the machine-readable report. */
  json: boolean;
  /** Workflow code to replay on instead of the checkout's `workflows/`. */
  workflowsPath: string | null;
}

/** The parsed command line: options, a request for help, or what is wrong with it. */
export type ParsedReplayArgs = { kind: 'run'; options: ReplayOptions } | { kind: 'help' } | { kind: 'invalid'; problem: string };

/** Parses `npm run replay`'s arguments; `--run-id` applies to the `--workflow-id` just before it. */
export function parseReplayArgs(argv: readonly string[]): ParsedReplayArgs {
  const options: ReplayOptions = { sources: [], json: false, workflowsPath: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string | null => {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) return null;
      i++;
      return next;
    };
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--json') {
      options.json = true;
    } else if (arg === '--workflows') {
      options.workflowsPath = value();
      if (options.workflowsPath === null) return { kind: 'invalid', problem: '--workflows needs a path' };
    } else if (arg === '--workflow-id') {
      const workflowId = value();
      if (workflowId === null) return { kind: 'invalid', problem: '--workflow-id needs an id' };
      options.sources.push({ kind: 'workflow', workflowId, runId: null });
    } else if (arg === '--run-id') {
      const runId = value();
      const last = options.sources[options.sources.length - 1];
      if (runId === null) return { kind: 'invalid', problem: '--run-id needs an id' };
      if (last?.kind !== 'workflow' || last.runId !== null) return { kind: 'invalid', problem: '--run-id must follow a --workflow-id' };
      last.runId = runId;
    } else if (arg.startsWith('-')) {
      return { kind: 'invalid', problem: `unknown option ${arg}` };
    } else {
      options.sources.push({ kind: 'file', path: arg });
    }
  }
  if (options.sources.length === 0) return { kind: 'invalid', problem: 'name at least one history file or --workflow-id' };
  return { kind: 'run', options };
}
