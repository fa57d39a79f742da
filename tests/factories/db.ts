import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, migrateDb, type Db } from '../../db/client';

/** A real, migrated SQLite file in a temp folder; `cleanup` closes and removes it. */
export function createTestDb(): { db: Db; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tonghu-test-'));
  const file = join(dir, 'test.db');
  const db = openDb(file);
  migrateDb(db);
  return {
    db,
    file,
    cleanup: () => {
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
