/**
 * `npm run backup [-- --to path]`: an online backup of DATABASE_PATH while the server keeps serving
 * (SQLite backup API), plus keys/ and h5p/ beside it. Default target: backups/tonghu-<time>.db beside
 * the database. See docs/operations.md for the schedule.
 */
import { parseArgs } from 'node:util';
import { backupDatabase, defaultBackupPath, describeBackup, OpsError } from '../lib/ops/backup';

async function main() {
  const { values } = parseArgs({ options: { to: { type: 'string' }, db: { type: 'string' } } });
  const dbFile = values.db ?? process.env.DATABASE_PATH ?? 'data/tonghu.db';
  const to = values.to ?? defaultBackupPath(dbFile);
  const r = await backupDatabase(dbFile, to);
  console.log(`[tonghu] 备份完成 ${describeBackup(r)}\n[tonghu] ${r.file}`);
}

main().catch((e: unknown) => {
  console.error(`[tonghu] 备份失败：${e instanceof OpsError ? e.message : String(e)}`);
  process.exit(1);
});
