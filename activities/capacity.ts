import { ApplicationFailure } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import { ErrorCode } from '../src/domain/errors';
import type { CapacityStore, ReserveInput, ReserveOutcome } from '../src/store/types';

/**
 * Turns a store refusal into a permanent failure the workflow reports to its
 * caller. Benign: a refused pick is business as usual, not a worker warning.
 */
function refusal(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, category: ApplicationFailureCategory.BENIGN });
}

function orRefuse(outcome: ReserveOutcome): void {
  if (!outcome.ok) throw refusal(outcome.code, outcome.message);
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
        throw refusal(ErrorCode.UnknownQueue, `Unknown queue ${input.queueId}.`);
      }
    },
  };
}
