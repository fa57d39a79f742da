/**
 * `npm run restore -- --from path [--force]`: brings a backup back as DATABASE_PATH. Refuses while a
 * server uses the database (stop it first; --force overrides) and refuses a backup that fails
 * PRAGMA integrity_check. The replaced database is kept as <db>.before-restore-<time>.
 */
import { parseArgs } from 'node:util';
import { restoreDatabase, OpsError } from '../lib/ops/backup';

function main() {
  const { values } = parseArgs({ options: { from: { type: 'string' }, db: { type: 'string' }, force: { type: 'boolean' } } });
  if (!values.from) throw new OpsError('请用 --from 指定备份文件，例如 npm run restore -- --from data/backups/tonghu-20261129-020000.db');
  const dbFile = values.db ?? process.env.DATABASE_PATH ?? 'data/tonghu.db';
  const r = restoreDatabase({ from: values.from, dbFile, force: values.force });
  console.log(`[tonghu] 已恢复 ${r.file}${r.previous ? `；原数据库保留为 ${r.previous}` : ''}${r.sideFolders.length ? `；另恢复 ${r.sideFolders.join(', ')}/` : ''}`);
}

try {
  main();
} catch (e) {
  console.error(`[tonghu] 恢复失败：${e instanceof OpsError ? e.message : String(e)}`);
  process.exit(1);
}
