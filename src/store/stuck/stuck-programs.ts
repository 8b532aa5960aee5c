import type { ConversationState } from '../../domain/states';
import type { Program, Tx } from '../program';
import { one, all, run } from '../program';
import type { StuckWorkflow, StuckWorkflowInput, StuckWorkflowView } from './stuck-types';
import { invalid } from '../validation';

const MESSAGE_LIMIT = 1000;
const COLUMNS =
  's.workflow_id, s.run_id, s.conversation_id, s.workflow_type, s.cause, s.message, s.attempts, s.failing_since, s.detected_at, s.checked_at';

interface StuckRow {
  workflow_id: string;
  run_id: string;
  conversation_id: string | null;
  workflow_type: string;
  cause: string;
  message: string;
  attempts: number | string;
  failing_since: string;
  detected_at: string;
  checked_at: string;
}

function toStuck(row: StuckRow): StuckWorkflow {
  return {
    workflowId: row.workflow_id,
    runId: row.run_id,
    conversationId: row.conversation_id,
    workflowType: row.workflow_type,
    cause: row.cause,
    message: row.message,
    attempts: Number(row.attempts),
    failingSince: row.failing_since,
    detectedAt: row.detected_at,
    checkedAt: row.checked_at,
  };
}

function checked(entry: StuckWorkflowInput): StuckWorkflowInput {
  if (!entry.workflowId || !entry.runId) throw invalid('A stuck workflow needs its workflow id and run id.');
  if (!Number.isInteger(entry.attempts) || entry.attempts < 1)
    throw invalid(`Stuck workflow attempts must be at least 1 (got ${entry.attempts}).`);
  if (Number.isNaN(Date.parse(entry.failingSince))) throw invalid(`failingSince is not a time: ${entry.failingSince}.`);
  return { ...entry, message: entry.message.slice(0, MESSAGE_LIMIT), failingSince: new Date(entry.failingSince).toISOString() };
}

/** Inserts or refreshes the entry of a workflow; another run's entry is replaced, this run's keeps when it was first detected and failing. */
export function* recordStuckWorkflow(tx: Tx, input: StuckWorkflowInput): Program<StuckWorkflow> {
  const e = checked(input);
  yield* run(
    `INSERT INTO stuck_workflows (workflow_id, run_id, conversation_id, workflow_type, cause, message, attempts, failing_since, detected_at, checked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (workflow_id) DO UPDATE SET
       detected_at = CASE WHEN stuck_workflows.run_id = excluded.run_id THEN stuck_workflows.detected_at ELSE excluded.detected_at END,
       failing_since = CASE WHEN stuck_workflows.run_id = excluded.run_id AND stuck_workflows.failing_since < excluded.failing_since
         THEN stuck_workflows.failing_since ELSE excluded.failing_since END,
       run_id = excluded.run_id, conversation_id = excluded.conversation_id, workflow_type = excluded.workflow_type,
       cause = excluded.cause, message = excluded.message, attempts = excluded.attempts, checked_at = excluded.checked_at`,
    [e.workflowId, e.runId, e.conversationId, e.workflowType, e.cause, e.message, e.attempts, e.failingSince, tx.now, tx.now],
  );
  const row = yield* one<StuckRow>(`SELECT ${COLUMNS} FROM stuck_workflows s WHERE s.workflow_id = ?`, [e.workflowId]);
  if (!row) throw new Error(`The stuck workflow ${e.workflowId} was not recorded.`);
  return toStuck(row);
}

/** Deletes the entry of this run of the workflow. */
export function* clearStuckWorkflow(_tx: Tx, workflowId: string, runId: string): Program<boolean> {
  return (yield* run('DELETE FROM stuck_workflows WHERE workflow_id = ? AND run_id = ?', [workflowId, runId])) > 0;
}

/** One workflow's entry. */
export function* getStuckWorkflow(_tx: Tx, workflowId: string): Program<StuckWorkflow | null> {
  const row = yield* one<StuckRow>(`SELECT ${COLUMNS} FROM stuck_workflows s WHERE s.workflow_id = ?`, [workflowId]);
  return row ? toStuck(row) : null;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw invalid(`Stuck workflow limit must be 1-1000 (got ${limit}).`);
}

/** Entries longest-failing first, with the conversation's state from the read model. */
export function* listStuckWorkflows(_tx: Tx, limit: number): Program<StuckWorkflowView[]> {
  checkLimit(limit);
  const rows = yield* all<StuckRow & { state: ConversationState | null }>(
    `SELECT ${COLUMNS}, c.state FROM stuck_workflows s LEFT JOIN conversations c ON c.conversation_id = s.conversation_id
     ORDER BY s.failing_since, s.workflow_id LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({ ...toStuck(row), state: row.state ?? null }));
}

/** How many workflows are recorded stuck. */
export function* countStuckWorkflows(_tx: Tx): Program<number> {
  const row = yield* one<{ n: number | string }>('SELECT COUNT(*) AS n FROM stuck_workflows');
  return Number(row?.n ?? 0);
}

/** Entries checked longest ago first. */
export function* stuckWorkflowsToCheck(_tx: Tx, limit: number): Program<StuckWorkflow[]> {
  checkLimit(limit);
  const rows = yield* all<StuckRow>(`SELECT ${COLUMNS} FROM stuck_workflows s ORDER BY s.checked_at, s.workflow_id LIMIT ?`, [limit]);
  return rows.map(toStuck);
}
