import type { FailureKind } from './divergence';
import type { EventSummary } from './history-events';
import type { ResetEffects } from './reset-effects';

/** The outcome for one history: it replays cleanly, it diverges, or it could not be loaded. */
export const REPLAY_STATUS = { ok: 'OK', fail: 'FAIL', error: 'ERROR' } as const;
/** One of REPLAY_STATUS's values. */
export type ReplayStatus = (typeof REPLAY_STATUS)[keyof typeof REPLAY_STATUS];

/** Where to reset a diverged workflow so the current code can carry on. */
export interface ResetPoint {
  /** The WorkflowTaskCompleted event id for `temporal workflow reset --event-id`. */
  eventId: number;
  /** The last event the reset keeps (the WorkflowTaskStarted just before `eventId`). */
  keptThroughEventId: number;
  /** The command to run. */
  command: string;
  effects: ResetEffects;
}

/** What differs between a history and the code. */
export interface ReplayFailure {
  kind: FailureKind;
  message: string;
  /** The event where replay diverged, when the message names one. */
  event: EventSummary | null;
  /** A few events either side of `event`. */
  context: EventSummary[];
  /** The latest reset point whose kept history replays cleanly; null when there is none. */
  resetPoint: ResetPoint | null;
}

interface ReportBase {
  /** The file or `workflow <id>` the history came from. */
  source: string;
  workflowId: string | null;
  runId: string | null;
}

/** A history that replays cleanly. */
export interface OkReport extends ReportBase {
  status: typeof REPLAY_STATUS.ok;
  workflowType: string;
  eventCount: number;
}

/** A history the current code does not replay. */
export interface FailReport extends ReportBase {
  status: typeof REPLAY_STATUS.fail;
  workflowType: string;
  eventCount: number;
  failure: ReplayFailure;
}

/** A source that could not be read or fetched. */
export interface ErrorReport extends ReportBase {
  status: typeof REPLAY_STATUS.error;
  error: string;
}

/** The report for one history. */
export type HistoryReport = OkReport | FailReport | ErrorReport;

/** The report for a run of the tool (`--json` prints it). */
export interface ReplayReport {
  /** Whether every history replayed cleanly. */
  ok: boolean;
  histories: HistoryReport[];
}
