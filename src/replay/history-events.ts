import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payloads = temporal.api.common.v1.IPayloads;
/** A protobuf int64 as protobufjs decodes it (a Long), or a plain number. */
type Int64 = { toNumber(): number } | number | null | undefined;

const EventType = temporal.api.enums.v1.EventType;

/** One history event as the report shows it. */
export interface EventSummary {
  id: number;
  /** The short name the Web UI uses, e.g. `WorkflowTaskCompleted`. */
  type: string;
  /** Signal, update, timer, activity or marker it concerns; empty when there is nothing to say. */
  detail: string;
}

/** The marker core records for each completed local activity. */
export const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const PATCH_MARKER = 'core_patch';

/** A protobuf int64 (or a plain number) as a number; event ids fit easily. */
export const toNumber = (value: Int64): number =>
  typeof value === 'number' ? value : value === null || value === undefined ? 0 : value.toNumber();

/** The event's id. */
export const eventIdOf = (event: HistoryEvent): number => toNumber(event.eventId);

/** `EVENT_TYPE_WORKFLOW_TASK_STARTED` -> `WorkflowTaskStarted`. */
export function eventTypeName(event: HistoryEvent): string {
  const name = EventType[event.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED] ?? `EventType${event.eventType}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Whether the event has this type. */
export const isType = (event: HistoryEvent, type: temporal.api.enums.v1.EventType): boolean => event.eventType === type;

/** The first payload of a Payloads as JSON, or null when it is absent or not JSON. */
function payloadJson(payloads: Payloads | null | undefined): Record<string, unknown> | null {
  const data = payloads?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A local-activity marker's sequence number and activity type, or null for other events. */
export function localActivityMarker(event: HistoryEvent): { seq: number; activityType: string } | null {
  const attrs = event.markerRecordedEventAttributes;
  if (!attrs || attrs.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  const data = payloadJson(attrs.details?.data);
  if (data === null || typeof data.seq !== 'number') return null;
  return { seq: data.seq, activityType: typeof data.activity_type === 'string' ? data.activity_type : '?' };
}

/** Names an event's subject needs from other events: activity types and update names by the event that introduced them. */
export class HistoryIndex {
  private readonly activityTypes = new Map<number, string>();
  private readonly updateNames = new Map<string, string>();

  constructor(history: History) {
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) this.activityTypes.set(eventIdOf(event), scheduled.activityType?.name ?? '?');
      const admitted = event.workflowExecutionUpdateAdmittedEventAttributes?.request;
      const accepted = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      for (const request of [admitted, accepted]) {
        const id = request?.meta?.updateId;
        if (id) this.updateNames.set(id, request?.input?.name ?? '?');
      }
    }
  }

  /** The type of the activity scheduled at `scheduledEventId`. */
  activityType(scheduledEventId: Int64): string {
    return this.activityTypes.get(toNumber(scheduledEventId)) ?? '?';
  }

  /** The name of the update with this id. */
  updateName(updateId: string | null | undefined): string {
    return (updateId && this.updateNames.get(updateId)) || '?';
  }

  /** What the event is about, in a few words. */
  detail(event: HistoryEvent): string {
    const e = event;
    if (e.workflowExecutionStartedEventAttributes) return `workflow ${e.workflowExecutionStartedEventAttributes.workflowType?.name ?? '?'}`;
    if (e.workflowExecutionSignaledEventAttributes) return `signal ${e.workflowExecutionSignaledEventAttributes.signalName ?? '?'}`;
    const update =
      e.workflowExecutionUpdateAdmittedEventAttributes?.request?.meta?.updateId ??
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId ??
      e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId ??
      e.workflowExecutionUpdateRejectedEventAttributes?.rejectedRequest?.meta?.updateId;
    if (update) return `update ${this.updateName(update)}`;
    const timer = e.timerStartedEventAttributes ?? e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes;
    if (timer) return `timer ${timer.timerId ?? '?'}`;
    if (e.activityTaskScheduledEventAttributes) return `activity ${e.activityTaskScheduledEventAttributes.activityType?.name ?? '?'}`;
    const activity =
      e.activityTaskStartedEventAttributes ??
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCancelRequestedEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    if (activity) return `activity ${this.activityType(activity.scheduledEventId)}`;
    if (e.markerRecordedEventAttributes) return markerDetail(e);
    if (e.upsertWorkflowSearchAttributesEventAttributes) {
      return `search attributes ${Object.keys(e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join(', ')}`;
    }
    const failure = e.workflowTaskFailedEventAttributes?.failure?.message;
    if (failure) return failure.length > 90 ? `${failure.slice(0, 89)}…` : failure;
    return '';
  }

  /** The event as the report shows it. */
  summary(event: HistoryEvent): EventSummary {
    return { id: eventIdOf(event), type: eventTypeName(event), detail: this.detail(event) };
  }
}

function markerDetail(event: HistoryEvent): string {
  const la = localActivityMarker(event);
  if (la !== null) return `local activity ${la.activityType} (seq ${la.seq})`;
  const attrs = event.markerRecordedEventAttributes;
  if (attrs?.markerName === PATCH_MARKER) {
    const id = Object.values(attrs.details ?? {})
      .map((payloads) => payloadJson(payloads)?.id)
      .find((value) => typeof value === 'string');
    return `patch ${id ?? '?'}`;
  }
  return `marker ${attrs?.markerName ?? '?'}`;
}
