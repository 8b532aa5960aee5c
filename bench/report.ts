import type { Row } from './stats';

/** What one scenario hands back: summary rows and lines of detail for the log. */
export interface ScenarioResult {
  rows: Row[];
  notes: string[];
}

/** A note that the time cap stopped a run, naming what it got. */
export function capNote(what: string, done: number, wanted: number, elapsedMs: number): string {
  return `CAPPED: ${what} stopped at the time cap after ${done} of ${wanted} (${(elapsedMs / 1000).toFixed(1)} s); figures use what it got.`;
}
