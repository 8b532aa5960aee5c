import { ErrorCode } from '../src/domain/errors';
import type { ReserveInput, ReserveOutcome } from '../src/store/types';
import type { AgentDirectory } from '../src/store/agent-directory';
import type { CapacityLedger } from '../src/store/capacity-ledger';
import { refusal } from './refusal';

function orRefuse(outcome: ReserveOutcome): void {
  if (!outcome.ok) throw refusal(outcome.code, outcome.message);
}

/** Capacity activities: each one store transaction, idempotent by conversation id. */
export function createCapacityActivities(store: CapacityLedger & AgentDirectory) {
  return {
    /** Open -> Active: takes the conversation from its queue and reserves the agent's units. */
    async claimConversation(input: ReserveInput): Promise<void> {
      orRefuse(await store.claim(input));
    },
    /** Waiting -> Active: reserves the agent's units again. */
    async reserveCapacity(input: ReserveInput): Promise<void> {
      orRefuse(await store.reserve(input));
    },
    /** A transfer target must be a known queue. */
    async checkTransferTarget(input: { queueId: string }): Promise<void> {
      const queue = await store.getQueue(input.queueId);
      if (!queue) {
        throw refusal(ErrorCode.UnknownQueue, `Unknown queue ${input.queueId}.`);
      }
    },
  };
}
