import type { Db } from '../../db/client';
import { escalateUnreported } from '../lib/fieldwork/entries';

/**
 * Scheduled work inside the app: `npm start` runs it every few minutes, `npm run jobs` once. Every job
 * is idempotent (running it twice does nothing twice), so a restart or an overlapping manual run is safe.
 */
export interface JobResult {
  /** flagged visits escalated to the county because no report was recorded in time (M13) */
  escalated: number;
}

export function runJobsOnce(db: Db, now = Date.now()): JobResult {
  return { escalated: escalateUnreported(db, now) };
}

export function startJobs(db: Db, log: (s: string) => void, everyMs = 5 * 60_000): () => void {
  const tick = () => {
    try {
      const r = runJobsOnce(db);
      if (r.escalated > 0) log(`强制报告逾期升级 ${r.escalated} 条`);
    } catch (e) {
      log(`定时任务出错: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  tick();
  const h = setInterval(tick, everyMs);
  h.unref();
  return () => clearInterval(h);
}
