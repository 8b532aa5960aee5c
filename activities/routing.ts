import type { DispatchRoundInput, DispatchRoundResult } from '../src/routing/dispatch-round';
import { dispatchRound } from '../src/routing/dispatch-round';
import type { Router } from '../src/routing/router';
import type { CapacityLedger } from '../src/store/capacity/capacity-ledger';

/** How long a match may stay undelivered before a dispatch round re-delivers it (a crash between matching and signalling). */
export const REDELIVER_AFTER_MS = 30_000;

/** Routing activities: one dispatch round for a queue (src/routing/dispatch-round.ts). */
export function createRoutingActivities(store: CapacityLedger, router: Router, redeliverAfterMs = REDELIVER_AFTER_MS) {
  return {
    dispatchQueue: (input: DispatchRoundInput): Promise<DispatchRoundResult> => dispatchRound(store, router, input, redeliverAfterMs),
  };
}
