import { temporal } from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import { eventIdOf, isType, localActivityMarker } from './history-events';

type History = temporal.api.history.v1.IHistory;

const EventType = temporal.api.enums.v1.EventType;

/** Why a replay failed: `nondeterminism` when the code's commands differ from the history, `replay` for any other failure. */
export type FailureKind = 'nondeterminism' | 'replay';

/** What a failed replay says, reduced to what an operator reads. */
export interface Divergence {
  kind: FailureKind;
  /** Core's own message, e.g. `Nondeterminism error: Missing associated machine for LocalActivity(4)`. */
  message: string;
  /** The history event the message points at, or null when it names none that this history holds. */
  eventId: number | null;
}

/**
 * Core's message inside the SDK's wrapping: the first `message: "..."` of the Failure it prints,
 * without the `[TMPRL1100]` code; the whole text when there is none.
 */
function coreMessage(text: string): string {
  const quoted = /message: "((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
  return (quoted ?? text).replace(/^\[TMPRL\d+\]\s*/, '').trim();
}

/** The event a machine named by core refers to: `LocalActivity(4)` is the marker of local activity 4, `Timer(2)` the start of timer 2. */
function eventOfMachine(history: History, machine: string, seq: number): number | null {
  const events = history.events ?? [];
  const found = events.find((event) => {
    switch (machine) {
      case 'LocalActivity':
        return localActivityMarker(event)?.seq === seq;
      case 'Timer':
        return isType(event, EventType.EVENT_TYPE_TIMER_STARTED) && event.timerStartedEventAttributes?.timerId === String(seq);
      case 'Activity':
        return (
          isType(event, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) &&
          event.activityTaskScheduledEventAttributes?.activityId === String(seq)
        );
      default:
        return false;
    }
  });
  return found === undefined ? null : eventIdOf(found);
}

/** The event id a core message names: `HistoryEvent(id: 27, ...)`, or the event of a machine such as `LocalActivity(4)`. */
export function divergentEventId(message: string, history: History): number | null {
  const last = eventIdOf(history.events?.[history.events.length - 1] ?? {});
  const named = /HistoryEvent\(id: (\d+)/.exec(message);
  if (named?.[1] !== undefined) {
    const id = Number(named[1]);
    return id >= 1 && id <= last ? id : null;
  }
  const machine = /\b(LocalActivity|Timer|Activity)\((\d+)\)/.exec(message);
  if (machine?.[1] !== undefined && machine[2] !== undefined) return eventOfMachine(history, machine[1], Number(machine[2]));
  return null;
}

/** Reads a replay error: its kind, core's message and the event it names. */
export function readDivergence(error: unknown, history: History): Divergence {
  const text = error instanceof Error ? error.message : String(error);
  const message = coreMessage(text);
  return {
    kind: error instanceof DeterminismViolationError ? 'nondeterminism' : 'replay',
    message,
    eventId: divergentEventId(message, history),
  };
}
