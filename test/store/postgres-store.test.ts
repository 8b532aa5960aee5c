import { createStore } from '../../src/store';
import { createTestSchema } from '../helpers/postgres-schema';
import { describeStoreContract } from './store-contract';
import { describeWhen, postgresMissing } from '../helpers/prerequisites';

const url = process.env.TEST_DATABASE_URL ?? '';

describeWhen(postgresMissing(), 'PostgreSQL capacity store', () => {
  describeStoreContract('PostgreSQL', async () => {
    const { schema, drop } = await createTestSchema(url, 'store_test');
    return {
      open: (clock) => createStore({ databaseUrl: url, postgresSchema: schema, sqliteFile: ':memory:', clock: clock.now }),
      cleanup: drop,
    };
  });
});
