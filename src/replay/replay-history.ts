import { basename } from 'node:path';
import type { temporal } from '@temporalio/proto';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { readDivergence } from './divergence';
import { eventIdOf, HistoryIndex } from './history-events';
import type { LoadedHistory } from './history-source';
import type { FailReport, OkReport, ReplayFailure, ResetPoint } from './report';
import { REPLAY_STATUS } from './report';
import { resetEffects } from './reset-effects';
import { historyKeptByReset, lastCleanResetPoint, resetCandidates, resetCommand, resetReason } from './reset-point';

type History = temporal.api.history.v1.IHistory;

/** Events shown either side of the divergent one. */
const CONTEXT_EVENTS = 3;

/** Replays `history` on the bundle; the replay's error, or null when it replays cleanly. */
export async function replayError(bundle: WorkflowBundleWithSourceMap, history: History, workflowId: string): Promise<unknown> {
  try {
    // Without activities, as replay needs none; a local activity that a history ending on a
    // WorkflowTaskStarted schedules in its last (new) task fails that task, which the SDK does not
    // count as a replay failure (SDK 1.24): only the recorded part of the history is judged.
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
    return null;
  } catch (error) {
    return error;
  }
}

/** The report for a history that fails: where, around which events, and where a reset would leave the code a clean history. */
async function describeFailure(
  bundle: WorkflowBundleWithSourceMap,
  loaded: LoadedHistory,
  workflowId: string,
  error: unknown,
): Promise<ReplayFailure> {
  const { history } = loaded;
  const events = history.events ?? [];
  const index = new HistoryIndex(history);
  const divergence = readDivergence(error, history);
  const at = divergence.eventId === null ? -1 : events.findIndex((event) => eventIdOf(event) === divergence.eventId);
  const divergent = at < 0 ? null : index.summary(events[at] ?? {});
  const candidates = resetCandidates(history, divergence.eventId);
  const resetId = await lastCleanResetPoint(
    candidates,
    async (id) => (await replayError(bundle, historyKeptByReset(history, id), workflowId)) === null,
  );
  let resetPoint: ResetPoint | null = null;
  if (resetId !== null) {
    const reason = resetReason(divergence.kind, divergent, divergence.message);
    resetPoint = {
      eventId: resetId,
      keptThroughEventId: resetId - 1,
      command: resetCommand({ workflowId: loaded.workflowId, runId: loaded.runId, eventId: resetId, reason }),
      effects: resetEffects(history, index, resetId - 1),
    };
  }
  return {
    kind: divergence.kind,
    message: divergence.message,
    event: divergent,
    context: at < 0 ? [] : events.slice(Math.max(0, at - CONTEXT_EVENTS), at + CONTEXT_EVENTS + 1).map((event) => index.summary(event)),
    resetPoint,
  };
}

/** Replays one history against the bundle and reports OK, or FAIL with where it diverged and the last clean reset point. */
export async function replayHistory(bundle: WorkflowBundleWithSourceMap, loaded: LoadedHistory): Promise<OkReport | FailReport> {
  const { history } = loaded;
  // Workflow code may read its id, so replay under the real one when the history or the request gives it.
  const workflowId = loaded.workflowId ?? basename(loaded.source);
  const base = {
    source: loaded.source,
    workflowId: loaded.workflowId,
    runId: loaded.runId,
    workflowType: history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?',
    eventCount: history.events?.length ?? 0,
  };
  const error = await replayError(bundle, history, workflowId);
  if (error === null) return { ...base, status: REPLAY_STATUS.ok };
  return { ...base, status: REPLAY_STATUS.fail, failure: await describeFailure(bundle, loaded, workflowId, error) };
}
