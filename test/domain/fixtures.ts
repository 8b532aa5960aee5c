import { DEFAULT_LIFECYCLE_CONFIG } from '../../src/domain/lifecycle-config';
import type { LifecycleConfig } from '../../src/domain/lifecycle-config';
import type { ConversationSnapshot } from '../../src/domain/snapshot';
import { newConversation } from '../../src/domain/snapshot';
import type { ConversationState } from '../../src/domain/states';

export const T0 = new Date('2026-01-01T09:00:00.000Z');
export const config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG;

/** A conversation standing in `state`, entered at T0, with alice as its agent where it has one. */
export function inState(state: ConversationState, patch: Partial<ConversationSnapshot> = {}): ConversationSnapshot {
  const base = newConversation({ conversationId: 'c1', queueId: 'default', channel: 'chat', customer: { id: 'cust-1' } }, T0);
  const at = T0.toISOString();
  const withAgent = state !== 'Open';
  return {
    ...base,
    state,
    agentId: withAgent ? 'alice' : null,
    capacityHeld: state === 'Active' || state === 'WrapUp',
    stateEnteredAt: at,
    enteredAt: { ...base.enteredAt, [state]: at },
    ...patch,
  };
}

export function after(ms: number): Date {
  return new Date(T0.getTime() + ms);
}
