import { readFileSync } from 'node:fs';
import { MAX_OFFER_TIMEOUT_MS } from '../domain/commands';
import type { BusinessHours } from '../domain/business-hours';
import { businessHoursError } from '../domain/business-hours';
import { parseDuration } from '../domain/durations';
import type { IntakeRule } from '../domain/intake';
import { parseIntakeRules } from '../domain/intake';
import type { Skills } from '../domain/skills';
import { MAX_PROFICIENCY, MAX_SKILLS, MIN_PROFICIENCY } from '../domain/skills';
import { ID_RULE, isId } from '../domain/ids';
import type { JsonObject } from '../domain/json';
import { isObject } from '../domain/json';
import type { LifecycleConfig } from '../domain/lifecycle-config';
import { parseLifecycleConfig } from '../domain/lifecycle-config';
import type { Presence } from '../domain/presence';
import { ALL_PRESENCES } from '../domain/presence';
import { AssignmentMethod } from '../domain/assignment-method';
import { DEFAULT_QUEUE_ID } from '../domain/defaults';
import type { AgentInput, QueueInput } from '../store/types';

/** Queues and agents written to the store at start-up (upserts, so restarts are harmless). */
export interface SeedConfig {
  queues: QueueInput[];
  agents: AgentInput[];
  /** The intake rules, when the file has some (written at start-up only if none were ever set). */
  intake?: IntakeRule[];
}

/** What the configuration file (CONVOFLOW_CONFIG) holds, validated. */
export interface ConfigFileContents {
  lifecycle: LifecycleConfig;
  /** Automatic presence for agents created without their own setting (Dynamics 365's global switch). */
  autoPresence: boolean;
  seed: SeedConfig;
}

const METHODS: readonly string[] = Object.values(AssignmentMethod);

function object(value: unknown, field: string, allowed: readonly string[]): JsonObject {
  if (!isObject(value)) throw new Error(`${field}: expected an object`);
  // Rejecting unknown keys catches typos such as "capcity", which would otherwise be silently ignored.
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new Error(`${field}.${unknown[0]}: unknown setting (expected one of ${allowed.join(', ')})`);
  return value;
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${field}: expected a list`);
  return value;
}

function id(value: unknown, field: string): string {
  if (!isId(value)) throw new Error(`${field}: expected an id (${ID_RULE}); got ${JSON.stringify(value)}`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${field}: expected a non-empty string`);
  return value;
}

function optionalInt(value: unknown, field: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${field}: expected an integer >= ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function presence(value: unknown, field: string): Presence {
  if (!ALL_PRESENCES.includes(value as Presence)) {
    throw new Error(`${field}: expected one of ${ALL_PRESENCES.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as Presence;
}

function parseQueue(raw: unknown, field: string): QueueInput {
  const obj = object(raw, field, [
    'id',
    'name',
    'priority',
    'assignmentMethod',
    'eligiblePresences',
    'unitsPerConversation',
    'overflow',
    'offerMode',
    'offerTimeout',
    'maxDeclines',
    'missedOfferPresence',
    'hours',
    'outOfHoursQueueId',
  ]);
  const queue: QueueInput = { id: id(obj.id, `${field}.id`) };
  const name = optionalString(obj.name, `${field}.name`);
  if (name !== undefined) queue.name = name;
  const priority = optionalInt(obj.priority, `${field}.priority`, 0);
  if (priority !== undefined) queue.priority = priority;
  if (obj.assignmentMethod !== undefined) {
    if (!METHODS.includes(obj.assignmentMethod as string)) {
      throw new Error(`${field}.assignmentMethod: expected one of ${METHODS.join(', ')}; got ${JSON.stringify(obj.assignmentMethod)}`);
    }
    queue.assignmentMethod = obj.assignmentMethod as AssignmentMethod;
  }
  if (obj.eligiblePresences !== undefined) {
    queue.eligiblePresences = list(obj.eligiblePresences, `${field}.eligiblePresences`).map((p, i) =>
      presence(p, `${field}.eligiblePresences[${i}]`),
    );
  }
  if (obj.unitsPerConversation === null) queue.unitsPerConversation = null;
  else {
    const units = optionalInt(obj.unitsPerConversation, `${field}.unitsPerConversation`, 1);
    if (units !== undefined) queue.unitsPerConversation = units;
  }
  if (obj.overflow === null) queue.overflow = null;
  else if (obj.overflow !== undefined) {
    const overflow = object(obj.overflow, `${field}.overflow`, ['after', 'toQueueId']);
    const afterMs = parseDuration(overflow.after, `${field}.overflow.after`);
    if (afterMs === null) throw new Error(`${field}.overflow.after: "none" is not allowed here (drop "overflow" instead)`);
    queue.overflow = { afterMs, toQueueId: id(overflow.toQueueId, `${field}.overflow.toQueueId`) };
  }
  parseOfferSettings(obj, field, queue);
  if (obj.hours === null) queue.hours = null;
  else if (obj.hours !== undefined) {
    const error = businessHoursError(obj.hours, `${field}.hours`);
    if (error) throw new Error(error);
    queue.hours = obj.hours as unknown as BusinessHours;
  }
  if (obj.outOfHoursQueueId === null) queue.outOfHoursQueueId = null;
  else if (obj.outOfHoursQueueId !== undefined) queue.outOfHoursQueueId = id(obj.outOfHoursQueueId, `${field}.outOfHoursQueueId`);
  return queue;
}

/** A queue's offer mode: `offerMode` "autoAccept" (default) or "offer", `offerTimeout`, `maxDeclines`, `missedOfferPresence`. */
function parseOfferSettings(obj: JsonObject, field: string, queue: QueueInput): void {
  if (obj.offerMode !== undefined) {
    if (obj.offerMode !== 'autoAccept' && obj.offerMode !== 'offer') {
      throw new Error(`${field}.offerMode: expected "autoAccept" or "offer"; got ${JSON.stringify(obj.offerMode)}`);
    }
    queue.offerMode = obj.offerMode;
  }
  if (obj.offerTimeout !== undefined) {
    const ms = parseDuration(obj.offerTimeout, `${field}.offerTimeout`);
    if (ms === null || ms < 1_000 || ms > MAX_OFFER_TIMEOUT_MS) {
      throw new Error(`${field}.offerTimeout: expected a duration from 1s to 24h; got ${JSON.stringify(obj.offerTimeout)}`);
    }
    queue.offerTimeoutMs = ms;
  }
  const declines = optionalInt(obj.maxDeclines, `${field}.maxDeclines`, 1);
  if (declines !== undefined) {
    if (declines > 5) throw new Error(`${field}.maxDeclines: expected 1 to 5; got ${declines}`);
    queue.maxDeclines = declines;
  }
  if (obj.missedOfferPresence !== undefined) {
    queue.missedOfferPresence =
      obj.missedOfferPresence === 'unchanged' ? null : presence(obj.missedOfferPresence, `${field}.missedOfferPresence`);
  }
}

function parseAgent(raw: unknown, field: string): AgentInput {
  const obj = object(raw, field, ['id', 'name', 'capacity', 'presence', 'queues', 'autoPresence', 'skills']);
  const agent: AgentInput = { id: id(obj.id, `${field}.id`) };
  const name = optionalString(obj.name, `${field}.name`);
  if (name !== undefined) agent.name = name;
  const capacity = optionalInt(obj.capacity, `${field}.capacity`, 0);
  if (capacity !== undefined) agent.capacity = capacity;
  if (obj.presence !== undefined) agent.presence = presence(obj.presence, `${field}.presence`);
  if (obj.autoPresence !== undefined) {
    if (typeof obj.autoPresence !== 'boolean') throw new Error(`${field}.autoPresence: expected true or false`);
    agent.autoPresence = obj.autoPresence;
  }
  if (obj.skills !== undefined) agent.skills = parseSkills(obj.skills, `${field}.skills`);
  if (obj.queues !== undefined) agent.queues = list(obj.queues, `${field}.queues`).map((q, i) => id(q, `${field}.queues[${i}]`));
  return agent;
}

/** An agent's skills: { "french": 8 } (skill id -> proficiency 1-10). */
function parseSkills(raw: unknown, field: string): Skills {
  if (!isObject(raw)) throw new Error(`${field}: expected an object of skill: proficiency (1-${MAX_PROFICIENCY})`);
  const entries = Object.entries(raw);
  if (entries.length > MAX_SKILLS) throw new Error(`${field}: at most ${MAX_SKILLS} skills`);
  for (const [skill, level] of entries) {
    if (!isId(skill)) throw new Error(`${field}.${skill}: expected a skill id (${ID_RULE})`);
    if (typeof level !== 'number' || !Number.isInteger(level) || level < MIN_PROFICIENCY || level > MAX_PROFICIENCY) {
      throw new Error(
        `${field}.${skill}: expected a proficiency from ${MIN_PROFICIENCY} to ${MAX_PROFICIENCY}; got ${JSON.stringify(level)}`,
      );
    }
  }
  return Object.fromEntries(entries.map(([skill, level]) => [skill, level as number]));
}

function unique(ids: string[], field: string): void {
  const seen = new Set<string>();
  for (const [i, value] of ids.entries()) {
    if (seen.has(value)) throw new Error(`${field}[${i}].id: duplicate id ${JSON.stringify(value)}`);
    seen.add(value);
  }
}

/** Validates the parsed JSON of a configuration file; throws naming the offending field. */
export function parseConfigFile(raw: unknown): ConfigFileContents {
  const obj = object(raw, 'config', ['$comment', 'lifecycle', 'autoPresence', 'queues', 'agents', 'intake']);
  if (obj.autoPresence !== undefined && typeof obj.autoPresence !== 'boolean') throw new Error('autoPresence: expected true or false');
  // The global opt-in: agents created without their own setting (here or through the API) follow it.
  const autoPresence = obj.autoPresence === true;
  const queues = list(obj.queues, 'queues').map((q, i) => parseQueue(q, `queues[${i}]`));
  const agents = list(obj.agents, 'agents').map((a, i) => ({ autoPresence, ...parseAgent(a, `agents[${i}]`) }));
  unique(
    queues.map((q) => q.id),
    'queues',
  );
  unique(
    agents.map((a) => a.id),
    'agents',
  );
  // References must resolve now, not as a routing surprise later; the default queue always exists.
  const known = new Set([DEFAULT_QUEUE_ID, ...queues.map((q) => q.id)]);
  for (const [i, agent] of agents.entries()) {
    const missing = agent.queues?.find((q) => !known.has(q));
    if (missing) throw new Error(`agents[${i}].queues: unknown queue ${JSON.stringify(missing)} (define it under "queues")`);
  }
  for (const [i, queue] of queues.entries()) {
    if (queue.outOfHoursQueueId && (!known.has(queue.outOfHoursQueueId) || queue.outOfHoursQueueId === queue.id)) {
      throw new Error(
        `queues[${i}].outOfHoursQueueId: expected another queue of this file; got ${JSON.stringify(queue.outOfHoursQueueId)}`,
      );
    }
    if (queue.overflow && !known.has(queue.overflow.toQueueId)) {
      throw new Error(`queues[${i}].overflow.toQueueId: unknown queue ${JSON.stringify(queue.overflow.toQueueId)}`);
    }
  }
  const seed: SeedConfig = { queues, agents };
  if (obj.intake !== undefined) seed.intake = parseIntakeRules(obj.intake, 'intake', (queueId) => known.has(queueId));
  return { lifecycle: parseLifecycleConfig(obj.lifecycle), autoPresence, seed };
}

/** Reads and validates a configuration file; errors name the file and the field. */
export function readConfigFile(path: string): ConfigFileContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  try {
    return parseConfigFile(raw);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}
