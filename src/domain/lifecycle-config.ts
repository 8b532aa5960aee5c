import { parseDuration } from './durations';
import type { JsonObject } from './json';
import { isObject } from './json';
import type { Channel, ConversationState, WrapUpCapacityPolicy } from './states';
import { ALL_CHANNELS, ConversationState as S, WrapUpCapacityPolicy as P } from './states';

/** States that can go stale (everything but Closed). */
export type StaleableState = Exclude<ConversationState, typeof S.Closed>;

/** Stale periods of one channel, in ms; null means the state never goes stale. */
export type StalePeriods = Record<StaleableState, number | null>;

/**
 * The timing and capacity rules a conversation runs under. It travels in the
 * workflow input, so a running conversation keeps the rules it started with.
 */
export interface LifecycleConfig {
  /** Waiting closes after this long without an exchange between agent and customer. */
  waitingTimeoutMs: Record<Channel, number>;
  /** A customer may revive a Waiting conversation only this soon after it entered Waiting. */
  reviveWindowMs: number;
  /** Per channel and state: how long a conversation may stay before it is flagged stale. */
  stalePeriodsMs: Record<Channel, StalePeriods>;
  /** After the stale flag, how long until the automatic close (0 closes at once). */
  staleGraceMs: number;
  /** What Wrap-up does with the agent's capacity. */
  wrapUp: { policy: WrapUpCapacityPolicy; holdForMs: number };
  /** Continue-as-new when history passes this many events (the server's suggestion also applies). */
  continueAsNewAfterEvents: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Defaults, following Dynamics 365's documented auto-close periods (live chat:
 * Open 20 min, Active none, Wrap-up 15 min; SMS/social: Open 30 days, Active
 * 30 days, Wrap-up 1 day) and its 3-minute customer reconnect window. The README
 * explains the Waiting figures, which Dynamics does not publish per channel.
 */
export const DEFAULT_LIFECYCLE_CONFIG: LifecycleConfig = {
  waitingTimeoutMs: { chat: 30 * MINUTE, sms: DAY, social: DAY },
  reviveWindowMs: 3 * MINUTE,
  stalePeriodsMs: {
    chat: { Open: 20 * MINUTE, Active: null, WrapUp: 15 * MINUTE, Waiting: null },
    sms: { Open: 30 * DAY, Active: 30 * DAY, WrapUp: DAY, Waiting: 30 * DAY },
    social: { Open: 30 * DAY, Active: 30 * DAY, WrapUp: DAY, Waiting: 30 * DAY },
  },
  staleGraceMs: DAY,
  wrapUp: { policy: P.Hold, holdForMs: 0 },
  continueAsNewAfterEvents: 8_000,
};

function asObject(value: unknown, field: string): JsonObject {
  if (value === undefined) return {};
  if (!isObject(value)) throw new Error(`${field}: expected an object`);
  return value;
}

function durationOr(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value, field);
  if (ms === null) throw new Error(`${field}: "none" is not allowed here`);
  return ms;
}

function optionalDurationOr(value: unknown, field: string, fallback: number | null): number | null {
  return value === undefined ? fallback : parseDuration(value, field);
}

/**
 * Reads the `lifecycle` section of the configuration file (durations as "20m",
 * "24h", ...), filling unspecified values from the defaults. Throws with the
 * offending field on bad input.
 */
export function parseLifecycleConfig(raw: unknown, base = DEFAULT_LIFECYCLE_CONFIG): LifecycleConfig {
  const obj = asObject(raw, 'lifecycle');
  const known = new Set(['waitingTimeout', 'reviveWindow', 'stalePeriods', 'staleGrace', 'wrapUp', 'continueAsNewAfterEvents']);
  for (const key of Object.keys(obj)) {
    if (!known.has(key)) throw new Error(`lifecycle.${key}: unknown setting`);
  }
  const waitingRaw = asObject(obj.waitingTimeout, 'lifecycle.waitingTimeout');
  const staleRaw = asObject(obj.stalePeriods, 'lifecycle.stalePeriods');
  const waitingTimeoutMs = { ...base.waitingTimeoutMs };
  const stalePeriodsMs = structuredClone(base.stalePeriodsMs);
  for (const channel of ALL_CHANNELS) {
    waitingTimeoutMs[channel] = durationOr(waitingRaw[channel], `lifecycle.waitingTimeout.${channel}`, base.waitingTimeoutMs[channel]);
    const perState = asObject(staleRaw[channel], `lifecycle.stalePeriods.${channel}`);
    for (const state of [S.Open, S.Active, S.WrapUp, S.Waiting] as const) {
      stalePeriodsMs[channel][state] = optionalDurationOr(
        perState[state],
        `lifecycle.stalePeriods.${channel}.${state}`,
        base.stalePeriodsMs[channel][state],
      );
    }
  }
  const wrapRaw = asObject(obj.wrapUp, 'lifecycle.wrapUp');
  const policy = wrapRaw.policy ?? base.wrapUp.policy;
  if (policy !== P.Hold && policy !== P.Release && policy !== P.HoldFor) {
    throw new Error(`lifecycle.wrapUp.policy: expected "hold", "release" or "holdFor"; got ${JSON.stringify(policy)}`);
  }
  const holdForMs = durationOr(wrapRaw.holdFor, 'lifecycle.wrapUp.holdFor', base.wrapUp.holdForMs);
  if (policy === P.HoldFor && holdForMs <= 0) {
    throw new Error('lifecycle.wrapUp.holdFor: must be a positive duration when policy is "holdFor"');
  }
  const canAfter = obj.continueAsNewAfterEvents ?? base.continueAsNewAfterEvents;
  if (typeof canAfter !== 'number' || !Number.isInteger(canAfter) || canAfter < 100) {
    throw new Error('lifecycle.continueAsNewAfterEvents: expected an integer >= 100');
  }
  return {
    waitingTimeoutMs,
    reviveWindowMs: durationOr(obj.reviveWindow, 'lifecycle.reviveWindow', base.reviveWindowMs),
    stalePeriodsMs,
    staleGraceMs: durationOr(obj.staleGrace, 'lifecycle.staleGrace', base.staleGraceMs),
    wrapUp: { policy, holdForMs },
    continueAsNewAfterEvents: canAfter,
  };
}
