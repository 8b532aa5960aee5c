import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ms } from './stats';

type Event = temporal.api.history.v1.IHistoryEvent;

function at(e: Event | undefined): number {
  const t = e?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;
}

/** Where a set of workflows spent their lives, from the event times in their histories. */
export interface Breakdown {
  workflows: number;
  /** Average first-to-last event time per workflow. */
  lifetimeMs: number;
  /** Average ms per workflow and average count, per part (e.g. "activity claimConversation: run"). */
  parts: { name: string; ms: number; count: number }[];
  /** Average signals received per workflow, by signal name. */
  signals: { name: string; count: number }[];
  /** Average history events per workflow. */
  events: number;
  /** Average workflow tasks (completed) per workflow. */
  workflowTasks: number;
}

/** Adds one history's task timings to `sums`; returns its first-to-last event span. */
function addHistory(events: Event[], sums: Map<string, { ms: number; count: number }>, signals: Map<string, number>): number {
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const add = (name: string, from: Event | undefined, to: Event): void => {
    const d = at(to) - at(from);
    if (!Number.isFinite(d)) return;
    const s = sums.get(name) ?? { ms: 0, count: 0 };
    s.ms += d;
    s.count += 1;
    sums.set(name, s);
  };
  const activityName = (scheduledId: unknown): string =>
    byId.get(Number(scheduledId))?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
  for (const e of events) {
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signal) signals.set(signal, (signals.get(signal) ?? 0) + 1);
    const wfStarted = e.workflowTaskStartedEventAttributes;
    if (wfStarted) add('workflow task: queued (scheduled -> started)', byId.get(Number(wfStarted.scheduledEventId)), e);
    const wfDone = e.workflowTaskCompletedEventAttributes;
    if (wfDone) add('workflow task: run (started -> completed)', byId.get(Number(wfDone.startedEventId)), e);
    const actStarted = e.activityTaskStartedEventAttributes;
    if (actStarted) add(`activity ${activityName(actStarted.scheduledEventId)}: queued`, byId.get(Number(actStarted.scheduledEventId)), e);
    const actDone = e.activityTaskCompletedEventAttributes;
    if (actDone) add(`activity ${activityName(actDone.scheduledEventId)}: run`, byId.get(Number(actDone.startedEventId)), e);
  }
  return at(events[events.length - 1]) - at(events[0]);
}

/** Fetches the histories of `workflowIds` (latest runs) and averages where their time went. */
export async function historyBreakdown(client: Client, workflowIds: readonly string[]): Promise<Breakdown> {
  const sums = new Map<string, { ms: number; count: number }>();
  const signals = new Map<string, number>();
  let lifetime = 0;
  let n = 0;
  let events = 0;
  let tasks = 0;
  for (const id of workflowIds) {
    const history = await client.workflow
      .getHandle(id)
      .fetchHistory()
      .catch(() => null);
    if (!history) continue;
    const list = history.events ?? [];
    const span = addHistory(list, sums, signals);
    if (!Number.isFinite(span)) continue;
    lifetime += span;
    n += 1;
    events += list.length;
    tasks += list.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  }
  const parts = [...sums]
    .map(([name, s]) => ({ name, ms: s.ms / Math.max(n, 1), count: s.count / Math.max(n, 1) }))
    .sort((a, b) => b.ms - a.ms);
  const perWorkflow = [...signals].map(([name, total]) => ({ name, count: total / Math.max(n, 1) }));
  const per = (x: number) => x / Math.max(n, 1);
  return { workflows: n, lifetimeMs: per(lifetime), parts, signals: perWorkflow, events: per(events), workflowTasks: per(tasks) };
}

/** The breakdown as indented lines: per-workflow averages and their share of the lifetime. */
export function describeBreakdown(title: string, b: Breakdown): string[] {
  const share = (x: number) => `${((x / b.lifetimeMs) * 100).toFixed(0)}%`;
  return [
    `${title}: ${b.workflows} histories, average lifetime ${ms(b.lifetimeMs)} (first to last event), ${b.events.toFixed(1)} events and ${b.workflowTasks.toFixed(1)} workflow tasks; per workflow on average:`,
    ...b.parts.map((p) => `    ${p.name.padEnd(52)} ${ms(p.ms).padStart(10)}  ${share(p.ms).padStart(4)}  x${p.count.toFixed(1)}`),
    ...(b.signals.length ? [`    signals received: ${b.signals.map((x) => `${x.name} x${x.count.toFixed(2)}`).join(', ')}`] : []),
  ];
}
