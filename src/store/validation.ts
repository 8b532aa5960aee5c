import { ErrorCode } from '../domain/errors';
import type { Presence } from '../domain/presence';
import { ALL_PRESENCES } from '../domain/presence';
import { AssignmentMethod } from '../domain/assignment-method';
import { ALL_CHANNELS, ALL_STATES } from '../domain/states';
import { ID_PATTERN } from '../domain/ids';
import { MAX_PROFICIENCY, MAX_SKILLS, MIN_PROFICIENCY } from '../domain/skills';
import { LINE_PATTERN, MAX_COUNT, MAX_NAME_LENGTH, MAX_OVERFLOW_MS, MAX_TEXT_LENGTH, TEXT_PATTERN } from '../domain/limits';
import { StoreError } from './store-error';
import type { AgentInput, NewChatMessage, QueueEntry, QueueInput, ReserveInput } from './types';
import type { ConversationWrite } from './conversation-write';

// The same bounds as the API's schemas, so a caller that is not the API (the
// worker, the configuration file, a script) cannot store what the API would
// refuse either: text PostgreSQL cannot hold (NUL) answers the same
// INVALID_INPUT on both backends, and no count outgrows an integer column.

const METHODS: readonly string[] = Object.values(AssignmentMethod);
const ID = new RegExp(ID_PATTERN, 'u');
const LINE = new RegExp(LINE_PATTERN, 'u');
const TEXT = new RegExp(TEXT_PATTERN, 'u');
// With the u flag this matches only a surrogate without its pair: text no UTF-8 column can hold as sent.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
/** Longest idempotency scope or key (scopes name a route, its target and the caller). */
const MAX_KEY_LENGTH = 1000;

/** A permanent INVALID_INPUT store failure. */
export function invalid(message: string): StoreError {
  return new StoreError(ErrorCode.InvalidInput, message);
}

/** Rejects anything but a non-empty string without control characters (token hashes, idempotency scopes and keys). */
export function requireId(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_KEY_LENGTH || !LINE.test(value)) {
    throw invalid(`${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters without control characters.`);
  }
}

/** Rejects anything but an id of the one id pattern (conversations, agents, queues, customers, messages). */
export function requireEntityId(value: unknown, what: string): void {
  if (typeof value !== 'string' || !ID.test(value))
    throw invalid(`${what} must be 1-128 letters, digits, or . _ : @ - (got ${JSON.stringify(value)}).`);
}

function requireInt(value: unknown, what: string, min: number, max: number = MAX_COUNT): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer from ${min} to ${max} (got ${String(value)}).`);
  }
}

function requireName(value: unknown, what: string): void {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    [...value].length > MAX_NAME_LENGTH ||
    !LINE.test(value) ||
    LONE_SURROGATE.test(value)
  ) {
    throw invalid(`${what} must be 1-${MAX_NAME_LENGTH} characters without control characters.`);
  }
}

function requireTime(value: unknown, what: string): void {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(`${what} must be an ISO time.`);
}

/** Rejects an unknown presence value. */
export function validatePresence(presence: unknown): asserts presence is Presence {
  if (!ALL_PRESENCES.includes(presence as Presence)) throw invalid(`Unknown presence ${String(presence)}.`);
}

/** Rejects a malformed agent patch; capacity may be 0 (such an agent only takes forced work). */
export function validateAgentInput(input: AgentInput): void {
  requireEntityId(input.id, 'Agent id');
  if (input.name !== undefined) requireName(input.name, 'Agent name');
  if (input.capacity !== undefined) requireInt(input.capacity, 'Agent capacity', 0);
  if (input.presence !== undefined) validatePresence(input.presence);
  if (input.queues !== undefined) {
    if (!Array.isArray(input.queues)) throw invalid('Agent queues must be a list of queue ids.');
    input.queues.forEach((q) => requireEntityId(q, 'Queue id'));
  }
  if (input.skills !== undefined) validateSkills(input.skills);
}

/** Rejects skills that are not skill id -> whole proficiency 1-10 (at most MAX_SKILLS). */
export function validateSkills(skills: unknown): void {
  if (typeof skills !== 'object' || skills === null || Array.isArray(skills))
    throw invalid('Agent skills must map skill ids to proficiency.');
  const entries = Object.entries(skills);
  if (entries.length > MAX_SKILLS) throw invalid(`An agent has at most ${MAX_SKILLS} skills.`);
  for (const [skill, proficiency] of entries) {
    requireEntityId(skill, 'Skill id');
    requireInt(proficiency, `Proficiency of ${skill}`, MIN_PROFICIENCY, MAX_PROFICIENCY);
  }
}

/** Rejects a malformed queue patch. */
export function validateQueueInput(input: QueueInput): void {
  requireEntityId(input.id, 'Queue id');
  if (input.name !== undefined) requireName(input.name, 'Queue name');
  if (input.priority !== undefined) requireInt(input.priority, 'Queue priority', 0);
  if (input.assignmentMethod !== undefined && !METHODS.includes(input.assignmentMethod)) {
    throw invalid(`Unknown assignment method ${String(input.assignmentMethod)}.`);
  }
  if (input.eligiblePresences !== undefined) {
    if (!Array.isArray(input.eligiblePresences)) throw invalid('eligiblePresences must be a list of presences.');
    input.eligiblePresences.forEach(validatePresence);
  }
  if (input.unitsPerConversation != null) requireInt(input.unitsPerConversation, 'unitsPerConversation', 1);
  if (input.overflow != null) {
    // A durable timer must be able to wait this long: 1e300 once broke a dispatcher on every round.
    requireInt(input.overflow.afterMs, 'overflow.afterMs', 1, MAX_OVERFLOW_MS);
    requireEntityId(input.overflow.toQueueId, 'overflow.toQueueId');
  }
}

/** Rejects a malformed claim or reserve request. */
export function validateReserveInput(input: ReserveInput): void {
  requireEntityId(input.conversationId, 'Conversation id');
  requireEntityId(input.agentId, 'Agent id');
  requireInt(input.units, 'Units', 1);
}

/** Rejects a malformed read-model row. */
export function validateView(view: ConversationWrite): void {
  requireEntityId(view.conversationId, 'Conversation id');
  requireEntityId(view.queueId, 'Queue id');
  requireEntityId(view.customerId, 'Customer id');
  if (view.agentId !== null) requireEntityId(view.agentId, 'Agent id');
  if (view.lastAgentId !== null) requireEntityId(view.lastAgentId, 'Last agent id');
  if (!ALL_STATES.includes(view.state)) throw invalid(`Unknown state ${String(view.state)}.`);
  if (!ALL_CHANNELS.includes(view.channel)) throw invalid(`Unknown channel ${String(view.channel)}.`);
  requireInt(view.version, 'Version', 0, Number.MAX_SAFE_INTEGER);
  requireInt(view.units, 'Units', 1);
  requireInt(view.priority, 'Priority', 0);
  requireInt(view.unreadCount, 'Unread count', 0, Number.MAX_SAFE_INTEGER);
  requireTime(view.createdAt, 'createdAt');
  requireTime(view.stateEnteredAt, 'stateEnteredAt');
  if (view.closedAt !== null) requireTime(view.closedAt, 'closedAt');
}

/** Rejects a malformed queue entry. */
export function validateEntry(entry: QueueEntry): void {
  requireEntityId(entry.conversationId, 'Conversation id');
  requireEntityId(entry.queueId, 'Queue id');
  requireInt(entry.units, 'Units', 1);
  requireInt(entry.priority, 'Priority', 0);
  requireTime(entry.enqueuedAt, 'enqueuedAt');
}

/** Rejects a malformed chat message: ids of the id pattern, text of 1-4000 characters without control characters but tab and line breaks. */
export function validateMessage(message: NewChatMessage): void {
  requireEntityId(message.id, 'Message id');
  requireEntityId(message.conversationId, 'Conversation id');
  if (message.sender !== 'customer' && message.sender !== 'agent') throw invalid('Message sender must be customer or agent.');
  if (
    typeof message.text !== 'string' ||
    message.text.length === 0 ||
    [...message.text].length > MAX_TEXT_LENGTH ||
    !TEXT.test(message.text) ||
    LONE_SURROGATE.test(message.text)
  ) {
    throw invalid(`Message text must be 1-${MAX_TEXT_LENGTH} characters without control characters other than tab and line breaks.`);
  }
}

/** Rejects a dispatch limit that is not a non-negative integer. */
export function validateLimit(limit: number): void {
  requireInt(limit, 'Dispatch limit', 0, Number.MAX_SAFE_INTEGER);
}

/** Canonical ISO form, so stored times sort as text identically on both backends. */
export function isoTime(value: string): string {
  return new Date(value).toISOString();
}
