/**
 * Suites that need something outside the repository (PostgreSQL, Chromium, the provisioned Temporal
 * CLI) run when it is there. When it is missing, a plain `npm test` skips the suite and says so on
 * stderr; with `CI` set (`.ci/run` sets it; so does every CI service) the suite fails instead,
 * naming what is missing, so a CI run can never pass with a suite silently skipped.
 */
export function describeWhen(missing: string | null, title: string, body: () => void): void {
  if (missing === null) {
    describe(title, body);
    return;
  }
  if (process.env.CI) {
    describe(title, () => {
      it('has its prerequisite', () => {
        throw new Error(`${missing}: CI must run this suite, so it fails instead of skipping (unset CI to skip it).`);
      });
    });
    return;
  }
  process.stderr.write(`\nSkipped "${title}": ${missing}.\n`);
  describe.skip(title, body);
}

/** Why the PostgreSQL suites cannot run, or null. */
export function postgresMissing(): string | null {
  return process.env.TEST_DATABASE_URL ? null : 'TEST_DATABASE_URL is not set (point it at an empty PostgreSQL database)';
}
