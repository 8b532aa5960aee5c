import type { IntakeRule } from '../../domain/intake';
import * as intake from './intake-programs';
import type { Operations } from '../program';
import { read, write } from '../program';

/** The routing configuration that is not per queue or agent: the intake rules. */
export interface RoutingRules {
  /** The ordered intake rules in force, and their version (0: never set). */
  getIntakeRules(): Promise<{ rules: IntakeRule[]; version: number }>;
  /** Replaces every intake rule at once (validate first: parseIntakeRules); answers the new version. */
  replaceIntakeRules(rules: IntakeRule[]): Promise<{ rules: IntakeRule[]; version: number }>;
}

/** The RoutingRules operations. */
export const routingRulesOperations: Operations<RoutingRules> = {
  getIntakeRules: read(intake.getIntakeRules),
  replaceIntakeRules: write(intake.replaceIntakeRules),
};
