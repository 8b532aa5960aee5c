import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createStore } from '../../src/store';
import { describeStoreContract } from './store-contract';

const url = process.env.TEST_DATABASE_URL;

if (url) {
  describeStoreContract('PostgreSQL', async () => {
    // A fresh schema per test keeps runs (and parallel files) apart on one database.
    const schema = `store_test_${randomUUID().replace(/-/g, '')}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    return {
      open: (clock) => createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:', clock: clock.now }),
      cleanup: async () => {
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  });
} else {
  // Straight to stderr: Jest swallows console output of a file whose tests are all skipped.
  process.stderr.write('\nPostgreSQL store contract skipped: set TEST_DATABASE_URL=postgres://... to run it.\n');
  describe.skip('PostgreSQL capacity store (TEST_DATABASE_URL not set)', () => {
    it('runs the store contract', () => undefined);
  });
}
