import type { LifecycleConfig } from '../src/domain/lifecycle-config';
import type { CapacityStore } from '../src/store/types';
import { createCapacityActivities } from './capacity';
import { createConversationSyncActivities } from './conversation-sync';

/** What the activities need from the outside world, injected so tests pass their own. */
export interface ActivityDeps {
  store: CapacityStore;
  /** The worker's lifecycle rules, handed to conversations started without their own. */
  lifecycle: LifecycleConfig;
}

/** Every activity the worker registers. */
export function createActivities({ store, lifecycle }: ActivityDeps) {
  return {
    ...createCapacityActivities(store),
    ...createConversationSyncActivities(store),
    /** The lifecycle rules in force on this worker (recorded in history, so replay is stable). */
    async getLifecycleConfig(): Promise<LifecycleConfig> {
      return lifecycle;
    },
  };
}

/** The activity interface, as workflows see it through proxyActivities. */
export type Activities = ReturnType<typeof createActivities>;
