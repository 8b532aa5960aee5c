import { DEFAULT_QUEUE_ID } from './defaults';
import { ID_RULE, isId } from './ids';
import { isObject } from './json';
import { MAX_COUNT } from './limits';
import type { RoutedBy } from './snapshot';
import type { SkillRequirement } from './skills';
import { requirementsError } from './skills';
import type { Channel } from './states';
import { ALL_CHANNELS } from './states';

/** The most intake rules a deployment may have (each start evaluates them in order). */
export const MAX_INTAKE_RULES = 200;
/** The longest attribute or answer value a rule may test. */
const MAX_VALUE_LENGTH = 200;

/** A condition on one attribute: this value, or one of these. */
export type Match = string | string[];

/**
 * Dynamics 365's route-to-queue rules: an ordered list, the first rule whose
 * every condition holds decides the queue, priority and required skills of a
 * new conversation; when none does, the queue the request named, else the
 * default queue.
 */
export interface IntakeRule {
  id: string;
  /** Every condition given must hold (an empty `when` matches every start). */
  when: {
    channel?: Channel[];
    language?: Match;
    /** The queue the start request named. */
    queueId?: Match;
    /** The customer's attributes (from the start request's `customer.attributes`). */
    customer?: Record<string, Match>;
    /** Pre-chat answers (the start request's `answers`). */
    answers?: Record<string, Match>;
  };
  then: { queueId: string; priority?: number; requirements?: SkillRequirement[] };
}

/** What a start request says that rules can test. */
export interface StartAttributes {
  channel: Channel;
  language?: string;
  queueId?: string;
  customer?: Record<string, string>;
  answers?: Record<string, string>;
}

/** Where the rules send a new conversation. */
export interface IntakeDecision {
  queueId: string;
  priority?: number;
  requirements: SkillRequirement[];
  routedBy: RoutedBy;
}

function holds(match: Match | undefined, value: string | undefined): boolean {
  if (match === undefined) return true;
  if (value === undefined) return false;
  return Array.isArray(match) ? match.includes(value) : match === value;
}

function holdsAll(conditions: Record<string, Match> | undefined, values: Record<string, string> | undefined): boolean {
  return Object.entries(conditions ?? {}).every(([name, match]) => holds(match, values?.[name]));
}

/** Whether every condition of `rule` holds for the start. */
export function ruleMatches(rule: IntakeRule, start: StartAttributes): boolean {
  const w = rule.when;
  return (
    (w.channel === undefined || w.channel.includes(start.channel)) &&
    holds(w.language, start.language) &&
    holds(w.queueId, start.queueId) &&
    holdsAll(w.customer, start.customer) &&
    holdsAll(w.answers, start.answers)
  );
}

/** The first matching rule's decision, else the requested queue, else the default queue. */
export function decideIntake(rules: readonly IntakeRule[], start: StartAttributes): IntakeDecision {
  const rule = rules.find((r) => ruleMatches(r, start));
  if (rule) {
    const decision: IntakeDecision = {
      queueId: rule.then.queueId,
      requirements: rule.then.requirements ?? [],
      routedBy: { rule: rule.id, reason: `intake rule ${rule.id} matched` },
    };
    if (rule.then.priority !== undefined) decision.priority = rule.then.priority;
    return decision;
  }
  if (start.queueId !== undefined)
    return { queueId: start.queueId, requirements: [], routedBy: { rule: null, reason: 'the queue the request named' } };
  return { queueId: DEFAULT_QUEUE_ID, requirements: [], routedBy: { rule: null, reason: 'no intake rule matched: the default queue' } };
}

/** A rule-set problem: the field and why (the API answers 400 with them, the configuration file fails to load). */
export class IntakeRuleError extends Error {
  override readonly name = 'IntakeRuleError';

  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`${field}: ${why}`);
  }
}

function value(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(v)) {
    throw new IntakeRuleError(field, `expected a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
  }
  return v;
}

function match(v: unknown, field: string): Match {
  if (Array.isArray(v)) {
    if (v.length === 0 || v.length > 50) throw new IntakeRuleError(field, 'expected 1-50 values');
    return v.map((x, i) => value(x, `${field}[${i}]`));
  }
  return value(v, field);
}

function matches(v: unknown, field: string): Record<string, Match> {
  if (!isObject(v)) throw new IntakeRuleError(field, 'expected an object of name: value (or [values])');
  const out: Record<string, Match> = {};
  for (const [name, m] of Object.entries(v)) {
    if (!isId(name)) throw new IntakeRuleError(`${field}.${name}`, `expected a name (${ID_RULE})`);
    out[name] = match(m, `${field}.${name}`);
  }
  return out;
}

function only(obj: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw new IntakeRuleError(`${field}.${unknown}`, `unknown setting (expected one of ${allowed.join(', ')})`);
}

/**
 * Validates an ordered rule set (untrusted: the configuration file or the
 * admin API); throws an IntakeRuleError naming the field. `queueExists` checks
 * each rule's target queue.
 */
export function parseIntakeRules(raw: unknown, field: string, queueExists: (id: string) => boolean): IntakeRule[] {
  if (!Array.isArray(raw)) throw new IntakeRuleError(field, 'expected a list of rules');
  if (raw.length > MAX_INTAKE_RULES) throw new IntakeRuleError(field, `at most ${MAX_INTAKE_RULES} rules`);
  const ids = new Set<string>();
  return raw.map((r, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(r)) throw new IntakeRuleError(at, 'expected { id, when, then }');
    only(r, at, ['id', 'when', 'then']);
    if (!isId(r.id)) throw new IntakeRuleError(`${at}.id`, `expected an id (${ID_RULE})`);
    if (ids.has(r.id)) throw new IntakeRuleError(`${at}.id`, `duplicate rule id ${r.id}`);
    ids.add(r.id);
    const when = r.when ?? {};
    if (!isObject(when)) throw new IntakeRuleError(`${at}.when`, 'expected an object of conditions');
    only(when, `${at}.when`, ['channel', 'language', 'queueId', 'customer', 'answers']);
    const rule: IntakeRule = { id: r.id, when: {}, then: { queueId: DEFAULT_QUEUE_ID } };
    if (when.channel !== undefined) {
      const channels = Array.isArray(when.channel) ? when.channel : [when.channel];
      const bad = channels.find((c) => !ALL_CHANNELS.some((known) => known === c));
      if (bad !== undefined || channels.length === 0) {
        throw new IntakeRuleError(`${at}.when.channel`, `expected one or more of ${ALL_CHANNELS.join(', ')}`);
      }
      rule.when.channel = ALL_CHANNELS.filter((c) => channels.includes(c));
    }
    if (when.language !== undefined) rule.when.language = match(when.language, `${at}.when.language`);
    if (when.queueId !== undefined) rule.when.queueId = match(when.queueId, `${at}.when.queueId`);
    if (when.customer !== undefined) rule.when.customer = matches(when.customer, `${at}.when.customer`);
    if (when.answers !== undefined) rule.when.answers = matches(when.answers, `${at}.when.answers`);
    const then = r.then;
    if (!isObject(then)) throw new IntakeRuleError(`${at}.then`, 'expected { queueId, priority?, requirements? }');
    only(then, `${at}.then`, ['queueId', 'priority', 'requirements']);
    if (!isId(then.queueId)) throw new IntakeRuleError(`${at}.then.queueId`, `expected a queue id (${ID_RULE})`);
    if (!queueExists(then.queueId)) throw new IntakeRuleError(`${at}.then.queueId`, `unknown queue ${then.queueId}`);
    rule.then.queueId = then.queueId;
    if (then.priority !== undefined) {
      if (typeof then.priority !== 'number' || !Number.isInteger(then.priority) || then.priority < 0 || then.priority > MAX_COUNT) {
        throw new IntakeRuleError(`${at}.then.priority`, `expected a whole number from 0 to ${MAX_COUNT}`);
      }
      rule.then.priority = then.priority;
    }
    if (then.requirements !== undefined) {
      const problem = requirementsError(then.requirements, `${at}.then.requirements`);
      if (problem) {
        const split = problem.indexOf(': ');
        throw new IntakeRuleError(problem.slice(0, split), problem.slice(split + 2));
      }
      rule.then.requirements = (then.requirements as SkillRequirement[]).map((q) => ({
        skill: q.skill,
        minProficiency: q.minProficiency,
        relaxAfterMs: q.relaxAfterMs ?? null,
      }));
    }
    return rule;
  });
}
