/** The p-th percentile (0-100, nearest rank) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Milliseconds with one decimal, or "n/a". */
export function ms(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} ms` : 'n/a';
}

/** A count with thousands separators. */
export function count(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** Events per minute, given how many happened in `elapsedMs`. */
export function perMinute(events: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (events / elapsedMs) * 60_000 : Number.NaN;
}

/** What a capped run achieved. */
export interface CappedRun<T> {
  results: T[];
  failures: number;
  firstError: string | null;
  elapsedMs: number;
  /** True when the time cap stopped the run before `total` tasks were started. */
  capped: boolean;
}

/**
 * Runs `task(0..total-1)` with at most `concurrency` in flight, starting no new
 * task after `capMs`; in-flight tasks are awaited (each must bound itself).
 */
export async function runCapped<T>(
  total: number,
  concurrency: number,
  capMs: number,
  task: (i: number) => Promise<T>,
): Promise<CappedRun<T>> {
  const started = performance.now();
  const results: T[] = [];
  let next = 0;
  let failures = 0;
  let firstError: string | null = null;
  let capped = false;
  const lane = async (): Promise<void> => {
    while (next < total) {
      if (performance.now() - started > capMs) {
        capped = true;
        return;
      }
      const i = next++;
      try {
        results.push(await task(i));
      } catch (error) {
        failures += 1;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, lane));
  return { results, failures, firstError, elapsedMs: performance.now() - started, capped };
}

/** One row of the summary table. */
export interface Row {
  scenario: string;
  figure: string;
  value: string;
  target?: string;
  /** null: no target; true/false: met or not. */
  met?: boolean | null;
}

/** Renders rows as a Markdown table (readable in a terminal too). */
export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.scenario, r.figure, r.value, r.target ?? '', r.met == null ? '' : r.met ? 'yes' : 'NO']);
  const header = ['Scenario', 'Figure', 'Value', 'Target', 'Met'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
