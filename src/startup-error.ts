/** A start-up failure whose message already says what to do; printed without a stack trace. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
