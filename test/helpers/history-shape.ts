import { temporal } from '@temporalio/proto';

// What makes two recorded histories alike for the replay corpus (docs/replay-corpus.md).

/** A workflow history as the client fetches it. */
export type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType } = temporal.api.enums.v1;

const eventName = (e: HistoryEvent): string => (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');

/** The local activity a marker records, from its `data` payload (core's marker format). */
function markerActivity(e: HistoryEvent): string {
  const attributes = e.markerRecordedEventAttributes;
  const data = attributes?.details?.data?.payloads?.[0]?.data;
  let activity = attributes?.markerName ?? 'marker';
  if (data) {
    try {
      activity = (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type ?? activity;
    } catch {
      // Not core's local-activity marker: its name is shape enough.
    }
  }
  return attributes?.failure ? `${activity}!` : activity;
}

/** One event as the shape sees it: its type, and the name of what it carries (workflow, signal, update, activity). */
function eventSignature(e: HistoryEvent): string {
  const detail =
    e.workflowExecutionStartedEventAttributes?.workflowType?.name ??
    e.workflowExecutionSignaledEventAttributes?.signalName ??
    e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ??
    (e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure ? 'refused' : undefined) ??
    e.activityTaskScheduledEventAttributes?.activityType?.name ??
    (e.markerRecordedEventAttributes ? markerActivity(e) : undefined) ??
    (e.workflowTaskFailedEventAttributes ? String(e.workflowTaskFailedEventAttributes.cause) : undefined);
  return detail ? `${eventName(e)}:${detail}` : eventName(e);
}

/**
 * Removes immediate repetitions of any block of up to `maxBlock` items
 * (`a b c b c b c d` -> `a b c d`), until none is left: a loop that ran 3 or 300
 * times (chat messages, dispatcher sweeps) has one shape.
 */
export function collapseRepeats(items: readonly string[], maxBlock = 24): string[] {
  let out = [...items];
  for (let changed = true; changed;) {
    changed = false;
    for (let size = 1; size <= maxBlock; size++) {
      const kept: string[] = [];
      for (let i = 0; i < out.length;) {
        const block = out.slice(i, i + size);
        kept.push(...block);
        i += size;
        while (block.length === size && i + size <= out.length && block.every((x, k) => out[i + k] === x)) {
          i += size;
          changed = true;
        }
      }
      out = kept;
    }
  }
  return out;
}

/**
 * The shape of a history: its event types with what each carries, loops
 * collapsed. Two histories of one shape drive the workflow code down the same
 * paths, so the corpus keeps one of them.
 */
export function historyShape(history: History): string {
  return collapseRepeats((history.events ?? []).map(eventSignature)).join(' ');
}

/** A history in which no workflow task ever completed shows no workflow code at work. */
export function trivial(history: History): boolean {
  return !(history.events ?? []).some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
}
