/**
 * Dashboard rollups (ADR 0014): per-region figures kept in `region_stats` when events happen, so a
 * dashboard reads a few rows per region and never counts people one by one.
 *
 * ## Read API (for dashboards, plan monitoring and public results)
 * - `readStats(db, regionIds, { periods })` → Map<regionId, Stats>: one indexed read; `Stats.get(metric,
 *   period = '')` gives a figure (0 when absent). Ask for the periods you need ('' is always included).
 * - `readSeries(db, regionId, metrics, fromPeriod, toPeriod)` → rows of a monthly series of one region.
 * - `overdueAsOf(db)` → the day "overdue now" figures were counted for.
 * - Metric names: the `M` constants below (snapshot figures, period '') and `P` (monthly, period 'YYYY-MM';
 *   ratings use the rating period key '2026' / '2026-Q1' / '2026-03'). Each row counts the region itself
 *   and everything under it. Monthly rows exist for province … township only (a village's months roll
 *   into its township).
 *
 * ## Write API
 * - Events call the hooks below inside their own transaction: `refreshForPath` (a county-sized recount
 *   of one group — staffing, certificates, ratings, subsidy — used for infrequent events), `trackCase`
 *   (case opened/closed/rescheduled: increments against the stored "overdue as of" day) and
 *   `countVerified` (a visit or report verified: +1 for its month).
 * - `refreshStaffingRollups(db, regionIds)` after a bulk roster import (people and role assignments).
 * - `rebuildRollups(db, today)` recounts everything with set-based SQL (seeds, start-up when empty, tests).
 * - `refreshOverdue(db, today)` the daily job: recounts "overdue now" for every region.
 */
import { sql, inArray, and, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { regionStats, rollupState } from '../../../db/schema/index';
import { pathIds } from '../org/scope';

/** Snapshot figures (period ''). */
export const M = {
  townships: 'regions.township',
  villages: 'regions.village',
  directors: 'staff.director',
  supervisors: 'staff.supervisor',
  caregivers: 'staff.caregiver',
  villagesCovered: 'cover.village',
  townshipsCovered: 'cover.township',
  onboardingPending: 'onb.pending',
  onboardingDone: 'onb.done',
  /** valid certificates by kind: cert.curriculum, cert.course, cert.skill-level */
  certPrefix: 'cert.',
  /** valid skill-level certificates by level code: cert.level.5 … cert.level.1 */
  certLevelPrefix: 'cert.level.',
  casesActive: 'cases.active',
  casesOverdue: 'cases.overdue',
} as const;

/** Periodic figures (period 'YYYY-MM', ratings: their period key). */
export const P = {
  visitsVerified: 'visit.verified',
  reportsVerified: 'report.verified',
  certsIssued: 'cert.issued',
  /** approved subsidy runs, by the run's month: regular lines, eligible regular lines, amount (分, all lines) */
  subsidyLines: 'sub.lines',
  subsidyEligible: 'sub.eligible',
  subsidyFen: 'sub.fen',
  /** rating.<role>.<rating> per rating period */
  ratingPrefix: 'rating.',
} as const;

/**
 * Plan monitoring figures (group 'plan', src/lib/plan): people in post by role who completed at least one
 * course in a calendar year (period 'YYYY': plan.trained.director …), and caregivers in post holding a
 * valid skill-level certificate (snapshot, period ''). Counted per person, at their role's region.
 */
export const PLAN = {
  trainedPrefix: 'plan.trained.',
  caregiversCertified: 'plan.certified',
} as const;

export type RollupDb = Pick<Db, 'select' | 'insert' | 'update' | 'delete' | 'all' | 'run' | 'get'>;

/** The groups a county-sized recount can refresh, and the metric prefixes each owns. */
export const GROUPS = {
  regions: ['regions.'],
  staffing: ['staff.', 'onb.', 'cover.'],
  certificates: ['cert.'],
  cases: ['cases.'],
  work: ['visit.', 'report.'],
  subsidy: ['sub.'],
  ratings: ['rating.'],
  plan: ['plan.'],
} as const;
export type Group = keyof typeof GROUPS;

/**
 * Groups whose figures also depend on another group's events: the plan figures count people in post
 * (staffing) and certificates, so a recount of either recounts them too.
 */
const DEPENDENTS: Partial<Record<Group, Group[]>> = { staffing: ['plan'], certificates: ['plan'] };

function withDependents(groups: Group[]): Group[] {
  return [...new Set(groups.flatMap((g) => [g, ...(DEPENDENTS[g] ?? [])]))];
}

// ------------------------------------------------------------------------------------------ the counts

/**
 * What each group counts, at the region where it happens ("leaf" rows): the single definition shared by
 * the full rebuild and the county-sized refresh. `scope` is a SQL condition on the rows' region path;
 * periodic rows of a village are attributed to its township.
 */
function leafSql(group: Group, scope: (col: string) => string, asOf: string): string {
  const leafOf = 'case when r.level = 5 then r.parent_id else r.id end';
  switch (group) {
    case 'regions':
      return `select r.id as region_id, case r.level when 4 then '${M.townships}' else '${M.villages}' end as metric, '' as period, 1 as value
              from regions r where r.level in (4, 5) and ${scope('r.path')}`;
    case 'staffing':
      return `select ra.region_id as region_id, 'staff.' || ra.role as metric, '' as period, count(*) as value
              from role_assignments ra join users u on u.id = ra.user_id
              where ra.active = 1 and u.active = 1 and ra.role in ('director', 'supervisor', 'caregiver') and ${scope('ra.region_path')}
              group by ra.region_id, ra.role
            union all
              select ra.region_id, 'onb.' || ra.onboarding, '', count(*)
              from role_assignments ra join users u on u.id = ra.user_id
              where ra.active = 1 and u.active = 1 and ra.onboarding is not null and ${scope('ra.region_path')}
              group by ra.region_id, ra.onboarding
            union all
              select ra.region_id, case r.level when 5 then '${M.villagesCovered}' else '${M.townshipsCovered}' end, '', 1
              from role_assignments ra join users u on u.id = ra.user_id join regions r on r.id = ra.region_id
              where ra.active = 1 and u.active = 1 and ${scope('ra.region_path')}
                and ((ra.role = 'director' and r.level = 5) or (ra.role = 'supervisor' and r.level = 4))
              group by ra.region_id, r.level`;
    case 'certificates':
      return `select r.id as region_id, 'cert.' || c.kind as metric, '' as period, count(*) as value
              from certificates c join regions r on r.path = c.region_path
              where c.status = 'valid' and ${scope('c.region_path')} group by r.id, c.kind
            union all
              select r.id, '${M.certLevelPrefix}' || c.level, '', count(*)
              from certificates c join regions r on r.path = c.region_path
              where c.status = 'valid' and c.kind = 'skill-level' and c.level is not null and ${scope('c.region_path')} group by r.id, c.level
            union all
              select ${leafOf}, '${P.certsIssued}', substr(c.issued_on, 1, 7), count(*)
              from certificates c join regions r on r.path = c.region_path
              where ${scope('c.region_path')} group by 1, 3`;
    case 'cases':
      return `select c.village_id as region_id, '${M.casesActive}' as metric, '' as period, count(*) as value
              from cases c where c.status = 'active' and ${scope('c.region_path')} group by c.village_id
            union all
              select c.village_id, '${M.casesOverdue}', '', count(*)
              from cases c where c.status = 'active' and c.next_due_day < '${asOf.replace(/'/g, '')}' and ${scope('c.region_path')} group by c.village_id`;
    case 'work':
      return `select ${leafOf} as region_id, case w.type when 'visit' then '${P.visitsVerified}' else '${P.reportsVerified}' end as metric,
                substr(w.day, 1, 7) as period, count(*) as value
              from work_entries w join regions r on r.id = w.village_id
              where w.status = 'verified' and w.type in ('visit', 'report') and ${scope('w.region_path')}
              group by 1, 2, 3`;
    case 'subsidy':
      return `select ${leafOf} as region_id, '${P.subsidyLines}' as metric, run.month as period, sum(l.kind = 'regular') as value
              from subsidy_lines l join subsidy_runs run on run.id = l.run_id join regions r on r.id = l.region_id
              where run.status = 'approved' and ${scope('l.region_path')} group by 1, 3
            union all
              select ${leafOf}, '${P.subsidyEligible}', run.month, sum(l.kind = 'regular' and l.eligible = 1)
              from subsidy_lines l join subsidy_runs run on run.id = l.run_id join regions r on r.id = l.region_id
              where run.status = 'approved' and ${scope('l.region_path')} group by 1, 3
            union all
              select ${leafOf}, '${P.subsidyFen}', run.month, sum(l.amount_fen)
              from subsidy_lines l join subsidy_runs run on run.id = l.run_id join regions r on r.id = l.region_id
              where run.status = 'approved' and ${scope('l.region_path')} group by 1, 3`;
    case 'ratings':
      return `select ${leafOf} as region_id, 'rating.' || p.role || '.' || p.rating as metric, p.period as period, count(*) as value
              from performance_ratings p join regions r on r.id = p.region_id
              where ${scope('p.region_path')} group by 1, 2, 3`;
    case 'plan':
      return planLeafSql(scope);
  }
}

/** The plan group's leaf counts (see PLAN): people in post, so only active users' active assignments. */
function planLeafSql(scope: (col: string) => string): string {
  const leafOf = 'case when r.level = 5 then r.parent_id else r.id end';
  return `select ${leafOf} as region_id, '${PLAN.trainedPrefix}' || ra.role as metric, cast(ls.year as text) as period, count(*) as value
              from role_assignments ra join users u on u.id = ra.user_id join regions r on r.id = ra.region_id
              join learner_summary ls on ls.user_id = ra.user_id and ls.courses_completed > 0
              where ra.active = 1 and u.active = 1 and ra.role in ('director', 'supervisor', 'caregiver') and ${scope('ra.region_path')}
              group by 1, 2, 3
            union all
              select ra.region_id, '${PLAN.caregiversCertified}', '', count(*)
              from role_assignments ra join users u on u.id = ra.user_id
              where ra.active = 1 and u.active = 1 and ra.role = 'caregiver' and ${scope('ra.region_path')}
                and exists (select 1 from certificates c where c.user_id = ra.user_id and c.kind = 'skill-level' and c.status = 'valid')
              group by ra.region_id`;
}

const ALL_GROUPS = Object.keys(GROUPS) as Group[];

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function scopeFor(path: string | null): (col: string) => string {
  if (path === null) return () => '1 = 1';
  return (col) => `(${col} >= ${quote(path)} and ${col} < ${quote(path + '~')})`;
}

// ------------------------------------------------------------------------------------------ state

const OVERDUE_KEY = 'overdue_as_of';

/** The day "overdue now" (cases.overdue) was counted for: a case is overdue when its next due day is before it. */
export function overdueAsOf(db: Pick<Db, 'select'>): string | null {
  return db.select({ v: rollupState.value }).from(rollupState).where(eq(rollupState.key, OVERDUE_KEY)).get()?.v ?? null;
}

function setOverdueAsOf(db: Pick<Db, 'insert'>, day: string): void {
  db.insert(rollupState).values({ key: OVERDUE_KEY, value: day }).onConflictDoUpdate({ target: rollupState.key, set: { value: day } }).run();
}

// ------------------------------------------------------------------------------------------ rebuild

/**
 * Recounts every rollup from the events with set-based SQL: the leaf counts per region, then each level's
 * totals added into its parent, village → township → county → city → province. Runs in one transaction.
 */
export function rebuildRollups(db: Db, today: string): void {
  const union = ALL_GROUPS.map((g) => leafSql(g, scopeFor(null), today)).join('\nunion all\n');
  const sqlite = db.$client;
  db.transaction(() => {
    sqlite.prepare('delete from region_stats').run();
    sqlite
      .prepare(
        `insert into region_stats (region_id, metric, period, value)
         select region_id, metric, period, sum(value) from (${union}) where region_id is not null and value <> 0 group by 1, 2, 3`,
      )
      .run();
    propagateUp(sqlite, null);
    setOverdueAsOf(db, today);
    markPlanCounted(db);
  });
}

const PLAN_KEY = 'plan_counted';

function markPlanCounted(db: Pick<Db, 'insert'>): void {
  db.insert(rollupState).values({ key: PLAN_KEY, value: '1' }).onConflictDoNothing().run();
}

/**
 * Start-up backfill for databases whose rollups were built before the plan group existed: counts the
 * plan figures once (set-based, like the full rebuild) and records that it did. Returns true when it ran.
 */
export function ensurePlanRollups(db: Db): boolean {
  if (db.select({ v: rollupState.value }).from(rollupState).where(eq(rollupState.key, PLAN_KEY)).get()) return false;
  const sqlite = db.$client;
  db.transaction(() => {
    sqlite.prepare(`delete from region_stats where metric like 'plan.%'`).run();
    sqlite
      .prepare(
        `insert into region_stats (region_id, metric, period, value)
         select region_id, metric, period, sum(value) from (${planLeafSql(scopeFor(null))}) where region_id is not null and value <> 0 group by 1, 2, 3`,
      )
      .run();
    propagateUp(sqlite, ['plan.']);
    markPlanCounted(db);
  });
  return true;
}

/** Adds the rows of each level (deepest first) into their parents. `metricLike` limits it to some metrics. */
function propagateUp(sqlite: Db['$client'], metricLike: string[] | null): void {
  const filter = metricLike ? `and (${metricLike.map((p) => `s.metric like ${quote(p + '%')}`).join(' or ')})` : '';
  const stmt = sqlite.prepare(
    `insert into region_stats (region_id, metric, period, value)
     select r.parent_id, s.metric, s.period, sum(s.value) from region_stats s join regions r on r.id = s.region_id
     where r.level = ? and r.parent_id is not null ${filter}
     group by r.parent_id, s.metric, s.period
     on conflict (region_id, metric, period) do update set value = region_stats.value + excluded.value`,
  );
  for (const level of [5, 4, 3, 2]) stmt.run(level);
}

/** True when the rollups have never been built (fresh migration on an existing database). */
export function rollupsEmpty(db: Db): boolean {
  return !db.$client.prepare('select 1 from rollup_state limit 1').get();
}

/**
 * The daily job: recounts "overdue now" (active cases whose next due day is before `today`) for every
 * region, set-based, and records `today` as the day the counts and later increments refer to.
 */
export function refreshOverdue(db: Db, today: string): void {
  const sqlite = db.$client;
  db.transaction(() => {
    sqlite.prepare(`delete from region_stats where metric = '${M.casesOverdue}'`).run();
    sqlite
      .prepare(
        `insert into region_stats (region_id, metric, period, value)
         select c.village_id, '${M.casesOverdue}', '', count(*) from cases c
         where c.status = 'active' and c.next_due_day < ? group by c.village_id`,
      )
      .run(today);
    propagateUp(sqlite, [M.casesOverdue]);
    setOverdueAsOf(db, today);
  });
}

// ------------------------------------------------------------------------------------------ increments

type Key = string;
const key = (regionId: number, metric: string, period: string): Key => `${regionId}\u0000${metric}\u0000${period}`;

/** Adds `delta` to a figure of the region at the end of `path` and of every region above it. */
export function bump(db: Pick<Db, 'insert'>, path: string, metric: string, period: string, delta: number): void {
  if (!delta) return;
  let ids = pathIds(path);
  if (period !== '') ids = ids.slice(0, 4);
  if (ids.length === 0) return;
  db.insert(regionStats)
    .values(ids.map((regionId) => ({ regionId, metric, period, value: delta })))
    .onConflictDoUpdate({ target: [regionStats.regionId, regionStats.metric, regionStats.period], set: { value: sql`${regionStats.value} + excluded.value` } })
    .run();
}

/** A visit or a report was verified (the only way into 'verified'; verified entries are locked). */
export function countVerified(db: Pick<Db, 'insert'>, e: { type: string; day: string; regionPath: string }): void {
  if (e.type === 'visit') bump(db, e.regionPath, P.visitsVerified, e.day.slice(0, 7), 1);
  else if (e.type === 'report') bump(db, e.regionPath, P.reportsVerified, e.day.slice(0, 7), 1);
}

/**
 * A person completed their first course of `year` (learner_summary.courses_completed became 1): each of
 * their roles in post now counts as trained that year (PLAN.trainedPrefix), as the plan group counts it.
 */
export function countFirstCompletion(db: Pick<Db, 'insert' | 'all'>, userId: number, year: number): void {
  const rows = db.all<{ role: string; path: string }>(
    sql`select ra.role as role, ra.region_path as path from role_assignments ra join users u on u.id = ra.user_id
        where ra.user_id = ${userId} and ra.active = 1 and u.active = 1 and ra.role in ('director', 'supervisor', 'caregiver')`,
  );
  for (const r of rows) bump(db, r.path, PLAN.trainedPrefix + r.role, String(year), 1);
}

type CaseLike = { status: string; nextDueDay: string | null; regionPath: string } | null;

/**
 * A case was opened, rescheduled or closed: moves the active and overdue counts. Overdue is judged
 * against the day of the last overdue count (`overdueAsOf`), not the clock, so increments and the daily
 * recount always agree; the daily job moves the day forward.
 */
export function trackCase(db: Pick<Db, 'insert' | 'select'>, before: CaseLike, after: CaseLike): void {
  const asOf = overdueAsOf(db);
  const active = (c: CaseLike) => (c && c.status === 'active' ? 1 : 0);
  const overdue = (c: CaseLike) => (c && c.status === 'active' && asOf !== null && c.nextDueDay !== null && c.nextDueDay < asOf ? 1 : 0);
  const path = (after ?? before)?.regionPath;
  if (!path) return;
  bump(db, path, M.casesActive, '', active(after) - active(before));
  bump(db, path, M.casesOverdue, '', overdue(after) - overdue(before));
}

// ------------------------------------------------------------------------------------------ refresh

/** The region whose subtree a refresh recounts for an event at `path`: its county, or itself if shallower. */
function refreshRoot(path: string): string {
  const ids = pathIds(path);
  return ids.length > 3 ? `/${ids.slice(0, 3).join('/')}/` : path;
}

/**
 * Recounts `groups` for the subtree of `rootPath` (a county, usually: a few hundred rows), writes the
 * subtree's rows and adds the change at the root to every region above it. Works inside the caller's
 * transaction (pass the transaction; it only needs select/insert/delete/all).
 */
export function refreshSubtree(db: RollupDb, rootPath: string, requested: Group[]): void {
  if (requested.length === 0) return;
  const groups = withDependents(requested);
  const scope = scopeFor(rootPath);
  const asOf = overdueAsOf(db) ?? '0000-00-00';
  const subtree = db.all<{ id: number; parent_id: number | null; path: string; level: number }>(
    sql.raw(`select id, parent_id, path, level from regions where ${scope('path')}`),
  );
  if (subtree.length === 0) return;
  const byId = new Map(subtree.map((r) => [r.id, r]));
  const rootIds = pathIds(rootPath);
  const rootId = rootIds[rootIds.length - 1]!;
  const prefixes = groups.flatMap((g) => [...GROUPS[g]]);

  // fresh totals inside the subtree
  const fresh = new Map<Key, { regionId: number; metric: string; period: string; value: number }>();
  const leaf = db.all<{ region_id: number | null; metric: string; period: string; value: number }>(
    sql.raw(groups.map((g) => leafSql(g, scope, asOf)).join('\nunion all\n')),
  );
  for (const row of leaf) {
    if (row.region_id === null || !row.value) continue;
    const region = byId.get(row.region_id);
    if (!region) continue;
    for (const id of pathIds(region.path).slice(rootIds.length - 1)) {
      const k = key(id, row.metric, row.period);
      const cur = fresh.get(k);
      if (cur) cur.value += row.value;
      else fresh.set(k, { regionId: id, metric: row.metric, period: row.period, value: row.value });
    }
  }

  // what is stored now for the subtree
  const likeAny = sql.join(
    prefixes.map((p) => sql`${regionStats.metric} like ${p + '%'}`),
    sql` or `,
  );
  const ids = subtree.map((r) => r.id);
  const stored = new Map<Key, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    for (const r of db.select().from(regionStats).where(and(inArray(regionStats.regionId, chunk), sql`(${likeAny})`)).all()) {
      stored.set(key(r.regionId, r.metric, r.period), r.value);
    }
  }

  // the change at the root goes to every region above it
  const ancestorPath = rootIds.length > 1 ? `/${rootIds.slice(0, -1).join('/')}/` : null;
  const rootDiff = new Map<string, { metric: string; period: string; delta: number }>();
  const addRootDiff = (metric: string, period: string, delta: number) => {
    const k = `${metric}\u0000${period}`;
    const cur = rootDiff.get(k);
    if (cur) cur.delta += delta;
    else rootDiff.set(k, { metric, period, delta });
  };
  for (const [k, v] of stored) {
    if (!fresh.has(k)) {
      const [rid, metric, period] = k.split('\u0000') as [string, string, string];
      db.delete(regionStats).where(and(eq(regionStats.regionId, Number(rid)), eq(regionStats.metric, metric), eq(regionStats.period, period))).run();
      if (Number(rid) === rootId) addRootDiff(metric, period, -v);
    }
  }
  const writes = [...fresh.values()].filter((f) => stored.get(key(f.regionId, f.metric, f.period)) !== f.value);
  for (let i = 0; i < writes.length; i += 200) {
    db.insert(regionStats)
      .values(writes.slice(i, i + 200))
      .onConflictDoUpdate({ target: [regionStats.regionId, regionStats.metric, regionStats.period], set: { value: sql`excluded.value` } })
      .run();
  }
  for (const f of writes) if (f.regionId === rootId) addRootDiff(f.metric, f.period, f.value - (stored.get(key(f.regionId, f.metric, f.period)) ?? 0));
  if (ancestorPath) for (const d of rootDiff.values()) bump(db, ancestorPath, d.metric, d.period, d.delta);
}

/** Recounts `groups` for the county (or the shallower region) around an event at `path`. */
export function refreshForPath(db: RollupDb, path: string | null | undefined, groups: Group[]): void {
  if (!path) return;
  refreshSubtree(db, refreshRoot(path), groups);
}

/**
 * After a bulk change of people or role assignments (roster import): recounts staffing and onboarding for
 * the county of each region given (deduplicated), in the caller's transaction or on its own.
 */
export function refreshStaffingRollups(db: RollupDb, regionIds: number[]): void {
  const unique = [...new Set(regionIds)];
  const roots = new Set<string>();
  for (let i = 0; i < unique.length; i += 500) {
    const rows = db.all<{ path: string }>(sql`select path from regions where id in (${sql.join(unique.slice(i, i + 500).map((id) => sql`${id}`), sql`, `)})`);
    for (const r of rows) roots.add(refreshRoot(r.path));
  }
  // a county inside a refreshed city needs no second pass
  const sorted = [...roots].sort();
  const kept = sorted.filter((p, i) => !sorted.slice(0, i).some((q) => p.startsWith(q)));
  for (const root of kept) refreshSubtree(db, root, ['staffing']);
}

/** All roles' assignments of a person: staffing recount for each county they work in. */
export function refreshStaffingForUser(db: RollupDb, userId: number): void {
  const rows = db.all<{ path: string }>(sql`select distinct region_path as path from role_assignments where user_id = ${userId}`);
  const roots = new Set(rows.map((r) => refreshRoot(r.path)));
  for (const root of roots) refreshSubtree(db, root, ['staffing']);
}

// ------------------------------------------------------------------------------------------ read

export interface Stats {
  /** a figure, 0 when absent */
  get(metric: string, period?: string): number;
  /** every figure whose name starts with `prefix`, for one period: { suffix: value } */
  byPrefix(prefix: string, period?: string): Record<string, number>;
}

function makeStats(rows: { metric: string; period: string; value: number }[]): Stats {
  const m = new Map(rows.map((r) => [`${r.metric}\u0000${r.period}`, r.value]));
  return {
    get: (metric, period = '') => m.get(`${metric}\u0000${period}`) ?? 0,
    byPrefix: (prefix, period = '') => {
      const out: Record<string, number> = {};
      for (const r of rows) if (r.period === period && r.metric.startsWith(prefix) && r.value !== 0) out[r.metric.slice(prefix.length)] = r.value;
      return out;
    },
  };
}

/** Figures of some regions (snapshot figures plus the given periods), one indexed read. */
export function readStats(db: Pick<Db, 'select'>, regionIds: number[], opts: { periods?: string[] } = {}): Map<number, Stats> {
  const out = new Map<number, Stats>();
  if (regionIds.length === 0) return out;
  const periods = ['', ...(opts.periods ?? [])];
  const rows = db
    .select()
    .from(regionStats)
    .where(and(inArray(regionStats.regionId, regionIds), inArray(regionStats.period, periods)))
    .all();
  const grouped = new Map<number, typeof rows>();
  for (const r of rows) {
    const g = grouped.get(r.regionId);
    if (g) g.push(r);
    else grouped.set(r.regionId, [r]);
  }
  for (const id of regionIds) out.set(id, makeStats(grouped.get(id) ?? []));
  return out;
}

/** A monthly (or other periodic) series of one region: { period, metric, value } rows, periods in range. */
export function readSeries(db: Pick<Db, 'select'>, regionId: number, metrics: string[], fromPeriod: string, toPeriod: string) {
  const conds: SQL[] = [eq(regionStats.regionId, regionId), inArray(regionStats.metric, metrics), gte(regionStats.period, fromPeriod), lte(regionStats.period, toPeriod)];
  return db
    .select({ period: regionStats.period, metric: regionStats.metric, value: regionStats.value })
    .from(regionStats)
    .where(and(...conds))
    .all();
}

/** Every stored row (tests compare this with a rebuild), zero rows left out. */
export function dumpStats(db: Db): Map<string, number> {
  const rows = db.$client.prepare('select region_id, metric, period, value from region_stats where value <> 0').all() as { region_id: number; metric: string; period: string; value: number }[];
  return new Map(rows.map((r) => [key(r.region_id, r.metric, r.period), Math.round(r.value * 1000) / 1000]));
}

/** The county (or shallower region) whose subtree an event at `path` recounts. */
export function refreshRootOf(path: string): string {
  return refreshRoot(path);
}

/**
 * A subsidy run was approved (approved runs never change): adds its lines, per township, to the month's
 * figures — regular lines, eligible regular lines and the amount of all lines.
 */
export function countApprovedRun(db: Pick<Db, 'all' | 'insert'>, runId: number, month: string): void {
  const rows = db.all<{ path: string; lines: number; eligible: number; fen: number }>(sql`
    select r.path as path, sum(l.kind = 'regular') as lines, sum(l.kind = 'regular' and l.eligible = 1) as eligible, sum(l.amount_fen) as fen
    from subsidy_lines l join regions r on r.id = case when (select level from regions where id = l.region_id) = 5 then (select parent_id from regions where id = l.region_id) else l.region_id end
    where l.run_id = ${runId} group by r.id`);
  for (const r of rows) {
    bump(db, r.path, P.subsidyLines, month, r.lines);
    bump(db, r.path, P.subsidyEligible, month, r.eligible);
    bump(db, r.path, P.subsidyFen, month, r.fen);
  }
}

/**
 * A new active role assignment of an active person, counted by increments (no recount): used by bulk
 * writers that insert assignments one by one (the seed factories). Onboarding is counted when it is set
 * (enrolNewMember refreshes the county).
 */
export function countNewAssignment(db: Pick<Db, 'all' | 'insert'>, ra: { id: number; role: string; regionId: number; regionPath: string }): void {
  if (ra.role !== 'director' && ra.role !== 'supervisor' && ra.role !== 'caregiver') return;
  const row = db.all<{ userActive: number; level: number; others: number }>(sql`
    select (select u.active from role_assignments x join users u on u.id = x.user_id where x.id = ${ra.id}) as userActive,
      (select level from regions where id = ${ra.regionId}) as level,
      (select count(*) from role_assignments o join users u on u.id = o.user_id
        where o.region_id = ${ra.regionId} and o.role = ${ra.role} and o.active = 1 and u.active = 1 and o.id <> ${ra.id}) as others`)[0];
  if (!row || !row.userActive) return;
  bump(db, ra.regionPath, `staff.${ra.role}`, '', 1);
  const coverLevel = ra.role === 'director' ? 5 : ra.role === 'supervisor' ? 4 : 0;
  if (row.level === coverLevel && row.others === 0) bump(db, ra.regionPath, coverLevel === 5 ? M.villagesCovered : M.townshipsCovered, '', 1);
}
