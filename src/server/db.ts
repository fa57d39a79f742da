import { openDb, type Db } from '../../db/client';
import { getEnv } from './env';
import { setupCertificates } from './keys';

/** One connection per process. Migrations are applied by src/cli/serve.ts before the server listens. */
let db: Db | null = null;
export function getDb(): Db {
  if (!db) {
    db = openDb(getEnv().DATABASE_PATH);
    setupCertificates(getEnv());
  }
  return db;
}
