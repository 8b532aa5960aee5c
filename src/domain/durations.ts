const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses "250ms", "30s", "20m", "24h", "30d" or a number of milliseconds.
 * Returns null for "none"/null (no limit); throws on anything else.
 */
export function parseDuration(value: unknown, field: string): number | null {
  if (value === null || value === 'none') return null;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
    if (match?.[1] && match[2]) {
      return Math.round(Number(match[1]) * (UNIT_MS[match[2]] ?? 0));
    }
  }
  throw new Error(
    `${field}: expected a duration such as "30s", "20m", "24h", "30d", a number of milliseconds, or "none"; got ${JSON.stringify(value)}`,
  );
}

/** Formats milliseconds as the largest whole unit ("20m", "1d", "1500ms"). */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'none';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
