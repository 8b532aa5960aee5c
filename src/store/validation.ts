import { ErrorCode } from '../domain/errors';
import type { Presence } from '../domain/presence';
import { ALL_PRESENCES } from '../domain/presence';
import { AssignmentMethod } from '../domain/assignment-method';
import { ALL_CHANNELS, ALL_STATES } from '../domain/states';
import { StoreError } from './store-error';
import type { AgentInput, ConversationView, QueueEntry, QueueInput, ReserveInput } from './types';

const METHODS: readonly string[] = Object.values(AssignmentMethod);

/** A permanent INVALID_INPUT store failure. */
export function invalid(message: string): StoreError {
  return new StoreError(ErrorCode.InvalidInput, message);
}

/** Rejects anything but a non-empty string. */
export function requireId(value: unknown, what: string): void {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string.`);
}

function requireInt(value: unknown, what: string, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalid(`${what} must be an integer >= ${min} (got ${String(value)}).`);
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
  requireId(input.id, 'Agent id');
  if (input.name !== undefined && typeof input.name !== 'string') throw invalid('Agent name must be a string.');
  if (input.capacity !== undefined) requireInt(input.capacity, 'Agent capacity', 0);
  if (input.presence !== undefined) validatePresence(input.presence);
  if (input.queues !== undefined) {
    if (!Array.isArray(input.queues)) throw invalid('Agent queues must be a list of queue ids.');
    input.queues.forEach((q) => requireId(q, 'Queue id'));
  }
}

/** Rejects a malformed queue patch. */
export function validateQueueInput(input: QueueInput): void {
  requireId(input.id, 'Queue id');
  if (input.name !== undefined && typeof input.name !== 'string') throw invalid('Queue name must be a string.');
  if (input.priority !== undefined) requireInt(input.priority, 'Queue priority', Number.MIN_SAFE_INTEGER);
  if (input.assignmentMethod !== undefined && !METHODS.includes(input.assignmentMethod)) {
    throw invalid(`Unknown assignment method ${String(input.assignmentMethod)}.`);
  }
  if (input.eligiblePresences !== undefined) {
    if (!Array.isArray(input.eligiblePresences)) throw invalid('eligiblePresences must be a list of presences.');
    input.eligiblePresences.forEach(validatePresence);
  }
  if (input.unitsPerConversation != null) requireInt(input.unitsPerConversation, 'unitsPerConversation', 1);
  if (input.overflow != null) {
    requireInt(input.overflow.afterMs, 'overflow.afterMs', 0);
    requireId(input.overflow.toQueueId, 'overflow.toQueueId');
  }
}

/** Rejects a malformed claim or reserve request. */
export function validateReserveInput(input: ReserveInput): void {
  requireId(input.conversationId, 'Conversation id');
  requireId(input.agentId, 'Agent id');
  requireInt(input.units, 'Units', 1);
}

/** Rejects a malformed read-model row. */
export function validateView(view: ConversationView): void {
  requireId(view.conversationId, 'Conversation id');
  requireId(view.queueId, 'Queue id');
  if (!ALL_STATES.includes(view.state)) throw invalid(`Unknown state ${String(view.state)}.`);
  if (!ALL_CHANNELS.includes(view.channel)) throw invalid(`Unknown channel ${String(view.channel)}.`);
  requireInt(view.version, 'Version', 0);
  requireInt(view.units, 'Units', 1);
  requireInt(view.priority, 'Priority', Number.MIN_SAFE_INTEGER);
  requireInt(view.unreadCount, 'Unread count', 0);
  requireTime(view.createdAt, 'createdAt');
  requireTime(view.stateEnteredAt, 'stateEnteredAt');
  if (view.closedAt !== null) requireTime(view.closedAt, 'closedAt');
}

/** Rejects a malformed queue entry. */
export function validateEntry(entry: QueueEntry): void {
  requireId(entry.conversationId, 'Conversation id');
  requireId(entry.queueId, 'Queue id');
  requireInt(entry.units, 'Units', 1);
  requireInt(entry.priority, 'Priority', Number.MIN_SAFE_INTEGER);
  requireTime(entry.enqueuedAt, 'enqueuedAt');
}

/** Rejects a dispatch limit that is not a non-negative integer. */
export function validateLimit(limit: number): void {
  requireInt(limit, 'Dispatch limit', 0);
}

/** Canonical ISO form, so stored times sort as text identically on both backends. */
export function isoTime(value: string): string {
  return new Date(value).toISOString();
}
