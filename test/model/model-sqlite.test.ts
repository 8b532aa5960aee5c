import { SqliteBackend } from '../../src/store/backends/sqlite';
import { checkModel } from './conversation-model';
import { seedModelStore } from './system';

// Each run on its own in-memory database. MODEL_RUNS sets how many (CI: the default).
const RUNS = Number(process.env.MODEL_RUNS ?? 2_000);

describe('conversations, routing and the store under generated steps from every actor (SQLite)', () => {
  it(`keeps every invariant after every step and once quiet, over ${RUNS} generated sequences`, async () => {
    await checkModel(
      async (time) => {
        const backend = new SqliteBackend({ file: ':memory:', clock: () => new Date(time.now) });
        await seedModelStore(backend);
        return backend;
      },
      (backend) => backend.close(),
      RUNS,
    );
    // About 2 minutes on a quiet two-core machine, 12 beside a CPU-burning process and the rest of the suite.
  }, 1_800_000);
});
