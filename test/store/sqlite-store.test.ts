import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from '../../src/store';
import { describeStoreContract } from './store-contract';

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'convoflow-store-'));
  const file = join(dir, 'store.db');
  return {
    open: (clock) => createStore({ sqliteFile: file, clock: clock.now }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
