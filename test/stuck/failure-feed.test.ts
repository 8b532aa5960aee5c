import { fromCoreLog, fromEviction, failureMessage, onWorkflowTaskFailure, reportWorkflowTaskFailure } from '../../src/stuck/failure-feed';
import type { WorkflowTaskFailureReport } from '../../src/stuck/failure-feed';

// Core's Debug rendering of a failure, as its log line and evictions carry it (recorded on the dev server, SDK 1.24.0).
const NONDETERMINISM =
  'Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)", source: "", stack_trace: "", encoded_attributes: None, cause: None, failure_info: Some(ApplicationFailureInfo(ApplicationFailureInfo { r#type: "", non_retryable: false, details: None, next_retry_delay: None, category: Unspecified })) }), force_cause: NonDeterministicError }';
const THROWN =
  'Failure { failure: Some(Failure { message: "Cannot read \\"x\\" of undefined", source: "TypeScriptSDK", stack_trace: "TypeError: …", encoded_attributes: None, cause: None, failure_info: None }), force_cause: Unspecified }';
const RUN = '01a24ef2-4bd7-7a51-b01e-288f31db0e7f';

describe('workflow task failure reports', () => {
  it('reads the run, cause and message from Core’s "Failing workflow task" line, and nothing from other lines', () => {
    expect(fromCoreLog('Failing workflow task', { sdkComponent: 'core', runId: RUN, failure: NONDETERMINISM })).toEqual({
      runId: RUN,
      cause: 'NON_DETERMINISTIC_ERROR',
      message:
        '[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)',
    });
    expect(fromCoreLog('Failing workflow task', { runId: RUN, failure: THROWN })).toEqual({
      runId: RUN,
      cause: 'WORKFLOW_WORKER_UNHANDLED_FAILURE',
      message: 'Cannot read "x" of undefined',
    });
    expect(fromCoreLog('Failing legacy query request', { runId: RUN, failure: THROWN })).toBeNull();
    expect(fromCoreLog('Failing workflow task', { failure: THROWN })).toBeNull();
  });

  it('reads failed-task evictions, decoded or as JSON, and ignores the others (cache full, shutdown)', () => {
    const message = `Workflow activation completion failed: ${NONDETERMINISM}`;
    expect(fromEviction({ runId: RUN, evictJob: { reason: 3, message } })).toMatchObject({ runId: RUN, cause: 'NON_DETERMINISTIC_ERROR' });
    expect(fromEviction({ runId: RUN, evictJob: { reason: 'NONDETERMINISM', message } })?.message).toMatch(/^\[TMPRL1100\]/);
    expect(fromEviction({ runId: RUN, evictJob: { reason: 'LANG_FAIL', message: THROWN } })?.cause).toBe(
      'WORKFLOW_WORKER_UNHANDLED_FAILURE',
    );
    expect(fromEviction({ runId: RUN, evictJob: { reason: 'CACHE_FULL', message: 'Workflow cache full' } })).toBeNull();
    expect(fromEviction({ runId: RUN, evictJob: { reason: 'FATAL', message: 'Worker shutdown' } })).toBeNull();
    expect(fromEviction(null)).toBeNull();
  });

  it('keeps a message that is not Core’s rendering as it is', () => {
    expect(failureMessage('plain words')).toBe('plain words');
  });

  it('hands reports to every listener until it unsubscribes', () => {
    const seen: WorkflowTaskFailureReport[] = [];
    const off = onWorkflowTaskFailure((r) => seen.push(r));
    const report = { runId: RUN, cause: 'NON_DETERMINISTIC_ERROR', message: 'm' };
    reportWorkflowTaskFailure(report);
    off();
    reportWorkflowTaskFailure(report);
    expect(seen).toEqual([report]);
  });
});
