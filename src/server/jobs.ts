import type { Db } from '../../db/client';
import { escalateUnreported } from '../lib/fieldwork/entries';
import { applyVisitNorms } from '../lib/fieldwork/norms-sync';
import { runReminders, notifyExamsOpening, type ReminderResult } from '../lib/notify/reminders';
import { backfillNoticeCategories } from '../lib/notify/notices';
import { dispatchSms, LogSmsProvider, type SmsProvider, type DispatchResult } from '../lib/notify/sms';
import { dayOf } from '../lib/time';
import { overdueAsOf, refreshOverdue } from '../lib/dashboard/rollups';

/**
 * Scheduled work inside the app: `npm start` runs it every few minutes, `npm run jobs` once. Every job
 * is idempotent (running it twice does nothing twice), so a restart or an overlapping manual run is safe.
 */
export interface JobResult {
  /** flagged visits escalated to the county because no report was recorded in time (M13) */
  escalated: number;
  /** cases moved to a new visit interval because another visit-norms version came into force */
  reintervalled: number;
  /** reminders written to inboxes (the daily part runs once a day; exam windows every time) */
  reminders: ReminderResult;
}

let dailyDay: string | null = null;

/** `force` runs the daily part (visit norms, date reminders) even if it already ran today in this process. */
export function runJobsOnce(db: Db, now = Date.now(), force = true): JobResult {
  const today = dayOf(now);
  let reintervalled = 0;
  let reminders: ReminderResult;
  if (force || dailyDay !== today) {
    reintervalled = applyVisitNorms(db, today);
    backfillNoticeCategories(db);
    // after the norms: reminders read the visit schedule they set
    reminders = runReminders(db, now);
    dailyDay = today;
  } else {
    reminders = { ...emptyReminders(), examsOpened: notifyExamsOpening(db, now) };
  }
  // "overdue now" on the dashboards is counted for a day; a new day recounts it (ADR 0014)
  if (overdueAsOf(db) !== today) refreshOverdue(db, today);
  return { escalated: escalateUnreported(db, now), reintervalled, reminders };
}

function emptyReminders(): ReminderResult {
  return { assignmentsDue: 0, assignmentsOverdue: 0, examsOpened: 0, certificatesExpiring: 0, visitsDue: 0, visitsOverdue: 0 };
}

/** The SMS provider of this deployment: no gateway is reachable here, so the log provider (masked numbers). */
export function smsProvider(log?: (s: string) => void): SmsProvider {
  return new LogSmsProvider(log);
}

export function reminderSummary(r: ReminderResult): string {
  return `学习任务到期 ${r.assignmentsDue}、逾期 ${r.assignmentsOverdue}，考试开放 ${r.examsOpened}，证书将到期 ${r.certificatesExpiring}，走访到期 ${r.visitsDue}、逾期 ${r.visitsOverdue}`;
}

export function smsSummary(s: DispatchResult): string {
  return `短信发送 ${s.sent}、待重试 ${s.retrying}、失败 ${s.failed}、免打扰顺延 ${s.deferred}`;
}

export function startJobs(db: Db, log: (s: string) => void, everyMs = 5 * 60_000): () => void {
  const provider = smsProvider(log);
  let sending = false;
  const tick = () => {
    try {
      const r = runJobsOnce(db, Date.now(), false);
      if (r.escalated > 0) log(`强制报告逾期升级 ${r.escalated} 条`);
      if (r.reintervalled > 0) log(`按新的走访频次规则调整了 ${r.reintervalled} 个个案的走访间隔`);
      if (Object.values(r.reminders).some((n) => n > 0)) log(`提醒：${reminderSummary(r.reminders)}`);
    } catch (e) {
      log(`定时任务出错: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (sending) return;
    sending = true;
    dispatchSms(db, provider)
      .then((s) => {
        if (s.sent + s.retrying + s.failed > 0) log(smsSummary(s));
      })
      .catch((e: unknown) => log(`短信发送出错: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        sending = false;
      });
  };
  tick();
  const h = setInterval(tick, everyMs);
  h.unref();
  return () => clearInterval(h);
}
