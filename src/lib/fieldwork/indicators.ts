import { and, asc, eq, inArray, isNotNull, ne, sql, type SQL, type AnyColumn } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../../db/client';
import { attempts, cases, enrollments, lessonCompletions, lessons, policies, regions, roleAssignments, users, workEntries } from '../../../db/schema/index';
import { withinSql, isWithin, pathIds } from '../org/scope';
import { addDays, dayOf } from '../time';
import type { Policy } from '../policy/policy';
import {
  DIRECTOR_INDICATORS,
  SUPERVISOR_INDICATORS,
  PERFORMANCE_KIND,
  VISIT_NORMS_KIND,
  performanceRulesFor,
  visitNormsFor,
  type IndicatorKey,
  type PerformanceRules,
  type RulesInForce,
  type VisitNorms,
} from './rules';
import { countInPeriod } from './schedule';
import { asOfDay, type Period } from './periods';

/**
 * 履职指标: what each rated person did in a period, measured from stored events (only verified work
 * entries count). Everything is computed for a whole set of people at once — a handful of grouped
 * queries per indicator, never a query per person — so a county (~450 people) takes milliseconds and a
 * province stays linear.
 */
export type RatedRole = 'director' | 'supervisor';
export const RATED_ROLES: readonly RatedRole[] = ['director', 'supervisor'];
export const INDICATORS_BY_ROLE: Record<RatedRole, readonly IndicatorKey[]> = { director: DIRECTOR_INDICATORS, supervisor: SUPERVISOR_INDICATORS };

export interface Person {
  userId: number;
  role: RatedRole;
  /** the role assignment's region (a village for directors, a township for supervisors) */
  regionId: number;
  regionPath: string;
}

export interface PersonRow extends Person {
  name: string;
  regionName: string;
  regionFullName: string;
}

/** Why a number is what it is: a catalog key (perf.detail.*) and its parameters. */
export interface Detail {
  key: string;
  params: Record<string, string | number>;
}

export interface Indicator {
  /** 0..1, or null when the indicator does not apply to the person in the period */
  value: number | null;
  numerator: number;
  denominator: number;
  detail: Detail;
}
export type Indicators = Partial<Record<IndicatorKey, Indicator>>;

export interface PersonIndicators {
  person: Person;
  policy: Policy;
  rules: PerformanceRules;
  indicators: Indicators;
}

const DAY = 86_400_000;
const CST = 8 * 3600_000;
/** China midnight at the start of a day, as epoch ms. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - CST;
}
const round1 = (n: number) => Math.round(n * 10) / 10;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
const share = (num: number, den: number) => (den > 0 ? round4(num / den) : null);

/** Active directors and supervisors whose assignment lies in a scope (one row per person and role). */
/** A rated person's assignment with their name and region (shared by the list and the one-person lookup). */
function selectPeople(db: Db) {
  return db
    .select({
      userId: roleAssignments.userId,
      role: roleAssignments.role,
      regionId: roleAssignments.regionId,
      regionPath: roleAssignments.regionPath,
      name: users.name,
      regionName: regions.name,
      regionFullName: regions.fullName,
    })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId));
}

export function listRatedPeople(db: Db, scopePath: string): PersonRow[] {
  const rows = selectPeople(db)
    .where(and(inArray(roleAssignments.role, [...RATED_ROLES]), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, scopePath)))
    .orderBy(asc(roleAssignments.id))
    .all();
  const seen = new Set<string>();
  const out: PersonRow[] = [];
  for (const r of rows) {
    const k = `${r.userId}:${r.role}`;
    if (seen.has(k)) continue; // a second assignment of the same role: the first one is rated
    seen.add(k);
    out.push({ ...r, role: r.role as RatedRole });
  }
  return out;
}

/** The person's active director or supervisor assignment (the first one), or null. */
export function getRatedPerson(db: Db, userId: number, role: RatedRole): PersonRow | null {
  const r = selectPeople(db)
    .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.role, role), eq(roleAssignments.active, true)))
    .orderBy(asc(roleAssignments.id))
    .get();
  return r ? { ...r, role } : null;
}

/**
 * Rules in force for many people at once. A person's rules are those of the deepest region holding a
 * version of the kind on their path; so people are grouped by that region and each group's rules are
 * looked up once (rules.ts does the lookup and validation).
 */
export function rulesResolver<T>(db: Db, kind: string, load: (db: Db, path: string, day: string) => RulesInForce<T>, day: string): (path: string) => RulesInForce<T> {
  const holders = db
    .selectDistinct({ path: policies.regionPath })
    .from(policies)
    .where(eq(policies.kind, kind))
    .all()
    .map((r) => r.path)
    .sort((a, b) => b.length - a.length);
  const cache = new Map<string, RulesInForce<T>>();
  return (path) => {
    const key = holders.find((h) => isWithin(h, path)) ?? path;
    let r = cache.get(key);
    if (!r) {
      r = load(db, key, day);
      cache.set(key, r);
    }
    return r;
  };
}

export const performanceResolver = (db: Db, day: string) => rulesResolver<PerformanceRules>(db, PERFORMANCE_KIND, performanceRulesFor, day);
export const visitNormsResolver = (db: Db, day: string) => rulesResolver<VisitNorms>(db, VISIT_NORMS_KIND, visitNormsFor, day);

/** The deepest path containing every given path ('/1/14/' for '/1/14/203/…' and '/1/14/207/…'). */
export function commonScope(paths: string[]): string {
  if (paths.length === 0) return '/';
  let ids = pathIds(paths[0]!);
  for (const p of paths.slice(1)) {
    const other = pathIds(p);
    let i = 0;
    while (i < ids.length && i < other.length && ids[i] === other[i]) i++;
    ids = ids.slice(0, i);
  }
  return ids.length ? `/${ids.join('/')}/` : '/';
}

/** Every ancestor path of a path, itself included ('/1/14/203/' → '/1/', '/1/14/', '/1/14/203/'). */
function ancestorPaths(path: string): string[] {
  const ids = pathIds(path);
  return ids.map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}

/** Sums of (a, b) pairs per region path, rolled up to every ancestor: a person's total is one lookup. */
class PathTotals {
  private m = new Map<string, [number, number]>();
  add(path: string, a: number, b: number): void {
    for (const p of ancestorPaths(path)) {
      const cur = this.m.get(p);
      if (cur) {
        cur[0] += a;
        cur[1] += b;
      } else this.m.set(p, [a, b]);
    }
  }
  get(path: string): [number, number] {
    return this.m.get(path) ?? [0, 0];
  }
}

/**
 * The indicators of every given person for a period, with the performance rules in force for each (the
 * version in force on the period's last day for the person's region). `now` fixes "today": counts stop
 * at the period's as-of day.
 */
export function computeIndicators(db: Db, people: Person[], period: Period, now: number): PersonIndicators[] {
  if (people.length === 0) return [];
  const today = dayOf(now);
  const asOf = asOfDay(period, today);
  const startMs = dayStartMs(period.start);
  const asOfEndMs = dayStartMs(addDays(asOf, 1));
  const scope = commonScope(people.map((p) => p.regionPath));
  const ids = [...new Set(people.map((p) => p.userId))];
  // small sets name their people; large ones (a county, a province) select them by scope in SQL
  const userIn = (col: AnyColumn): SQL =>
    ids.length <= 500
      ? inArray(col, ids)
      : sql`${col} in (select ${roleAssignments.userId} from ${roleAssignments} where ${roleAssignments.active} = 1 and ${roleAssignments.role} in ('director', 'supervisor') and ${withinSql(roleAssignments.regionPath, scope)})`;
  const perfRules = performanceResolver(db, period.end);
  const normsRules = visitNormsResolver(db, period.end);
  const hasRole = (r: RatedRole) => people.some((p) => p.role === r);

  // — training on time: enrolments due in the period (up to as-of), completed by the end of the due day
  const training = new Map<number, { due: number; onTime: number }>();
  for (const r of db
    .select({
      userId: enrollments.userId,
      due: sql<number>`count(*)`,
      onTime: sql<number>`sum(case when ${enrollments.completedAt} is not null and ${enrollments.completedAt} < (cast(strftime('%s', ${enrollments.dueDate}) as integer) + 57600) * 1000 then 1 else 0 end)`,
    })
    .from(enrollments)
    .where(and(userIn(enrollments.userId), sql`${enrollments.dueDate} >= ${period.start}`, sql`${enrollments.dueDate} <= ${asOf}`))
    .groupBy(enrollments.userId)
    .all())
    training.set(r.userId, { due: r.due, onTime: r.onTime ?? 0 });

  // — learning hours: lessons completed in the period
  const minutes = new Map<number, number>();
  for (const r of db
    .select({ userId: lessonCompletions.userId, minutes: sql<number>`sum(${lessons.minutes})` })
    .from(lessonCompletions)
    .innerJoin(lessons, eq(lessons.id, lessonCompletions.lessonId))
    .where(and(userIn(lessonCompletions.userId), sql`${lessonCompletions.completedAt} >= ${startMs}`, sql`${lessonCompletions.completedAt} < ${asOfEndMs}`))
    .groupBy(lessonCompletions.userId)
    .all())
    minutes.set(r.userId, r.minutes ?? 0);

  // — exam average: submitted certification-exam attempts
  const exams = new Map<number, { n: number; avg: number }>();
  for (const r of db
    .select({ userId: attempts.userId, n: sql<number>`count(*)`, avg: sql<number>`avg(${attempts.score})` })
    .from(attempts)
    .where(and(userIn(attempts.userId), isNotNull(attempts.examId), isNotNull(attempts.score), sql`${attempts.submittedAt} >= ${startMs}`, sql`${attempts.submittedAt} < ${asOfEndMs}`))
    .groupBy(attempts.userId)
    .all())
    exams.set(r.userId, { n: r.n, avg: r.avg ?? 0 });

  // — visits: obligations of the cases open in the period, met by verified visits (village totals)
  const visitTotals = new PathTotals(); // [due, met]
  const agreementTotals = new PathTotals(); // [needing, covered]
  {
    const caseRows = db
      .select({ id: cases.id, regionPath: cases.regionPath, category: cases.category, guardianSituation: cases.guardianSituation, openedOn: cases.openedOn, closedOn: cases.closedOn, intervalHistory: cases.intervalHistory })
      .from(cases)
      .where(and(withinSql(cases.regionPath, scope), sql`${cases.openedOn} <= ${asOf}`, sql`(${cases.closedOn} is null or ${cases.closedOn} >= ${period.start})`))
      .all();
    if (caseRows.length > 0) {
      const visitDays = new Map<number, string[]>();
      for (const v of db
        .select({ caseId: workEntries.caseId, day: workEntries.day })
        .from(workEntries)
        .where(and(withinSql(workEntries.regionPath, scope), eq(workEntries.type, 'visit'), eq(workEntries.status, 'verified'), isNotNull(workEntries.caseId), sql`${workEntries.day} <= ${asOf}`))
        .all()) {
        const list = visitDays.get(v.caseId!);
        if (list) list.push(v.day);
        else visitDays.set(v.caseId!, [v.day]);
      }
      for (const c of caseRows) {
        const r = countInPeriod(c, visitDays.get(c.id) ?? [], period.start, period.end, asOf);
        if (r.due > 0) visitTotals.add(c.regionPath, r.due, r.met);
      }
      // 委托照护协议: 留守 children cared for by someone entrusted, open at as-of, need a valid agreement
      const needing = caseRows.filter((c) => c.category === 'left_behind' && c.guardianSituation === 'entrusted' && (c.closedOn === null || c.closedOn > asOf));
      if (needing.length > 0 && hasRole('director')) {
        const covered = new Set<number>();
        for (const g of db
          .select({ caseId: workEntries.caseId, validUntil: sql<string | null>`json_extract(${workEntries.data}, '$.validUntil')` })
          .from(workEntries)
          .where(and(withinSql(workEntries.regionPath, scope), eq(workEntries.type, 'agreement'), eq(workEntries.status, 'verified'), isNotNull(workEntries.caseId), sql`${workEntries.day} <= ${asOf}`))
          .all())
          if (g.validUntil === null || g.validUntil === '' || g.validUntil >= asOf) covered.add(g.caseId!);
        for (const c of needing) agreementTotals.add(c.regionPath, 1, covered.has(c.id) ? 1 : 0);
      }
    }
  }

  // — mandatory reports: flagged visits in the period, reported in time and verified (by author)
  const reports = new Map<number, { n: number; ok: number }>();
  if (hasRole('director')) {
    const rep = alias(workEntries, 'rep');
    for (const r of db
      .select({
        userId: workEntries.userId,
        n: sql<number>`count(*)`,
        ok: sql<number>`sum(case when ${rep.status} = 'verified' and cast(json_extract(${rep.data}, '$.reportedAt') as integer) <= ${workEntries.reportDueAt} then 1 else 0 end)`,
      })
      .from(workEntries)
      .leftJoin(rep, eq(rep.id, workEntries.linkedEntryId))
      .where(and(userIn(workEntries.userId), eq(workEntries.type, 'visit'), eq(workEntries.flagged, true), ne(workEntries.status, 'returned'), sql`${workEntries.day} >= ${period.start}`, sql`${workEntries.day} <= ${asOf}`))
      .groupBy(workEntries.userId)
      .all())
      reports.set(r.userId, { n: r.n, ok: r.ok ?? 0 });
  }

  // — outreach: verified 政策宣讲 sessions in the period (by author)
  const outreach = new Map<number, number>();
  if (hasRole('director')) {
    for (const r of db
      .select({ userId: workEntries.userId, n: sql<number>`count(*)` })
      .from(workEntries)
      .where(and(userIn(workEntries.userId), eq(workEntries.type, 'outreach'), eq(workEntries.status, 'verified'), sql`${workEntries.day} >= ${period.start}`, sql`${workEntries.day} <= ${asOf}`))
      .groupBy(workEntries.userId)
      .all())
      outreach.set(r.userId, r.n);
  }

  // — verification: entries of the township submitted in the period, decided within the time limit.
  // Grouped by village and by whole days taken (decided) or waited so far (undecided), so each
  // supervisor's own limit applies afterwards without a query per person. An entry is judged once its
  // outcome is known: decided (on time or not), or undecided past the limit at the time of computing.
  const verifyBuckets = new Map<string, { decided: boolean; days: number; n: number }[]>();
  if (hasRole('supervisor')) {
    const decided = sql<number>`(${workEntries.decidedAt} is not null)`;
    // (bound numbers are REAL in SQLite: cast truncates to whole days)
    const days = sql<number>`min(400, cast(case when ${workEntries.decidedAt} is not null then (${workEntries.decidedAt} - ${workEntries.submittedAt} + ${DAY - 1}) / ${DAY} else (${now} - ${workEntries.submittedAt}) / ${DAY} end as integer))`;
    for (const r of db
      .select({ path: workEntries.regionPath, decided, days, n: sql<number>`count(*)` })
      .from(workEntries)
      .where(and(withinSql(workEntries.regionPath, scope), sql`${workEntries.submittedAt} >= ${startMs}`, sql`${workEntries.submittedAt} < ${asOfEndMs}`))
      .groupBy(workEntries.regionPath, decided, days)
      .all()) {
      for (const p of ancestorPaths(r.path)) {
        const list = verifyBuckets.get(p);
        const b = { decided: !!r.decided, days: r.days, n: r.n };
        if (list) list.push(b);
        else verifyBuckets.set(p, [b]);
      }
    }
  }

  return people.map((person) => {
    const inForce = perfRules(person.regionPath);
    const rules = inForce.rules;
    const ind: Indicators = {};
    const keys = INDICATORS_BY_ROLE[person.role];
    const tr = training.get(person.userId) ?? { due: 0, onTime: 0 };
    ind.trainingOnTime = { value: share(tr.onTime, tr.due), numerator: tr.onTime, denominator: tr.due, detail: { key: tr.due ? 'perf.detail.trainingOnTime' : 'perf.detail.trainingOnTime.none', params: { due: tr.due, onTime: tr.onTime } } };
    const hours = (minutes.get(person.userId) ?? 0) / 60;
    const hoursTarget = (rules.targets.hoursPerYear * period.months) / 12;
    ind.hours = { value: round4(Math.min(1, hours / hoursTarget)), numerator: round1(hours), denominator: round1(hoursTarget), detail: { key: 'perf.detail.hours', params: { hours: round1(hours), target: round1(hoursTarget) } } };
    const ex = exams.get(person.userId);
    ind.examAverage = ex
      ? { value: round4(Math.min(1, ex.avg / rules.targets.examScore)), numerator: round1(ex.avg), denominator: rules.targets.examScore, detail: { key: 'perf.detail.examAverage', params: { count: ex.n, average: round1(ex.avg), target: rules.targets.examScore } } }
      : { value: null, numerator: 0, denominator: rules.targets.examScore, detail: { key: 'perf.detail.examAverage.none', params: {} } };
    const [due, met] = visitTotals.get(person.regionPath);
    ind.visitCompletion = {
      value: share(met, due),
      numerator: met,
      denominator: due,
      detail: { key: due ? `perf.detail.visitCompletion.${person.role}` : 'perf.detail.visitCompletion.none', params: { due, met } },
    };
    if (person.role === 'director') {
      const [need, cov] = agreementTotals.get(person.regionPath);
      ind.agreementCoverage = { value: share(cov, need), numerator: cov, denominator: need, detail: { key: need ? 'perf.detail.agreementCoverage' : 'perf.detail.agreementCoverage.none', params: { need, covered: cov } } };
      const rp = reports.get(person.userId) ?? { n: 0, ok: 0 };
      ind.reportTimeliness = { value: share(rp.ok, rp.n), numerator: rp.ok, denominator: rp.n, detail: { key: rp.n ? 'perf.detail.reportTimeliness' : 'perf.detail.reportTimeliness.none', params: { flagged: rp.n, ok: rp.ok } } };
      const n = outreach.get(person.userId) ?? 0;
      const target = (rules.targets.outreachPerYear * period.months) / 12;
      ind.outreach = { value: round4(Math.min(1, n / target)), numerator: n, denominator: round1(target), detail: { key: 'perf.detail.outreach', params: { n, target: round1(target) } } };
    } else {
      const limit = normsRules(person.regionPath).rules.verifyWithinDays;
      let counted = 0;
      let onTime = 0;
      for (const b of verifyBuckets.get(person.regionPath) ?? []) {
        if (b.decided) {
          counted += b.n;
          if (b.days <= limit) onTime += b.n;
        } else if (b.days >= limit) counted += b.n;
      }
      ind.verifyTimeliness = { value: share(onTime, counted), numerator: onTime, denominator: counted, detail: { key: counted ? 'perf.detail.verifyTimeliness' : 'perf.detail.verifyTimeliness.none', params: { counted, onTime, days: limit } } };
    }
    const indicators: Indicators = {};
    for (const k of keys) if (ind[k]) indicators[k] = ind[k];
    return { person, policy: inForce.policy, rules, indicators };
  });
}
