import type { Db } from '../../db/client';
import { escalateUnreported } from '../lib/fieldwork/entries';
import { applyVisitNorms } from '../lib/fieldwork/norms-sync';
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
}

let normsDay: string | null = null;

/** `force` runs the daily part (visit norms) even if it already ran today in this process. */
export function runJobsOnce(db: Db, now = Date.now(), force = true): JobResult {
  const today = dayOf(now);
  let reintervalled = 0;
  if (force || normsDay !== today) {
    reintervalled = applyVisitNorms(db, today);
    normsDay = today;
  }
  // "overdue now" on the dashboards is counted for a day; a new day recounts it (ADR 0014)
  if (overdueAsOf(db) !== today) refreshOverdue(db, today);
  return { escalated: escalateUnreported(db, now), reintervalled };
}

export function startJobs(db: Db, log: (s: string) => void, everyMs = 5 * 60_000): () => void {
  const tick = () => {
    try {
      const r = runJobsOnce(db, Date.now(), false);
      if (r.escalated > 0) log(`强制报告逾期升级 ${r.escalated} 条`);
      if (r.reintervalled > 0) log(`按新的走访频次规则调整了 ${r.reintervalled} 个个案的走访间隔`);
    } catch (e) {
      log(`定时任务出错: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  tick();
  const h = setInterval(tick, everyMs);
  h.unref();
  return () => clearInterval(h);
}
