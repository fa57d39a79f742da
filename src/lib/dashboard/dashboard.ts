import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { curricula, learningAssignments, regionAssignmentRollup, regionCourseRollup, regionStats, regions } from '../../../db/schema/index';
import { withinSql } from '../org/scope';
import { getChildren, type Region } from '../org/regions';
import { M, P, readStats, overdueAsOf, type Stats } from './rollups';

/**
 * The officials' dashboard of one region (M16): every figure read from rollup rows (region_stats, the
 * learning rollups), a few rows per region — never a count over people, cases or entries.
 */

export interface Coverage {
  villages: number;
  villagesCovered: number;
  townships: number;
  townshipsCovered: number;
  directors: number;
  supervisors: number;
  caregivers: number;
  onboardingPending: number;
  onboardingDone: number;
  casesActive: number;
  casesOverdue: number;
  certificates: number;
}

export interface ChildRow {
  region: Region;
  c: Coverage;
}

export interface TierRow {
  curriculumId: number;
  title: string;
  enrolled: number;
  completed: number;
}

export interface MonthRow {
  month: string;
  visits: number;
  reports: number;
  certificates: number;
  subsidyLines: number;
  subsidyEligible: number;
  subsidyFen: number;
}

export const RATING_ROLES = ['director', 'supervisor'] as const;
export const RATING_ORDER = ['excellent', 'qualified', 'basic', 'unqualified'] as const;

export interface Dashboard {
  region: Region;
  coverage: Coverage;
  children: ChildRow[];
  /** training by tier (curriculum): cohort enrolments and completions from region_assignment_rollup */
  tiers: TierRow[];
  /** hours earned this year and courses completed (region_course_rollup) */
  training: { year: number; hours: number; completions: number; people: number; hoursPerPerson: number | null };
  /** valid certificates by kind, and skill-level certificates by level code */
  certificates: { byKind: Record<string, number>; byLevel: Record<string, number> };
  months: MonthRow[];
  /** totals of the months shown */
  totals: { visits: number; reports: number; certificates: number; subsidyLines: number; subsidyEligible: number; subsidyFen: number };
  ratings: { periods: string[]; period: string | null; rows: { role: string; counts: Record<string, number>; total: number }[] };
  overdueAsOf: string | null;
}

function coverageOf(s: Stats): Coverage {
  const byKind = s.byPrefix(M.certPrefix);
  const certificates = (byKind['curriculum'] ?? 0) + (byKind['course'] ?? 0) + (byKind['skill-level'] ?? 0);
  return {
    villages: s.get(M.villages),
    villagesCovered: s.get(M.villagesCovered),
    townships: s.get(M.townships),
    townshipsCovered: s.get(M.townshipsCovered),
    directors: s.get(M.directors),
    supervisors: s.get(M.supervisors),
    caregivers: s.get(M.caregivers),
    onboardingPending: s.get(M.onboardingPending),
    onboardingDone: s.get(M.onboardingDone),
    casesActive: s.get(M.casesActive),
    casesOverdue: s.get(M.casesOverdue),
    certificates,
  };
}

/** The `n` months ending with `lastMonth` ('YYYY-MM'), oldest first. */
export function monthsBack(lastMonth: string, n: number): string[] {
  const [y, m] = lastMonth.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const idx = y * 12 + (m - 1) - i;
    out.push(`${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`);
  }
  return out;
}

/** Rating periods with stored ratings for a region, newest first (years, quarters and months mixed). */
function ratingPeriods(db: Db, regionId: number): string[] {
  const rows = db
    .selectDistinct({ period: regionStats.period })
    .from(regionStats)
    .where(and(eq(regionStats.regionId, regionId), sql`${regionStats.metric} like 'rating.%'`, sql`${regionStats.value} > 0`))
    .all();
  // sort by the period's end: '2026' ends after '2026-Q4' ends after '2026-12'
  const endKey = (p: string) => {
    if (/^\d{4}$/.test(p)) return `${p}-13`;
    const q = /^(\d{4})-Q([1-4])$/.exec(p);
    if (q) return `${q[1]}-${String(Number(q[2]) * 3).padStart(2, '0')}~`;
    return p;
  };
  return rows.map((r) => r.period).sort((a, b) => (endKey(a) < endKey(b) ? 1 : endKey(a) > endKey(b) ? -1 : 0));
}

export function getDashboard(db: Db, region: Region, opts: { today: string; months?: number; ratingPeriod?: string | null }): Dashboard {
  const months = monthsBack(opts.today.slice(0, 7), opts.months ?? 12);
  const periodsAll = ratingPeriods(db, region.id);
  const period = opts.ratingPeriod && periodsAll.includes(opts.ratingPeriod) ? opts.ratingPeriod : (periodsAll[0] ?? null);
  const own = readStats(db, [region.id], { periods: period ? [...months, period] : months }).get(region.id)!;
  const children = region.level < 5 ? getChildren(db, region.id) : [];
  const childStats = readStats(db, children.map((c) => c.id));
  const coverage = coverageOf(own);

  const tiers = db
    .select({
      curriculumId: curricula.id,
      title: curricula.title,
      enrolled: sql<number>`coalesce(sum(${regionAssignmentRollup.enrolled}), 0)`,
      completed: sql<number>`coalesce(sum(${regionAssignmentRollup.completed}), 0)`,
    })
    .from(regionAssignmentRollup)
    .innerJoin(learningAssignments, eq(learningAssignments.id, regionAssignmentRollup.assignmentId))
    .innerJoin(curricula, eq(curricula.id, learningAssignments.curriculumId))
    .where(eq(regionAssignmentRollup.regionId, region.id))
    .groupBy(curricula.id)
    .orderBy(asc(curricula.id))
    .all();

  const year = Number(opts.today.slice(0, 4));
  const learning = db
    .select({ completions: sql<number>`coalesce(sum(${regionCourseRollup.completed}), 0)`, hours: sql<number>`coalesce(sum(${regionCourseRollup.hours}), 0)` })
    .from(regionCourseRollup)
    .where(and(eq(regionCourseRollup.regionId, region.id), eq(regionCourseRollup.year, year)))
    .get() ?? { completions: 0, hours: 0 };
  const people = coverage.directors + coverage.supervisors + coverage.caregivers;

  const monthRows: MonthRow[] = months.map((month) => ({
    month,
    visits: own.get(P.visitsVerified, month),
    reports: own.get(P.reportsVerified, month),
    certificates: own.get(P.certsIssued, month),
    subsidyLines: own.get(P.subsidyLines, month),
    subsidyEligible: own.get(P.subsidyEligible, month),
    subsidyFen: own.get(P.subsidyFen, month),
  }));
  const sum = (k: keyof Omit<MonthRow, 'month'>) => monthRows.reduce((a, r) => a + r[k], 0);

  const ratingRows = RATING_ROLES.map((role) => {
    const counts = period ? own.byPrefix(`${P.ratingPrefix}${role}.`, period) : {};
    return { role, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }).filter((r) => r.total > 0);

  return {
    region,
    coverage,
    children: children.map((c) => ({ region: c, c: coverageOf(childStats.get(c.id)!) })),
    tiers,
    training: { year, hours: learning.hours, completions: learning.completions, people, hoursPerPerson: people > 0 ? Math.round((learning.hours / people) * 10) / 10 : null },
    certificates: { byKind: own.byPrefix(M.certPrefix), byLevel: own.byPrefix(M.certLevelPrefix) },
    months: monthRows,
    totals: {
      visits: sum('visits'),
      reports: sum('reports'),
      certificates: sum('certificates'),
      subsidyLines: sum('subsidyLines'),
      subsidyEligible: sum('subsidyEligible'),
      subsidyFen: sum('subsidyFen'),
    },
    ratings: { periods: periodsAll, period, rows: ratingRows },
    overdueAsOf: overdueAsOf(db),
  };
}

/**
 * Villages in a scope without an active director, from the rollup's per-village coverage row (no count
 * over people): a page of them in path order, and how many there are (from the rollup totals).
 */
export function listVacancies(db: Db, scope: Region, opts: { limit?: number; offset?: number } = {}): { rows: Region[]; total: number } {
  const s = readStats(db, [scope.id]).get(scope.id)!;
  const total = s.get(M.villages) - s.get(M.villagesCovered);
  const rows = db
    .select({ r: regions })
    .from(regions)
    .leftJoin(regionStats, and(eq(regionStats.regionId, regions.id), eq(regionStats.metric, M.villagesCovered), eq(regionStats.period, '')))
    .where(and(eq(regions.level, 5), withinSql(regions.path, scope.path), sql`coalesce(${regionStats.value}, 0) = 0`))
    .orderBy(asc(regions.path))
    .limit(Math.min(opts.limit ?? 50, 500))
    .offset(opts.offset ?? 0)
    .all()
    .map((x) => x.r);
  return { rows, total };
}

/** Townships in a scope without an active supervisor (a county has a few dozen townships). */
export function listVacantTownships(db: Db, scope: Region, limit = 200): Region[] {
  return db
    .select({ r: regions })
    .from(regions)
    .leftJoin(regionStats, and(eq(regionStats.regionId, regions.id), eq(regionStats.metric, M.townshipsCovered), eq(regionStats.period, '')))
    .where(and(eq(regions.level, 4), withinSql(regions.path, scope.path), sql`coalesce(${regionStats.value}, 0) = 0`))
    .orderBy(asc(regions.path))
    .limit(limit)
    .all()
    .map((x) => x.r);
}

