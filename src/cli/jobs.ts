/**
 * `npm run jobs`: runs the scheduled jobs once (the server runs them every few minutes by itself).
 * `npm run reminders`: only the reminders and the SMS outbox. Both are idempotent: a second run sends nothing twice.
 */
import { parseEnv, EnvError } from '../server/env';
import { openDb, migrateDb } from '../../db/client';
import { runJobsOnce, smsProvider, reminderSummary, smsSummary } from '../server/jobs';
import { runReminders } from '../lib/notify/reminders';
import { dispatchSms } from '../lib/notify/sms';

async function main() {
  const env = parseEnv();
  const db = openDb(env.DATABASE_PATH);
  migrateDb(db);
  const log = (s: string) => console.log(`[tonghu] ${s}`);
  if (process.argv.includes('--reminders')) {
    log(`提醒完成：${reminderSummary(runReminders(db))}`);
  } else {
    const r = runJobsOnce(db);
    log(`定时任务完成：强制报告逾期升级 ${r.escalated} 条，调整走访间隔 ${r.reintervalled} 个个案；提醒：${reminderSummary(r.reminders)}`);
  }
  log(smsSummary(await dispatchSms(db, smsProvider(log))));
  db.$client.close();
}

main().catch((e: unknown) => {
  console.error(e instanceof EnvError ? `[tonghu] ${e.message}` : e);
  process.exit(1);
});
