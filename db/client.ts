import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema/index';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** db/migrations, found relative to the project root (works from src, dist and tests alike). */
export function migrationsFolder(): string {
  return resolve(process.env.TONGHU_MIGRATIONS_DIR ?? resolve(projectRoot(), 'db/migrations'));
}

function projectRoot(): string {
  // this file is db/client.ts in source; when bundled, cwd is the project root (npm scripts run there)
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    if (here.endsWith('/db')) return resolve(here, '..');
  } catch {
    /* bundled: fall through */
  }
  return process.cwd();
}

export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 15000');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema }) as Db;
  // Write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then writes
  // fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out)
  // when another connection — the jobs, a script, a second process — committed in between. Taking the
  // write lock first makes it wait its turn instead.
  const session = (db as unknown as { session: { transaction: (t: unknown, c?: { behavior?: string }) => unknown } }).session;
  const begin = session.transaction.bind(session);
  session.transaction = (t, c = {}) => begin(t, { behavior: 'immediate', ...c });
  return db;
}

/** Applies committed migrations. Called explicitly before the server listens, never lazily. */
export function migrateDb(db: Db): void {
  migrate(db, { migrationsFolder: migrationsFolder() });
}
