import type { LifecycleConfig } from './lifecycle-config';
import type { TimerCommand, TimerOperation } from './operations';
import { Operation } from './operations';
import type { ConversationSnapshot } from './snapshot';
import { ConversationState as S, WrapUpCapacityPolicy as P } from './states';

/** A timer-driven operation and the instant it becomes due. */
export interface Deadline {
  op: TimerOperation;
  at: number;
}

/**
 * How long after the end of an offer's countdown the workflow expires it. An
 * accept the API received before the countdown ended wins if it reaches the
 * workflow within this time (one sent after it is refused, whenever it arrives);
 * it covers the trip from the API through Temporal to a busy worker.
 */
export const OFFER_ACCEPT_GRACE_MS = 2_000;

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);

/** Every timer the conversation currently runs, earliest first. */
export function deadlines(s: ConversationSnapshot, config: LifecycleConfig): Deadline[] {
  if (s.state === S.Closed) return [];
  const out: Deadline[] = [];
  if (s.state === S.Waiting) {
    const since = Math.max(ms(s.enteredAt.Waiting), s.lastExchangeAt ? ms(s.lastExchangeAt) : 0);
    out.push({ op: Operation.WaitingTimeout, at: since + config.waitingTimeoutMs[s.channel] });
  }
  const period = config.stalePeriodsMs[s.channel][s.state];
  if (period !== null) {
    out.push(
      s.staleFlaggedAt === null
        ? { op: Operation.StaleFlag, at: ms(s.stateEnteredAt) + period }
        : { op: Operation.StaleClose, at: ms(s.staleFlaggedAt) + config.staleGraceMs },
    );
  }
  if (s.offer) out.push({ op: Operation.OfferExpire, at: ms(s.offer.expiresAt) + OFFER_ACCEPT_GRACE_MS });
  const relaxAt = nextRelaxation(s);
  if (relaxAt !== null) out.push({ op: Operation.Relax, at: relaxAt });
  if (s.state === S.WrapUp && s.capacityHeld && config.wrapUp.policy === P.HoldFor) {
    out.push({ op: Operation.WrapUpRelease, at: ms(s.enteredAt.WrapUp) + config.wrapUp.holdForMs });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** While Open: when the earliest relaxable requirement has waited its time in the queue (null: none). */
export function nextRelaxation(s: ConversationSnapshot): number | null {
  if (s.state !== S.Open) return null;
  const since = ms(s.stateEnteredAt);
  const times = s.requirements.flatMap((r) => (r.relaxAfterMs === null ? [] : [since + r.relaxAfterMs]));
  return times.length ? Math.min(...times) : null;
}

/** Whether the timer operation `op` is due at `now`. */
export function isDue(s: ConversationSnapshot, config: LifecycleConfig, op: TimerOperation, now: number): boolean {
  return deadlines(s, config).some((d) => d.op === op && d.at <= now);
}

/**
 * Whether a timer's operation applies: the deadline its timer was started for
 * still stands (no clock involved), or, for a command that names no deadline,
 * the operation is due at `now`.
 */
export function timerApplies(s: ConversationSnapshot, config: LifecycleConfig, cmd: TimerCommand, now: number): boolean {
  if (cmd.at === undefined) return isDue(s, config, cmd.op, now);
  return deadlines(s, config).some((d) => d.op === cmd.op && d.at === cmd.at);
}
