import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * A fresh schema on the TEST_DATABASE_URL database, so test files (and runs)
 * never see each other's rows; `drop` removes it with everything in it.
 */
export async function createTestSchema(url: string, prefix: string): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `${prefix}_${randomUUID().replace(/-/g, '')}`;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}
