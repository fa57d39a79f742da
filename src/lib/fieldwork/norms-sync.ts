import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { cases, regions } from '../../../db/schema/index';
import { CASE_CATEGORIES, RISK_LEVELS } from '../../../db/schema/fieldwork';
import { withinSql } from '../org/scope';
import { intervalFor, visitNormsFor } from './rules';
import { recomputeCaseSchedule } from './cases';

/**
 * Brings every active case's interval in line with the visit-norms version in force today for its
 * county (a new version, or one whose effective date has arrived). A changed interval is appended to
 * the case's interval history from today, like a risk change, so earlier months keep the interval they
 * had. Idempotent: cases already on the right interval are untouched. Returns how many cases changed.
 */
export function applyVisitNorms(db: Db, today: string): number {
  const counties = db.select({ path: regions.path }).from(regions).where(eq(regions.level, 3)).all();
  let changed = 0;
  for (const county of counties) {
    // skip counties without cases cheaply
    const any = db.select({ id: cases.id }).from(cases).where(and(withinSql(cases.regionPath, county.path), eq(cases.status, 'active'))).limit(1).get();
    if (!any) continue;
    const norms = visitNormsFor(db, county.path, today).rules;
    for (const category of CASE_CATEGORIES) {
      for (const risk of RISK_LEVELS) {
        const days = intervalFor(norms, category, risk);
        const stale = db
          .select({ id: cases.id, history: cases.intervalHistory })
          .from(cases)
          .where(and(withinSql(cases.regionPath, county.path), eq(cases.status, 'active'), eq(cases.category, category), eq(cases.risk, risk), sql`${cases.intervalDays} <> ${days}`))
          .all();
        if (stale.length === 0) continue;
        db.transaction((tx) => {
          for (const c of stale) {
            const history = c.history.filter((s) => s.from !== today || c.history.length === 1);
            history.push({ from: today, days });
            tx.update(cases).set({ intervalDays: days, intervalHistory: history }).where(eq(cases.id, c.id)).run();
            recomputeCaseSchedule(tx, c.id);
          }
        });
        changed += stale.length;
      }
    }
  }
  return changed;
}
