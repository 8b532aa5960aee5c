/**
 * Runs `stop` once on the first SIGINT or SIGTERM, then exits; a second signal
 * exits at once, for when a graceful stop hangs.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, log: (line: string) => void = console.log): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting without waiting.`);
      process.exit(130);
    }
    stopping = true;
    log(`${signal}: shutting down (press Ctrl-C again to force)...`);
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/** Reports a start-up failure and exits 1; errors written for people (ConfigError, StartupError) get no stack trace. */
export function exitOnStartupError(error: unknown): never {
  const forPeople = error instanceof Error && (error.name === 'ConfigError' || error.name === 'StartupError');
  console.error(forPeople ? error.message : error);
  console.error('convoflow did not start.');
  process.exit(1);
}
