/** `npm run jobs`: runs the scheduled jobs once (the server runs them every few minutes by itself). */
import { parseEnv, EnvError } from '../server/env';
import { openDb, migrateDb } from '../../db/client';
import { runJobsOnce } from '../server/jobs';

try {
  const env = parseEnv();
  const db = openDb(env.DATABASE_PATH);
  migrateDb(db);
  const r = runJobsOnce(db);
  console.log(`[tonghu] 定时任务完成：强制报告逾期升级 ${r.escalated} 条，调整走访间隔 ${r.reintervalled} 个个案`);
  db.$client.close();
} catch (e) {
  console.error(e instanceof EnvError ? `[tonghu] ${e.message}` : e);
  process.exit(1);
}
