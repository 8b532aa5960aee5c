import type { Refusal } from './errors';
import { ID_RULE, isId } from './ids';
import { isObject } from './json';
import { ALL_PRESENCES } from './presence';

/** The longest an offer may stand (Twilio TaskRouter allows a reservation up to 24 hours). */
export const MAX_OFFER_TIMEOUT_MS = 24 * 60 * 60 * 1000;
import { ErrorCode } from './errors';
import type { Actor, Command } from './operations';
import { ActorKind, Operation } from './operations';

const ACTOR_KINDS: readonly string[] = Object.values(ActorKind);

type Parsed = { ok: true; command: Command } | { ok: false; refusal: Refusal };

function bad(op: string, field: string, why: string): Parsed {
  return { ok: false, refusal: { code: ErrorCode.InvalidInput, message: `${op}: ${field} ${why}`, details: { operation: op, field } } };
}

/** An instant as the engine writes them (ISO 8601 with a zone), or undefined when absent; null when malformed. */
function parseInstant(v: unknown): string | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return null;
  return Number.isNaN(Date.parse(v)) ? null : v;
}

function parseActor(v: unknown, fallback: Actor): Actor | null {
  if (v === undefined) return fallback;
  if (!isObject(v) || typeof v.kind !== 'string' || !ACTOR_KINDS.includes(v.kind)) return null;
  if (v.id !== undefined && !isId(v.id)) return null;
  return v.id === undefined ? { kind: v.kind as Actor['kind'] } : { kind: v.kind as Actor['kind'], id: v.id };
}

/**
 * Turns the untrusted argument of an update or signal into a command, or a
 * refusal naming the bad field. Used by update validators (synchronously) and
 * signal handlers, so a malformed message never reaches the transition function.
 */
export function parseCommand(op: Operation, raw: unknown, fallbackActor: Actor): Parsed {
  const input: Record<string, unknown> = raw === undefined || raw === null ? {} : isObject(raw) ? raw : { __invalid: true };
  if (input.__invalid) return bad(op, 'input', 'must be a JSON object');
  const actor = parseActor(input.actor, fallbackActor);
  if (!actor) return bad(op, 'actor', `must be {"kind": one of ${ACTOR_KINDS.join(', ')}, "id"?: string}`);
  if (input.force !== undefined && typeof input.force !== 'boolean') return bad(op, 'force', 'must be a boolean');
  const force = input.force === true;
  switch (op) {
    case Operation.Assign:
      if (!isId(input.agentId)) return bad(op, 'agentId', `must be an id (${ID_RULE})`);
      return { ok: true, command: { op, agentId: input.agentId, force, actor } };
    case Operation.Pick:
      if (!isId(input.agentId)) return bad(op, 'agentId', `must be an id (${ID_RULE})`);
      return { ok: true, command: { op, agentId: input.agentId, force, actor: { kind: ActorKind.Agent, id: input.agentId } } };
    case Operation.Reopen:
      return { ok: true, command: { op, force, actor } };
    case Operation.Transfer:
      if ((input.toQueueId === undefined) === (input.toAgentId === undefined)) {
        return bad(op, 'toQueueId', 'or toAgentId: give exactly one transfer target');
      }
      if (input.toQueueId !== undefined) {
        if (!isId(input.toQueueId)) return bad(op, 'toQueueId', 'must be a non-empty queue id');
        return { ok: true, command: { op, to: { queueId: input.toQueueId }, actor } };
      }
      if (!isId(input.toAgentId)) return bad(op, 'toAgentId', 'must be a non-empty agent id');
      return { ok: true, command: { op, to: { agentId: input.toAgentId }, force, actor } };
    case Operation.Reroute:
      if (!isId(input.toQueueId)) return bad(op, 'toQueueId', 'must be a non-empty queue id');
      if (input.reason !== undefined && input.reason !== 'overflow' && input.reason !== 'outOfHours') {
        return bad(op, 'reason', 'must be "overflow" or "outOfHours"');
      }
      if (input.fromQueueId !== undefined && !isId(input.fromQueueId)) return bad(op, 'fromQueueId', 'must be a non-empty queue id');
      return {
        ok: true,
        command: {
          op,
          toQueueId: input.toQueueId,
          ...(input.reason === 'outOfHours' && { reason: input.reason }),
          ...(input.fromQueueId !== undefined && { fromQueueId: input.fromQueueId }),
          actor,
        },
      };
    case Operation.Message:
      if (input.from !== 'customer' && input.from !== 'agent') return bad(op, 'from', 'must be "customer" or "agent"');
      if (!isId(input.messageId)) return bad(op, 'messageId', 'must be a non-empty id');
      if (input.text !== undefined && typeof input.text !== 'string') return bad(op, 'text', 'must be a string');
      return {
        ok: true,
        command: {
          op,
          from: input.from,
          messageId: input.messageId,
          actor: input.from === 'customer' ? { kind: ActorKind.Customer } : actor,
        },
      };
    case Operation.Offer: {
      if (!isId(input.agentId)) return bad(op, 'agentId', `must be an id (${ID_RULE})`);
      const timeoutMs = input.timeoutMs;
      if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1_000 || timeoutMs > MAX_OFFER_TIMEOUT_MS) {
        return bad(op, 'timeoutMs', `must be a whole number of milliseconds from 1000 to ${MAX_OFFER_TIMEOUT_MS}`);
      }
      const maxDeclines = input.maxDeclines;
      if (typeof maxDeclines !== 'number' || !Number.isInteger(maxDeclines) || maxDeclines < 1 || maxDeclines > 5) {
        return bad(op, 'maxDeclines', 'must be a whole number from 1 to 5');
      }
      const missed = input.missedPresence;
      if (missed !== null && !ALL_PRESENCES.some((p) => p === missed)) return bad(op, 'missedPresence', 'must be a presence or null');
      const missedPresence = ALL_PRESENCES.find((p) => p === missed) ?? null;
      return { ok: true, command: { op, agentId: input.agentId, timeoutMs, maxDeclines, missedPresence, actor } };
    }
    case Operation.Accept:
    case Operation.Decline: {
      const sentAt = parseInstant(input.sentAt);
      if (sentAt === null) return bad(op, 'sentAt', 'must be an ISO 8601 instant');
      const when = sentAt === undefined ? {} : { sentAt };
      if (op === Operation.Accept) return { ok: true, command: { op, ...when, actor } };
      if (input.reason !== undefined && (typeof input.reason !== 'string' || input.reason.length > 500)) {
        return bad(op, 'reason', 'must be a string of at most 500 characters');
      }
      return { ok: true, command: { op, ...(input.reason === undefined ? {} : { reason: input.reason }), ...when, actor } };
    }
    case Operation.OfferExpire:
    case Operation.Relax:
    case Operation.End:
    case Operation.CustomerEnd:
    case Operation.Disconnect:
    case Operation.CloseTab:
    case Operation.Revive:
    case Operation.MarkRead:
    case Operation.WaitingTimeout:
    case Operation.StaleFlag:
    case Operation.StaleClose:
    case Operation.WrapUpRelease:
      return { ok: true, command: { op, actor } };
  }
}
