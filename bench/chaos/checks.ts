/**
 * Invariant 7 after a chaos run: no workflow is left failing its tasks, and
 * every history replays on the current workflow code with no cache. Also
 * counts, from the histories, the workflow tasks a kill cut off (timed out:
 * the worker took the task and never answered) and those that failed.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkflowBundle } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

const WFT_EVENTS = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
]);

/** One workflow's health as the server describes it and its history records. */
export interface WorkflowHealth {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  /** Why its tasks are failing (empty: they are not). */
  failing: string | null;
  /** Workflow tasks that timed out (a kill cut them off) and that failed, over this run's history. */
  tasksTimedOut: number;
  tasksFailed: number;
  history: History;
}

/** What the replay of every history found. */
export interface ReplayFinding {
  workflowId: string;
  error: string;
}

/** Every workflow of the namespace (visibility) plus `extraIds` (visibility may lag). */
export async function workflowIds(client: Client, extraIds: Iterable<string> = []): Promise<string[]> {
  const ids = new Set(extraIds);
  for await (const w of client.workflow.list()) ids.add(w.workflowId);
  return [...ids].sort();
}

function failureOf(history: History): { failed: number; timedOut: number; lastFailed: string | null } {
  let failed = 0;
  let timedOut = 0;
  let last: temporal.api.history.v1.IHistoryEvent | null = null;
  for (const e of history.events ?? []) {
    const type = Number(e.eventType);
    if (!WFT_EVENTS.has(type)) continue;
    last = e;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failed += 1;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) timedOut += 1;
  }
  const attrs =
    last && Number(last.eventType) === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED ? last.workflowTaskFailedEventAttributes : null;
  const lastFailed = attrs
    ? `${temporal.api.enums.v1.WorkflowTaskFailedCause[Number(attrs.cause)] ?? attrs.cause}: ${(attrs.failure?.message ?? '').split('\n')[0]}`
    : null;
  return { failed, timedOut, lastFailed };
}

/**
 * Describes each workflow and reads its history: it is failing its tasks when
 * a workflow task is pending at attempt > 1 or the history's last workflow
 * task event is WORKFLOW_TASK_FAILED (the server records the first failure of
 * a retried task, not the retries).
 */
export async function workflowHealth(
  client: Client,
  ids: readonly string[],
  failures?: TaskFailureLog,
  concurrency = 8,
): Promise<WorkflowHealth[]> {
  const out: WorkflowHealth[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const workflowId = ids[next++] ?? '';
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      const history = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
      const pending = description.raw.pendingWorkflowTask;
      const attempt = Number(pending?.attempt ?? 0);
      const { failed, timedOut, lastFailed } = failureOf(history);
      const logged = failures?.reason(description.runId);
      const failing =
        lastFailed !== null || attempt > 1
          ? [
              lastFailed ?? 'last recorded task event is not a failure',
              attempt > 1 ? `task pending at attempt ${attempt}` : '',
              logged ? `worker logged: ${logged}` : '',
            ]
              .filter(Boolean)
              .join('; ')
          : null;
      out.push({
        workflowId,
        runId: description.runId,
        workflowType: description.type,
        status: description.status.name,
        failing,
        tasksTimedOut: timedOut,
        tasksFailed: failed,
        history,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

/** Replays every history on `bundle` (each from its first event, no cache); answers the ones that diverge. */
export async function replayAll(bundle: WorkflowBundle, healths: readonly WorkflowHealth[]): Promise<ReplayFinding[]> {
  const findings: ReplayFinding[] = [];
  const histories = healths.map((h) => ({ workflowId: h.workflowId, history: h.history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'chaos-replay' }, histories)) {
    if (result.error) findings.push({ workflowId: result.workflowId, error: result.error.message.split('\n')[0] ?? '' });
  }
  return findings;
}

/**
 * Why workflow tasks failed, from the workers' log lines ("Failing workflow
 * task", Core's warning with the run id and the failure): the server records
 * only a task's first failure, and none when its first attempt timed out
 * (a kill), so a task failing on retries is explained only by the worker.
 * Feed it every output line of every worker (TEMPORAL_SDK_LOG_LEVEL=WARN).
 */
export class TaskFailureLog {
  private readonly byRun = new Map<string, { message: string; count: number }>();

  observe(line: string): void {
    if (!line.includes('Failing workflow task')) return;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const runId = String(entry.run_id ?? entry.runId ?? '');
    const failure = String(entry.failure ?? '');
    const message = /message: "((?:[^"\\]|\\.)*)"/.exec(failure)?.[1]?.split('\\n')[0] ?? failure.slice(0, 200);
    const seen = this.byRun.get(runId);
    this.byRun.set(runId, { message, count: (seen?.count ?? 0) + 1 });
  }

  /** The last failure logged for the run, and how many times tasks of it failed. */
  reason(runId: string): string | null {
    const seen = this.byRun.get(runId);
    return seen ? `${seen.message} (logged ${seen.count} times)` : null;
  }

  /** Runs whose tasks failed at least once. */
  get runs(): number {
    return this.byRun.size;
  }
}
