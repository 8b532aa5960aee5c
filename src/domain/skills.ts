import { isId } from './ids';
import { isObject } from './json';

/** The lowest and highest proficiency an agent can have in a skill. */
export const MIN_PROFICIENCY = 1;
export const MAX_PROFICIENCY = 10;
/** The most skills an agent, or requirements a conversation, may carry. */
export const MAX_SKILLS = 50;
/** The longest a requirement may wait before it is relaxed (a durable timer of 7 days). */
export const MAX_RELAX_AFTER_MS = 7 * 24 * 60 * 60 * 1000;

/** An agent's skills: skill id -> proficiency (1-10). */
export type Skills = Record<string, number>;

/**
 * A skill a conversation needs, at a minimum proficiency. A relaxable
 * requirement is dropped once the conversation has waited `relaxAfterMs` in
 * its queue (as Genesys bullseye routing and Salesforce's additional skills do):
 * a durable timer in the conversation drops it, and matching runs again.
 */
export interface SkillRequirement {
  skill: string;
  minProficiency: number;
  /** null: never relaxed. */
  relaxAfterMs: number | null;
}

/** A requirement dropped after its wait, and when. */
export interface Relaxation {
  skill: string;
  minProficiency: number;
  at: string;
}

/** Whether an agent with `skills` meets every requirement. */
export function meetsAll(skills: Skills, requirements: readonly SkillRequirement[]): boolean {
  return requirements.every((r) => (skills[r.skill] ?? 0) >= r.minProficiency);
}

/** The problem with a list of requirements, or null (untrusted input: the start request, intake rules, a signal). */
export function requirementsError(value: unknown, field: string): string | null {
  if (!Array.isArray(value)) return `${field}: expected a list of { skill, minProficiency, relaxAfterMs? }`;
  if (value.length > MAX_SKILLS) return `${field}: at most ${MAX_SKILLS} requirements`;
  const seen = new Set<string>();
  for (const [i, r] of value.entries()) {
    const at = `${field}[${i}]`;
    if (!isObject(r)) return `${at}: expected an object`;
    if (!isId(r.skill)) return `${at}.skill: expected a skill id`;
    if (seen.has(r.skill)) return `${at}.skill: ${r.skill} is required twice`;
    seen.add(r.skill);
    const p = r.minProficiency;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < MIN_PROFICIENCY || p > MAX_PROFICIENCY) {
      return `${at}.minProficiency: expected a whole number from ${MIN_PROFICIENCY} to ${MAX_PROFICIENCY}`;
    }
    const after = r.relaxAfterMs;
    if (
      after !== undefined &&
      after !== null &&
      (typeof after !== 'number' || !Number.isInteger(after) || after < 0 || after > MAX_RELAX_AFTER_MS)
    ) {
      return `${at}.relaxAfterMs: expected null or a whole number of milliseconds up to ${MAX_RELAX_AFTER_MS}`;
    }
  }
  return null;
}
