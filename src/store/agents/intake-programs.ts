import type { IntakeRule } from '../../domain/intake';
import type { Program, Tx } from '../program';
import { one, run } from '../program';

// The intake rules are one ordered document: a start reads them all, and the
// admin replaces them all (a rule's meaning depends on the rules before it).

/** The stored rules and their version (0 and none: never set). */
export function* getIntakeRules(_tx: Tx): Program<{ rules: IntakeRule[]; version: number }> {
  const row = yield* one<{ rules: string; version: number | string }>('SELECT rules, version FROM intake_rules WHERE id = 1');
  return row ? { rules: JSON.parse(row.rules) as IntakeRule[], version: Number(row.version) } : { rules: [], version: 0 };
}

/** Replaces the rules (validated by the caller with parseIntakeRules); answers the new version. */
export function* replaceIntakeRules(tx: Tx, rules: IntakeRule[]): Program<{ rules: IntakeRule[]; version: number }> {
  const next = (yield* getIntakeRules(tx)).version + 1;
  yield* run(
    `INSERT INTO intake_rules (id, rules, version, updated_at) VALUES (1, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET rules = excluded.rules, version = excluded.version, updated_at = excluded.updated_at`,
    [JSON.stringify(rules), next, tx.now],
  );
  return { rules, version: next };
}
