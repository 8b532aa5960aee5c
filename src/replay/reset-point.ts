import { temporal } from '@temporalio/proto';
import type { FailureKind } from './divergence';
import type { EventSummary } from './history-events';
import { eventIdOf, isType } from './history-events';

type History = temporal.api.history.v1.IHistory;

const EventType = temporal.api.enums.v1.EventType;

/**
 * The WorkflowTaskCompleted events a reset could go to, oldest first, keeping only those whose
 * kept history ends before `divergedAt` (a reset there keeps the divergent event, so it cannot help).
 */
export function resetCandidates(history: History, divergedAt: number | null): number[] {
  return (history.events ?? [])
    .filter((event) => isType(event, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED))
    .map(eventIdOf)
    .filter((id) => divergedAt === null || id <= divergedAt);
}

/**
 * The history a worker replays after `temporal workflow reset --event-id <completedEventId>`. The
 * server keeps every event before that WorkflowTaskCompleted, i.e. up to the WorkflowTaskStarted of
 * its task, fails that task and schedules a new one: that task runs again as new code decides, and
 * the commands it had recorded (timers, markers, search attributes...) are dropped. So the task's
 * own commands need not match; everything recorded by earlier tasks must.
 */
export function historyKeptByReset(history: History, completedEventId: number): temporal.api.history.v1.History {
  const events = (history.events ?? []).filter((event) => eventIdOf(event) < completedEventId);
  return temporal.api.history.v1.History.create({ events });
}

/**
 * The latest candidate whose kept history replays cleanly, or null if none does. Replaying a longer
 * prefix checks every command a shorter one checks, so clean candidates come first and a binary
 * search finds the last; the latest candidate is tried first because it is usually the answer.
 */
export async function lastCleanResetPoint(
  candidates: readonly number[],
  replaysCleanly: (eventId: number) => Promise<boolean>,
): Promise<number | null> {
  const latest = candidates[candidates.length - 1];
  if (latest === undefined) return null;
  if (await replaysCleanly(latest)) return latest;
  // Invariant: candidates[clean] replays cleanly (-1: none known), candidates[dirty] does not.
  let clean = -1;
  let dirty = candidates.length - 1;
  while (dirty - clean > 1) {
    const mid = Math.floor((clean + dirty) / 2);
    if (await replaysCleanly(candidates[mid] as number)) clean = mid;
    else dirty = mid;
  }
  return clean < 0 ? null : (candidates[clean] as number);
}

/** A shell word, quoted only when it must be. */
const shellWord = (word: string): string => (/^[\w./:@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The reason recorded with the reset: the tool and where the history diverged, in one line. */
export function resetReason(kind: FailureKind, event: EventSummary | null, message: string): string {
  if (event !== null) return `npm run replay: ${kind} at event ${event.id} (${event.type})`;
  const reason = `npm run replay: ${message}`;
  return reason.length > 120 ? `${reason.slice(0, 117)}...` : reason;
}

/** The `temporal workflow reset` command an operator runs (connection flags or env vars such as TEMPORAL_ADDRESS come on top). */
export function resetCommand(options: { workflowId: string | null; runId: string | null; eventId: number; reason: string }): string {
  const words = ['temporal', 'workflow', 'reset', '--workflow-id', options.workflowId ?? '<workflow-id>'];
  if (options.runId !== null) words.push('--run-id', options.runId);
  words.push('--event-id', String(options.eventId), '--reason', options.reason);
  return words.map((word) => (word === '<workflow-id>' ? word : shellWord(word))).join(' ');
}
