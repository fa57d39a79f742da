import { and, eq, inArray, isNull, lte, or, gte, sql } from 'drizzle-orm';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../../../db/client';
import { cases, workEntries, roleAssignments, users, enrollments, performanceRatings } from '../../../db/schema/index';
import type { Rating } from '../../../db/schema/fieldwork';
import { withinSql, pathIds } from '../org/scope';
import { addDays, dayOf } from '../time';
import { countInPeriod } from '../fieldwork/schedule';
import type { CriterionKey, SubsidyRules } from './rules';

/**
 * One county's subsidy lines for one month, computed in batch from stored events (a handful of queries
 * for the whole county, none per person). Only verified entries count. Nothing is written here: runs.ts
 * stores the result. Amounts are in 分 (integers); reasons are Chinese sentences a person can act on.
 */
export interface CriterionResult {
  key: CriterionKey;
  met: boolean;
  /** e.g. 本月应走访 12 户次，已核实按时走访 10 户次（83%，低于 90%） */
  text: string;
}

export interface ComponentResult {
  key: string;
  name: string;
  /** the month's full amount and the amount after proration, before the multiplier (分) */
  baseFen: number;
  proratedFen: number;
  eligible: boolean;
  /** the unmet criteria it requires */
  unmet: CriterionKey[];
}

export interface LineDraft {
  userId: number;
  name: string;
  role: 'director' | 'supervisor';
  roleAssignmentId: number;
  regionId: number;
  regionPath: string;
  townshipId: number;
  month: string;
  daysInPost: number;
  daysInMonth: number;
  criteria: CriterionResult[];
  components: ComponentResult[];
  rating: Rating | null;
  ratingYear: number | null;
  multiplier: number;
  /** every component eligible */
  eligible: boolean;
  amountFen: number;
}

const CST = 8 * 3600_000;
const DAY = 86_400_000;
const startMs = (day: string) => Date.parse(`${day}T00:00:00Z`) - CST;
const endMs = (day: string) => startMs(day) + DAY - 1;

export function monthBounds(month: string): {
  start: string;
  end: string;
  days: number;
} {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const start = `${month}-01`;
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  const end = addDays(next, -1);
  return { start, end, days: Number(end.slice(8, 10)) };
}

export function isMonthKey(s: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(s);
  return !!m && Number(m[1]) >= 2000 && Number(m[1]) <= 2100 && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

const pct = (n: number, d: number) => `${Math.round((n / d) * 100)}%`;
const yuan = (fen: number) => (fen / 100).toFixed(2).replace(/\.00$/, '');

interface CaseRow {
  id: number;
  regionPath: string;
  openedOn: string;
  closedOn: string | null;
  intervalHistory: { from: string; days: number }[];
}

type Statement = BetterSqlite3.Statement<unknown[], unknown>;
const cache = new WeakMap<object, { people: Statement; cases: Statement; visits: Statement; updates: Statement }>();
function statements(db: Db) {
  let s = cache.get(db.$client);
  if (!s) {
    const c = db.$client;
    s = {
      people: c
        .prepare(
          `select ra.id, ra.user_id, u.name, ra.role, ra.region_id, ra.region_path, ra.created_at, ra.ended_at, ra.active
           from role_assignments ra join users u on u.id = ra.user_id
           where ra.region_path >= @from and ra.region_path < @to and ra.role in (select value from json_each(@roles))
             and ra.created_at <= @monthEnd and (ra.active = 1 or ra.ended_at >= @monthStart)
             and (@only is null or ra.user_id in (select value from json_each(@only)))`,
        )
        .raw(true),
      cases: c
        .prepare(
          `select id, region_path, opened_on, closed_on, interval_history from cases
           where region_path >= ? and region_path < ? and opened_on <= ? and (closed_on is null or closed_on >= ?)`,
        )
        .raw(true),
      // the hottest read (every verified visit and update of a county over a year), answered from the
      // covering index work_entries_path_type_day_idx without touching the table
      // the hottest reads (every verified visit of a county over a year, and its recent updates), answered
      // from the covering index work_entries_path_type_day_idx without touching the table; a case's visit
      // days come as one list (fewer values to hand over than one row per visit)
      visits: c
        .prepare(
          `select case_id, group_concat(day) from work_entries
           where region_path >= ? and region_path < ? and type = 'visit' and status = 'verified' and day >= ? and day <= ? and case_id is not null
           group by case_id`,
        )
        .raw(true),
      // the latest update per case since the cut-off, and per village for whole-village updates (no case)
      updates: c
        .prepare(
          `select case_id, case when case_id is null then region_path end, max(day) from work_entries
           where region_path >= ? and region_path < ? and type = 'info_update' and status = 'verified' and day >= ? and day <= ?
           group by 1, 2`,
        )
        .raw(true),
    };
    cache.set(c, s);
  }
  return s;
}

/**
 * Computes the lines of every covered person (the rules' roles) of a county for a month, as of `today`
 * (the month's end if it is over). `onlyUserIds` restricts it to some people (adjustments, one person's
 * live status).
 */
export function computeCountyMonth(db: Db, countyPath: string, month: string, rules: SubsidyRules, today: string, onlyUserIds?: number[], readPath = countyPath): LineDraft[] {
  // readPath: the part of the county whose cases and work entries are read. A line only counts the cases
  // and reports under its own region, so one person's live status (liveStatus) reads their village or
  // township instead of the whole county: under load the county-wide read was most of /learn's time.
  const { start, end, days } = monthBounds(month);
  const asOf = end < today ? end : today;
  const monthStartMs = startMs(start);
  const monthEndMs = endMs(end);
  const asOfEndMs = endMs(asOf);

  // people in post at any time in the month (raw statements for the county-wide reads: at national scale
  // the query builder's per-row mapping was a fifth of the computation)
  const st = statements(db);
  const people = (
    st.people.all({
      from: countyPath,
      to: countyPath + '~',
      roles: JSON.stringify(rules.roles),
      monthEnd: monthEndMs,
      monthStart: monthStartMs,
      only: onlyUserIds ? JSON.stringify(onlyUserIds) : null,
    }) as [number, number, string, string, number, string, number, number | null, number][]
  )
    .map(([id, userId, name, role, regionId, regionPath, createdAt, endedAt, active]) => ({
      id,
      userId,
      name,
      role,
      regionId,
      regionPath,
      createdAt,
      endedAt,
      active: active === 1,
    }))
    // an assignment ended without a recorded time (before ended_at existed) is not counted
    .filter((p) => p.active || p.endedAt !== null);
  if (people.length === 0) return [];

  // cases of the county open at some time in the month, and their verified visit days
  const caseRows: CaseRow[] = (st.cases.all(readPath, readPath + '~', asOf, start) as [number, string, string, string | null, string][]).map(([id, regionPath, openedOn, closedOn, history]) => ({
    id,
    regionPath,
    openedOn,
    closedOn,
    intervalHistory: JSON.parse(history) as CaseRow['intervalHistory'],
  }));
  const visitDays = new Map<number, string[]>();
  const lastInfo = new Map<number, string>();
  const lastBatch = new Map<string, string>();
  // information counts as current when updated on or after the cut-off
  const infoCutoff = addDays(asOf, -rules.criteria.infoUpdates.maxAgeDays);
  if (caseRows.length > 0) {
    // only visits that can matter: from the longest interval before the month (a year is plenty)
    const from = addDays(start, -400);
    for (const [caseId, days] of st.visits.all(readPath, readPath + '~', from, asOf) as [number, string][]) visitDays.set(caseId, days.split(','));
    for (const [caseId, path, day] of st.updates.all(readPath, readPath + '~', infoCutoff, asOf) as [number | null, string | null, string][]) {
      if (caseId !== null) lastInfo.set(caseId, day);
      // an update of the village's records as a whole (批量更新) covers every case of the village
      else if (path !== null) lastBatch.set(path, day);
    }
  }

  // per case: visits due and met this month; open at the as-of day and its information up to date
  const perCase = caseRows.map((c) => {
    const v = countInPeriod(
      {
        openedOn: c.openedOn,
        closedOn: c.closedOn,
        intervalHistory: c.intervalHistory,
      },
      visitDays.get(c.id) ?? [],
      start,
      end,
      asOf,
    );
    const open = c.openedOn <= asOf && (c.closedOn === null || c.closedOn > asOf);
    // a case opened within the window counts as recorded (its record was made when it was opened)
    const current = open && (c.openedOn >= infoCutoff || (lastInfo.get(c.id) ?? '') >= infoCutoff || (lastBatch.get(c.regionPath) ?? '') >= infoCutoff);
    return { path: c.regionPath, due: v.due, met: v.met, open, current };
  });

  // required training overdue at the as-of day (due before it, not completed by the end of it)
  const userIds = [...new Set(people.map((p) => p.userId))];
  const overdueTraining = new Map<number, { n: number; due: string }>();
  for (const e of db
    .select({
      userId: enrollments.userId,
      dueDate: enrollments.dueDate,
      completedAt: enrollments.completedAt,
    })
    .from(enrollments)
    .where(
      and(
        withinSql(enrollments.regionPath, countyPath),
        sql`${enrollments.dueDate} < ${asOf}`,
        or(isNull(enrollments.completedAt), sql`${enrollments.completedAt} > ${asOfEndMs}`),
        onlyUserIds ? inArray(enrollments.userId, onlyUserIds) : undefined,
      ),
    )
    .all()) {
    const o = overdueTraining.get(e.userId);
    if (!o) overdueTraining.set(e.userId, { n: 1, due: e.dueDate });
    else {
      o.n++;
      if (e.dueDate < o.due) o.due = e.dueDate;
    }
  }

  // flagged visits whose report deadline passed by the as-of day and that were unreported at some time in
  // the month after it: still without a (non-returned) report, or reported late within or after the month
  const lapsed = db
    .select({
      path: workEntries.regionPath,
      dueAt: workEntries.reportDueAt,
      reportedAt: sql<number | null>`json_extract(rep.data, '$.reportedAt')`,
    })
    .from(workEntries)
    .leftJoin(sql`work_entries rep`, sql`rep.id = ${workEntries.linkedEntryId} and rep.status <> 'returned'`)
    .where(and(withinSql(workEntries.regionPath, readPath), eq(workEntries.type, 'visit'), eq(workEntries.flagged, true), lte(workEntries.reportDueAt, asOfEndMs)))
    .all();
  const missing = lapsed.filter((r) => r.reportedAt === null).map((r) => r.path);
  const late = lapsed.filter((r) => r.reportedAt !== null && r.dueAt !== null && r.reportedAt > r.dueAt && r.reportedAt >= monthStartMs).map((r) => r.path);

  // the latest annual rating before the month's year
  const year = Number(month.slice(0, 4));
  const ratings = new Map<string, { rating: Rating; year: number }>();
  for (const r of db
    .select({
      userId: performanceRatings.userId,
      role: performanceRatings.role,
      period: performanceRatings.period,
      rating: performanceRatings.rating,
    })
    .from(performanceRatings)
    .where(
      and(
        withinSql(performanceRatings.regionPath, countyPath),
        eq(performanceRatings.periodKind, 'year'),
        sql`${performanceRatings.period} < ${String(year)}`,
        onlyUserIds ? inArray(performanceRatings.userId, onlyUserIds) : undefined,
      ),
    )
    .all()) {
    const k = `${r.userId}:${r.role}`;
    const y = Number(r.period);
    if ((ratings.get(k)?.year ?? 0) < y) ratings.set(k, { rating: r.rating, year: y });
  }

  // everything per village path, so each person is a lookup (a county has hundreds of villages)
  type Agg = {
    due: number;
    met: number;
    open: number;
    current: number;
    missing: number;
    late: number;
  };
  const byPath = new Map<string, Agg>();
  const at = (path: string): Agg => {
    let a = byPath.get(path);
    if (!a) byPath.set(path, (a = { due: 0, met: 0, open: 0, current: 0, missing: 0, late: 0 }));
    return a;
  };
  for (const c of perCase) {
    const a = at(c.path);
    a.due += c.due;
    a.met += c.met;
    if (c.open) a.open++;
    if (c.current) a.current++;
  }
  for (const path of missing) at(path).missing++;
  for (const path of late) at(path).late++;
  const add = (x: Agg, y: Agg) => {
    x.due += y.due;
    x.met += y.met;
    x.open += y.open;
    x.current += y.current;
    x.missing += y.missing;
    x.late += y.late;
  };

  const out: LineDraft[] = [];
  for (const p of people) {
    const role = p.role as 'director' | 'supervisor';
    const within = (path: string) => path.startsWith(p.regionPath);
    const ids = pathIds(p.regionPath);
    const townshipId = ids[3] ?? p.regionId;
    // days in post in the month
    const fromDay = dayOf(p.createdAt) > start ? dayOf(p.createdAt) : start;
    const toDay = p.endedAt !== null && dayOf(p.endedAt) < end ? dayOf(p.endedAt) : end;
    const daysInPost = Math.max(0, Math.round((Date.parse(`${toDay}T00:00:00Z`) - Date.parse(`${fromDay}T00:00:00Z`)) / DAY) + 1);

    // a director's village is one key; a supervisor's township sums the villages under it
    const agg = { due: 0, met: 0, open: 0, current: 0, missing: 0, late: 0 };
    if (byPath.has(p.regionPath)) add(agg, byPath.get(p.regionPath)!);
    else if (role === 'supervisor') for (const [path, a] of byPath) if (within(path)) add(agg, a);
    const { due, met, current } = agg;
    const open = { length: agg.open };
    const overdue = overdueTraining.get(p.userId);
    const unreported = agg.missing;
    const lateReports = agg.late;
    const vMin = rules.criteria.visits.min;
    const iMin = rules.criteria.infoUpdates.min;

    const criteria: CriterionResult[] = [
      {
        key: 'inPost',
        met: daysInPost > 0 && (rules.proration === 'days' || daysInPost === days),
        text:
          daysInPost === days
            ? `本月在岗 ${days} 天（全月）`
            : rules.proration === 'days'
              ? `本月在岗 ${daysInPost} 天（共 ${days} 天），按天折算`
              : `本月在岗 ${daysInPost} 天（共 ${days} 天），按规则须全月在岗`,
      },
      {
        key: 'visits',
        met: due === 0 || met / due >= vMin,
        text: due === 0 ? '本月没有到期应走访的个案' : `本月应走访 ${due} 户次，已核实按时走访 ${met} 户次（${pct(met, due)}，${met / due >= vMin ? '达到' : '低于'} ${pct(vMin, 1)}）`,
      },
      {
        key: 'infoUpdates',
        met: open.length === 0 || current / open.length >= iMin,
        text:
          open.length === 0
            ? '没有跟进中的个案'
            : `跟进中的 ${open.length} 个个案中，${current} 个在 ${rules.criteria.infoUpdates.maxAgeDays} 天内更新过信息系统（${pct(current, open.length)}，${current / open.length >= iMin ? '达到' : '低于'} ${pct(iMin, 1)}）`,
      },
      {
        key: 'training',
        met: !overdue,
        text: overdue ? `有 ${overdue.n} 项必修培训逾期未完成（最早截止 ${overdue.due}）` : '必修培训没有逾期',
      },
      {
        key: 'reports',
        met: unreported === 0 && lateReports === 0,
        text: unreported > 0 ? `有 ${unreported} 次走访发现强制报告情形，逾期未记录报告` : lateReports > 0 ? `有 ${lateReports} 次强制报告晚于时限` : '没有逾期未报告的强制报告情形',
      },
    ];
    const metBy = new Map(criteria.map((c) => [c.key, c.met]));
    const components: ComponentResult[] = rules.components.map((c) => {
      const baseFen = Math.round(c.amountYuan * 100);
      const proratedFen = daysInPost >= days ? baseFen : rules.proration === 'days' ? Math.round((baseFen * daysInPost) / days) : 0;
      const unmet = c.requires.filter((k) => !metBy.get(k));
      return {
        key: c.key,
        name: c.name,
        baseFen,
        proratedFen,
        eligible: unmet.length === 0,
        unmet,
      };
    });
    const r = ratings.get(`${p.userId}:${role}`) ?? null;
    const multiplier = r ? rules.ratingMultiplier[r.rating] : rules.ratingMultiplier.none;
    const subtotal = components.reduce((s, c) => s + (c.eligible ? c.proratedFen : 0), 0);
    out.push({
      userId: p.userId,
      name: p.name,
      role,
      roleAssignmentId: p.id,
      regionId: p.regionId,
      regionPath: p.regionPath,
      townshipId,
      month,
      daysInPost,
      daysInMonth: days,
      criteria,
      components,
      rating: r?.rating ?? null,
      ratingYear: r?.year ?? null,
      multiplier,
      eligible: components.every((c) => c.eligible),
      amountFen: Math.round(subtotal * multiplier),
    });
  }
  return out;
}

const RATING_ZH: Record<Rating, string> = {
  excellent: '优秀',
  qualified: '合格',
  basic: '基本合格',
  unqualified: '不合格',
};

/** The multiplier's reason, in words. */
export function multiplierText(l: Pick<LineDraft, 'rating' | 'ratingYear' | 'multiplier'>): string {
  return l.rating && l.ratingYear ? `${l.ratingYear} 年度评价${RATING_ZH[l.rating]}，补贴系数 ${l.multiplier}` : `尚无上一年度评价，补贴系数 ${l.multiplier}`;
}

/** One line's amounts in words, e.g. 通讯补贴 50 元 + 交通补贴 0 元（未达标） × 1 = 50 元. */
export function amountText(l: Pick<LineDraft, 'components' | 'multiplier' | 'amountFen'>): string {
  const parts = l.components.map((c) => `${c.name} ${yuan(c.eligible ? c.proratedFen : 0)} 元${c.eligible ? '' : '（未达标）'}`);
  return `${parts.join(' + ')} × ${l.multiplier} = ${yuan(l.amountFen)} 元`;
}

export { yuan };
