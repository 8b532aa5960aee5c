// Jest globalSetup: fail once, clearly, when the tests cannot get a Temporal test
// server, instead of every test file timing out on the SDK's download.
const { existsSync } = require('node:fs');
const { lookup } = require('node:dns/promises');
const { join } = require('node:path');

/** The host the SDK downloads ephemeral servers from; unresolvable means offline. */
const SDK_DOWNLOAD_HOST = 'temporal.download';

async function looksOnline() {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(false), 3000).unref());
  const lookedUp = lookup(SDK_DOWNLOAD_HOST).then(
    () => true,
    () => false,
  );
  return Promise.race([lookedUp, timeout]);
}

module.exports = async function globalSetup() {
  const override = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${override}: no such file.`);
    return;
  }
  const provisioned = join(__dirname, '..', '..', '.temporal-cache', 'test-server', 'temporal-test-server');
  if (existsSync(provisioned) || (await looksOnline())) return;
  throw new Error(
    'The Temporal time-skipping test server is missing (.temporal-cache/test-server) and this machine looks offline, ' +
      'so the SDK cannot download it. Install Java 17+ and Maven, then run `npm install` (or set TEMPORAL_TEST_SERVER_PATH).',
  );
};
