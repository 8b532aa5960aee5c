import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { historyFromJson } from './history-json';

/** Where a history comes from: an exported file, or a workflow read from the cluster. */
export type HistorySource = { kind: 'file'; path: string } | { kind: 'workflow'; workflowId: string; runId: string | null };

/** A history and what is known of the execution it records. */
export interface LoadedHistory {
  /** The file, or `workflow <id>`. */
  source: string;
  history: temporal.api.history.v1.IHistory;
  /** From the start event (servers since 1.24 record it) or the request; null when unknown. */
  workflowId: string | null;
  /** Known for a fetched workflow; a file does not say which run it is. */
  runId: string | null;
}

/** How a source is named in the report. */
export const sourceLabel = (source: HistorySource): string =>
  source.kind === 'file' ? source.path : `workflow ${source.workflowId}${source.runId === null ? '' : ` run ${source.runId}`}`;

const startedWorkflowId = (history: temporal.api.history.v1.IHistory): string | null =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || null;

/** Whether the bytes are JSON: by extension, else by their first non-blank character. */
function isJson(path: string, bytes: Buffer): boolean {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return true;
  if (['.binpb', '.pb', '.bin'].includes(ext)) return false;
  const first = bytes.toString('utf8', 0, Math.min(bytes.length, 64)).trimStart()[0];
  return first === '{' || first === '[';
}

/** Reads a history file: ProtoJSON (CLI or Web UI export) or a serialized `temporal.api.history.v1.History`. */
export function readHistoryFile(path: string): LoadedHistory {
  const bytes = readFileSync(path);
  const history = isJson(path, bytes) ? historyFromJson(JSON.parse(bytes.toString('utf8'))) : temporal.api.history.v1.History.decode(bytes);
  if ((history.events ?? []).length === 0) throw new Error('the history has no events');
  return { source: path, history, workflowId: startedWorkflowId(history), runId: null };
}

/** Fetches a workflow's history (its latest run unless `runId` is given). */
export async function fetchWorkflowHistory(client: Client, workflowId: string, runId: string | null): Promise<LoadedHistory> {
  const described = await client.workflow.getHandle(workflowId, runId ?? undefined).describe();
  // Fetch the run just described, so the reset command names the run whose history was checked.
  const history = await client.workflow.getHandle(workflowId, described.runId).fetchHistory();
  return {
    source: sourceLabel({ kind: 'workflow', workflowId, runId }),
    history,
    workflowId,
    runId: described.runId,
  };
}
