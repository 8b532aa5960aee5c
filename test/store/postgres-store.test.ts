import { createStore } from '../../src/store';
import { createTestSchema } from '../helpers/postgres-schema';
import { describeStoreContract } from './store-contract';

const url = process.env.TEST_DATABASE_URL;

if (url) {
  describeStoreContract('PostgreSQL', async () => {
    const { schema, drop } = await createTestSchema(url, 'store_test');
    return {
      open: (clock) => createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:', clock: clock.now }),
      cleanup: drop,
    };
  });
} else {
  // Straight to stderr: Jest swallows console output of a file whose tests are all skipped.
  process.stderr.write('\nPostgreSQL store contract skipped: set TEST_DATABASE_URL=postgres://... to run it.\n');
  describe.skip('PostgreSQL capacity store (TEST_DATABASE_URL not set)', () => {
    it('runs the store contract', () => undefined);
  });
}
