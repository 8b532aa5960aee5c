import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { HistorySource, LoadedHistory } from './history-source';
import { readHistoryFile, sourceLabel } from './history-source';
import type { HistoryReport, ReplayReport } from './report';
import { REPLAY_STATUS } from './report';
import { replayHistory } from './replay-history';

/** Fetches a workflow's history from the cluster (the CLI connects on first use). */
export type FetchWorkflowHistory = (workflowId: string, runId: string | null) => Promise<LoadedHistory>;

async function load(source: HistorySource, fetchWorkflow: FetchWorkflowHistory): Promise<LoadedHistory> {
  return source.kind === 'file' ? readHistoryFile(source.path) : fetchWorkflow(source.workflowId, source.runId);
}

/** Loads and replays each source in turn; a source that cannot be loaded is reported as ERROR and the others still run. */
export async function replaySources(
  bundle: WorkflowBundleWithSourceMap,
  sources: readonly HistorySource[],
  fetchWorkflow: FetchWorkflowHistory,
): Promise<ReplayReport> {
  const histories: HistoryReport[] = [];
  for (const source of sources) {
    let loaded: LoadedHistory;
    try {
      loaded = await load(source, fetchWorkflow);
    } catch (error) {
      const workflowId = source.kind === 'workflow' ? source.workflowId : null;
      const runId = source.kind === 'workflow' ? source.runId : null;
      histories.push({ status: REPLAY_STATUS.error, source: sourceLabel(source), workflowId, runId, error: (error as Error).message });
      continue;
    }
    histories.push(await replayHistory(bundle, loaded));
  }
  return { ok: histories.every((h) => h.status === REPLAY_STATUS.ok), histories };
}
