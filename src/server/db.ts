import { openDb, type Db } from '../../db/client';
import { getEnv } from './env';

/** One connection per process. Migrations are applied by src/cli/serve.ts before the server listens. */
let db: Db | null = null;
export function getDb(): Db {
  db ??= openDb(getEnv().DATABASE_PATH);
  return db;
}
