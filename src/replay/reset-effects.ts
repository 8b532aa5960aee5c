import type { temporal } from '@temporalio/proto';
import type { HistoryIndex } from './history-events';
import { eventIdOf, localActivityMarker } from './history-events';

type History = temporal.api.history.v1.IHistory;

/** What a reset does with the events after the point: the operator's checklist. */
export interface ResetEffects {
  /** Signals received after the point, by name: the server sends them again. */
  reappliedSignals: string[];
  /** Updates admitted or accepted after the point, by name: the server reapplies them and the new run runs them again. */
  reappliedUpdates: string[];
  /** Updates completed after the point, by name: their callers have an answer the new run may contradict. */
  answeredUpdates: string[];
  /** Local activities completed after the point, by type: their effects stay in the store, and the new run may run them again. */
  droppedLocalActivities: string[];
  /** Activities scheduled after the point, by type: the same holds for them. */
  droppedActivities: string[];
}

/** The effects of a reset that keeps events up to `keptThroughEventId`. */
export function resetEffects(history: History, index: HistoryIndex, keptThroughEventId: number): ResetEffects {
  const effects: ResetEffects = {
    reappliedSignals: [],
    reappliedUpdates: [],
    answeredUpdates: [],
    droppedLocalActivities: [],
    droppedActivities: [],
  };
  const updateIds = new Set<string>();
  for (const event of history.events ?? []) {
    if (eventIdOf(event) <= keptThroughEventId) continue;
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal) effects.reappliedSignals.push(signal.signalName ?? '?');
    // An update appears as Admitted and/or Accepted; count it once, by its id.
    const update =
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ??
      event.workflowExecutionUpdateAdmittedEventAttributes?.request;
    const updateId = update?.meta?.updateId;
    if (updateId && !updateIds.has(updateId)) {
      updateIds.add(updateId);
      effects.reappliedUpdates.push(index.updateName(updateId));
    }
    const completed = event.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) effects.answeredUpdates.push(index.updateName(completed.meta?.updateId));
    const la = localActivityMarker(event);
    if (la !== null) effects.droppedLocalActivities.push(la.activityType);
    const activity = event.activityTaskScheduledEventAttributes;
    if (activity) effects.droppedActivities.push(activity.activityType?.name ?? '?');
  }
  return effects;
}
