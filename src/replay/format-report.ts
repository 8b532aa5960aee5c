import type { EventSummary } from './history-events';
import type { FailReport, HistoryReport, ReplayReport } from './report';
import { REPLAY_STATUS } from './report';
import type { ResetEffects } from './reset-effects';

/** `offer ×3, assign`: names with how often each occurs, in order of first occurrence. */
function tally(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n === 1 ? name : `${name} ×${n}`)).join(', ');
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function eventLines(context: readonly EventSummary[], divergentId: number): string[] {
  const width = Math.max(...context.map((e) => e.type.length));
  return context.map((e) =>
    `${e.id === divergentId ? '   >' : '    '} ${String(e.id).padStart(4)}  ${e.type.padEnd(width)}  ${e.detail}`.trimEnd(),
  );
}

function effectLines(effects: ResetEffects): string[] {
  const { reappliedSignals, reappliedUpdates, answeredUpdates, droppedLocalActivities, droppedActivities } = effects;
  const lines: string[] = [];
  if (reappliedSignals.length > 0) lines.push(`reapplies ${plural(reappliedSignals.length, 'signal')}: ${tally(reappliedSignals)}`);
  if (reappliedUpdates.length > 0) lines.push(`reapplies ${plural(reappliedUpdates.length, 'update')}: ${tally(reappliedUpdates)}`);
  if (answeredUpdates.length > 0) {
    lines.push(
      `drops the answers of ${plural(answeredUpdates.length, 'update')}, which their callers already received: ${tally(answeredUpdates)}`,
    );
  }
  if (droppedLocalActivities.length > 0) {
    lines.push(
      `drops the results of ${plural(droppedLocalActivities.length, 'local activity', 'local activities')}, whose effects stay in the store: ${tally(droppedLocalActivities)}`,
    );
  }
  if (droppedActivities.length > 0) {
    lines.push(`drops ${plural(droppedActivities.length, 'activity', 'activities')}, whose effects stay: ${tally(droppedActivities)}`);
  }
  return lines.length === 0 ? ['finds nothing after the point to reapply or drop'] : lines;
}

function failLines(report: FailReport): string[] {
  const { failure } = report;
  const lines = [`${report.workflowId ?? 'workflow id unknown'} (${report.workflowType}, ${report.eventCount} events)`, failure.message];
  if (failure.event === null) {
    lines.push('the message names no event of this history');
  } else {
    const { id, type, detail } = failure.event;
    lines.push(`diverged at event ${id} ${type}${detail ? `: ${detail}` : ''}`, ...eventLines(failure.context, id));
  }
  const reset = failure.resetPoint;
  if (reset === null) {
    lines.push('no clean reset point: no task boundary before the divergence replays cleanly on this code');
  } else {
    lines.push(
      `last clean reset point: event ${reset.eventId} (WorkflowTaskCompleted); the reset keeps events 1-${reset.keptThroughEventId} and runs the task started at ${reset.keptThroughEventId} again on this code`,
      `    ${reset.command}`,
      ...effectLines(reset.effects).map((line) => `the reset ${line}`),
    );
  }
  return lines;
}

function historyLines(report: HistoryReport): string[] {
  switch (report.status) {
    case REPLAY_STATUS.ok:
      return [`OK    ${report.source} (${report.workflowType}, ${report.eventCount} events)`];
    case REPLAY_STATUS.error:
      return [`ERROR ${report.source}: ${report.error}`];
    case REPLAY_STATUS.fail:
      return [`FAIL  ${report.source}`, ...failLines(report).map((line) => `      ${line}`)];
  }
}

/** The report as text for a terminal. */
export function formatReport(report: ReplayReport): string {
  const clean = report.histories.filter((h) => h.status === REPLAY_STATUS.ok).length;
  const lines = report.histories.flatMap(historyLines);
  lines.push('', `${clean} of ${plural(report.histories.length, 'history', 'histories')} replayed cleanly.`);
  return `${lines.join('\n')}\n`;
}
