/** Token-bucket settings: `perMinute` refill rate, `burst` bucket size (default: perMinute). */
export interface RateLimitOptions {
  perMinute: number;
  burst?: number;
  now?: () => number;
}

/** The outcome of taking a token: allowed, or how long until one is free. */
export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

// Buckets that have refilled completely carry no information; dropping them
// bounds memory when many clients pass through.
const PRUNE_ABOVE = 10_000;

/**
 * In-memory token buckets per client key (the IP). Per process on purpose:
 * with several API processes each enforces its own share, which is enough to
 * blunt floods without a shared store round trip on every start.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions) {
    this.perMs = options.perMinute / 60_000;
    this.burst = Math.max(1, options.burst ?? options.perMinute);
    this.now = options.now ?? Date.now;
  }

  /** Takes one token for `key`. */
  take(key: string): Take {
    const now = this.now();
    const bucket = this.refill(this.buckets.get(key), now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      if (this.buckets.size > PRUNE_ABOVE) this.prune(now);
      return { ok: true };
    }
    this.buckets.set(key, bucket);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  private refill(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.burst, at: now };
    return { tokens: Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs), at: now };
  }

  private prune(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.refill(bucket, now).tokens >= this.burst) this.buckets.delete(key);
    }
  }
}
