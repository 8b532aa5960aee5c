/**
 * The server's clock as seen from this tab: deadlines (an offer's `expiresAt`)
 * are server times, and a desktop's clock may be off by more than a countdown
 * lasts. Each stream event carries its commit time; the event reaches us later
 * than that, never earlier, so the largest (commit time - arrival time) seen
 * is the best estimate of the offset (short of the quickest delivery).
 */
let offsetMs: number | null = null;

/** Notes a server time `at` just received (a live event's commit time). */
export function observeServerTime(at: string, receivedAt = Date.now()): void {
  const seen = Date.parse(at) - receivedAt;
  if (!Number.isFinite(seen)) return;
  // A backlog replayed after a reconnect is old: it only lowers the estimate, so max() ignores it.
  if (offsetMs === null || seen > offsetMs) offsetMs = seen;
}

/** The local time `localNow` on the server's clock (unchanged until an event was seen). */
export function serverTime(localNow: number): number {
  return localNow + (offsetMs ?? 0);
}
