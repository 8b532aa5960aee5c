import { ApplicationFailure } from '@temporalio/activity';
import { ErrorCode } from '../src/domain/errors';
import type { CapacityStore, ReserveInput, ReserveOutcome } from '../src/store/types';

/** Turns a store refusal into a permanent failure the workflow reports to its caller. */
function orRefuse(outcome: ReserveOutcome): void {
  if (!outcome.ok) throw ApplicationFailure.create({ type: outcome.code, message: outcome.message, nonRetryable: true });
}

/** Capacity activities: each one store transaction, idempotent by conversation id. */
export function createCapacityActivities(store: CapacityStore) {
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
        throw ApplicationFailure.create({ type: ErrorCode.UnknownQueue, message: `Unknown queue ${input.queueId}.`, nonRetryable: true });
      }
    },
  };
}
