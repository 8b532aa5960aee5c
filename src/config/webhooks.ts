/**
 * How a delivery workflow retries and waits. Read by the worker at start-up
 * (CONVOFLOW_WEBHOOK_*), handed to each run of the workflow through an
 * activity, so the values are in its history and replay the same.
 */
export interface WebhookDeliveryOptions {
  /** One attempt's deadline: a receiver that has not answered 2xx by then is retried (CONVOFLOW_WEBHOOK_TIMEOUT). */
  requestTimeoutMs: number;
  /** The first retry's delay (CONVOFLOW_WEBHOOK_RETRY_INITIAL); each next one doubles it. */
  initialIntervalMs: number;
  /** The longest delay between two attempts (CONVOFLOW_WEBHOOK_RETRY_MAX_INTERVAL). */
  maximumIntervalMs: number;
  /** How long one event is retried before it is marked failed and delivery moves on (CONVOFLOW_WEBHOOK_RETRY_WINDOW). */
  retryWindowMs: number;
  /** The safety net: an idle workflow looks for new events this often even without a wake-up signal. */
  wakeEveryMs: number;
}

/** Everything configurable about webhooks. */
export interface WebhookConfig {
  delivery: WebhookDeliveryOptions;
  /**
   * The retention hard cap (CONVOFLOW_WEBHOOK_MAX_HOLD): events an endpoint has
   * not delivered are kept past the event retention for at most this long;
   * older ones are pruned anyway and the endpoint is marked failing.
   */
  maxHoldMs: number;
}

/** Each retry waits twice as long as the one before (up to maximumIntervalMs). */
export const WEBHOOK_BACKOFF_COEFFICIENT = 2;

/** The defaults: 10 s per attempt; retries after 1 s, 2 s, 4 s … up to 10 min apart, for 24 h; a look every minute. */
export const DEFAULT_WEBHOOK_DELIVERY: WebhookDeliveryOptions = {
  requestTimeoutMs: 10_000,
  initialIntervalMs: 1_000,
  maximumIntervalMs: 10 * 60_000,
  retryWindowMs: 24 * 60 * 60_000,
  wakeEveryMs: 60_000,
};

/** Default of CONVOFLOW_WEBHOOK_MAX_HOLD: 7 days. */
export const DEFAULT_WEBHOOK_MAX_HOLD_MS = 7 * 24 * 60 * 60_000;

/** The default configuration. */
export const DEFAULT_WEBHOOK_CONFIG: WebhookConfig = { delivery: DEFAULT_WEBHOOK_DELIVERY, maxHoldMs: DEFAULT_WEBHOOK_MAX_HOLD_MS };
