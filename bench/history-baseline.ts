import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

/** History events and workflow tasks a lifecycle costs. */
export interface LifecycleCost {
  events: number;
  workflowTasks: number;
}

/** The replay fixture of the code before the redesign (d629350), copied from test/fixtures/histories. */
export const OLD_FIXTURE = join(__dirname, '..', '..', 'bench', 'baseline', 'd629350-signals-full-lifecycle.binpb');
/** The same fixture as the code measured records it. */
export const CURRENT_FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'histories', 'signals-full-lifecycle.binpb');

/** Splits a history where each signal arrives: [start, first signal's part, ...], named by signal. */
function segments(events: Event[]): { name: string; events: Event[] }[] {
  const parts: { name: string; events: Event[] }[] = [{ name: 'start', events: [] }];
  for (const e of events) {
    const signal = e.workflowExecutionSignaledEventAttributes?.signalName;
    if (signal) parts.push({ name: signal, events: [] });
    parts[parts.length - 1]?.events.push(e);
  }
  return parts;
}

function cost(events: Event[]): LifecycleCost {
  return { events: events.length, workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length };
}

/**
 * The benchmark's lifecycle (start, assigned, end, close tab) as a recorded
 * history would have it: the fixture drives start -> assign -> closeTab
 * (Waiting) -> reopen -> end -> closeTab (Closed) by signals, so the
 * benchmark's lifecycle is its start, assign, end and last closeTab parts
 * (the Waiting detour left out). Null when the file is missing.
 */
export function lifecycleFromFixture(file: string): (LifecycleCost & { parts: string }) | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  const history = temporal.api.history.v1.History.decode(bytes);
  const parts = segments(history.events ?? []);
  const names = parts.map((p) => p.name).join(', ');
  if (names !== 'start, assign, closeTab, reopen, end, closeTab') return null;
  const kept = [parts[0], parts[1], parts[4], parts[5]].flatMap((p) => p?.events ?? []);
  const c = cost(kept);
  const detail = [parts[0], parts[1], parts[4], parts[5]].map(
    (p) => `${p?.name} ${cost(p?.events ?? []).events}/${cost(p?.events ?? []).workflowTasks}`,
  );
  return { ...c, parts: detail.join(', ') };
}
