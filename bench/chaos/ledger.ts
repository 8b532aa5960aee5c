import type { TransitionRecord } from '../../src/domain/operations';
import type { Op, Outcome } from './desk';

/** One logical operation the workload sent (all its retries under one idempotency key). */
export interface Sent {
  conversationId: string;
  op: Op;
  key: string;
  /** When the first attempt was sent (ms since the epoch). */
  sentAt: number;
  attempts: number;
  /** The last answer. */
  outcome: Outcome;
  /** The first answer, if it differed (say OUTCOME_UNKNOWN, then ok on the retry). */
  firstOutcome: Outcome;
  /** Some attempt was answered with an unknown outcome (so it may have applied whatever the last answer says). */
  uncertain: boolean;
}

/** A conversation's transition log as the final check reads it. */
export interface LoggedConversation {
  conversationId: string;
  transitions: readonly TransitionRecord[];
  transitionsDropped: number;
}

/** What the log says about the operations sent. */
export interface LedgerFindings {
  /** Conversation and op where the log has more applications than requests that may have applied. */
  appliedTwice: string[];
  /** An ok answer with no application in the log. */
  lost: string[];
  /**
   * Keyed retries after an unknown outcome that were refused although the log shows the operation applied
   * (by that first attempt): the retry did not answer as the first attempt would have.
   */
  retryRefusedAfterApplied: string[];
  /** Answers that said nothing was applied (503 TEMPORAL_UNAVAILABLE / STORE_UNAVAILABLE) ... */
  notApplied: number;
  /** ... and those of them the log shows applied after all. */
  notAppliedButApplied: string[];
  /** Count of final answers by op and outcome (`accept refused OFFER_EXPIRED: 3`). */
  answers: Record<string, number>;
}

const BY_PEOPLE = new Set(['agent', 'customer', 'operator', 'supervisor']);

/**
 * Every operation the workload sent and how it was answered. After the run it
 * compares them with each conversation's transition log: per conversation and
 * operation, the log may hold at most as many applications as requests that
 * were answered ok or left unknown (or said "nothing applied", which is then
 * a finding of its own), and at least as many as were answered ok.
 */
export class Ledger {
  readonly sent: Sent[] = [];
  /** Conversations the workload stopped touching after an answer that said nothing was applied. */
  readonly frozen = new Map<string, Sent>();

  add(entry: Sent): void {
    this.sent.push(entry);
    if (entry.outcome.kind === 'notApplied' && !this.frozen.has(entry.conversationId)) this.frozen.set(entry.conversationId, entry);
  }

  findings(logs: readonly LoggedConversation[]): LedgerFindings {
    const answers: Record<string, number> = {};
    for (const s of this.sent) {
      const o = s.outcome;
      const label = `${s.op} ${o.kind}${o.kind === 'ok' ? '' : ` ${o.code}`}`;
      answers[label] = (answers[label] ?? 0) + 1;
    }
    const byConversation = new Map(logs.map((l) => [l.conversationId, l]));
    const groups = new Map<string, Sent[]>();
    for (const s of this.sent) {
      const k = `${s.conversationId} ${s.op}`;
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    const appliedTwice: string[] = [];
    const lost: string[] = [];
    const retryRefusedAfterApplied: string[] = [];
    const notAppliedButApplied: string[] = [];
    for (const [k, sends] of groups) {
      const [first] = sends;
      if (!first) continue;
      const log = byConversation.get(first.conversationId);
      // Without the log (a workflow that cannot answer) or with its head dropped, nothing can be said.
      if (!log || log.transitionsDropped > 0) continue;
      const applied = log.transitions.filter((t) => t.op === first.op && BY_PEOPLE.has(t.actor.kind));
      const ok = sends.filter((s) => s.outcome.kind === 'ok').length;
      // Whatever its last answer, a request with an unknown answer on the way may have applied.
      const mayHave = sends.filter((s) => s.outcome.kind !== 'refused' || s.uncertain).length;
      if (applied.length > mayHave) appliedTwice.push(`${k}: applied ${applied.length} times for ${sends.length} requests (${ok} ok)`);
      if (applied.length < ok) lost.push(`${k}: ${ok} answered ok, ${applied.length} in the log`);
      const refusedRetries = sends.filter((s) => s.uncertain && s.outcome.kind === 'refused');
      if (applied.length > ok && refusedRetries.length > 0) {
        for (const s of refusedRetries.slice(0, applied.length - ok)) {
          retryRefusedAfterApplied.push(
            `${k}: ${s.firstOutcome.kind === 'ok' ? '' : s.firstOutcome.code} then ${s.outcome.kind === 'ok' ? '' : s.outcome.code}`,
          );
        }
      }
    }
    // The workload sent nothing more to a conversation after "nothing applied", so any application after it is that request's.
    for (const s of this.frozen.values()) {
      const log = byConversation.get(s.conversationId);
      const later = log?.transitions.filter((t) => t.op === s.op && BY_PEOPLE.has(t.actor.kind) && Date.parse(t.at) >= s.sentAt) ?? [];
      if (later.length)
        notAppliedButApplied.push(
          `${s.conversationId} ${s.op}: answered ${s.outcome.kind === 'ok' ? '' : s.outcome.code}, applied at ${later[0]?.at}`,
        );
    }
    const notApplied = this.sent.filter((s) => s.outcome.kind === 'notApplied').length;
    return { appliedTwice, lost, retryRefusedAfterApplied, notApplied, notAppliedButApplied, answers };
  }
}
