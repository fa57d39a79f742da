import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { bump, P } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { performanceRatings, regions, users } from '../../../db/schema/index';
import { RATINGS, type Rating } from '../../../db/schema/fieldwork';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { getRegion } from '../org/regions';
import { isWithin, withinSql } from '../org/scope';
import { dayOf } from '../time';
import { PERFORMANCE_KIND, type IndicatorKey, type PerformanceRules } from './rules';
import { getPolicyInForce, type Policy } from '../policy/policy';
import type { FieldActor } from './cases';
import { asOfDay, hasStarted, parsePeriod, type Period } from './periods';
import { computeIndicators, getRatedPerson, INDICATORS_BY_ROLE, listRatedPeople, type Indicator, type Indicators, type Person, type RatedRole } from './indicators';

/**
 * 履职评价: indicators → points → score → rating, under the performance policy in force for the person's
 * region on the period's last day. An indicator that does not apply (value null) is left out and the
 * remaining weights are rescaled. What is stored keeps every step, so anyone can see exactly why.
 */
export interface BreakdownLine extends Indicator {
  weight: number;
  /** value × weight, or null when not applicable */
  points: number | null;
}

export interface Breakdown {
  v: 1;
  role: RatedRole;
  period: string;
  periodKind: Period['kind'];
  start: string;
  end: string;
  asOf: string;
  policy: { id: number; version: string; effectiveFrom: string; regionPath: string; note: string | null };
  thresholds: PerformanceRules['thresholds'];
  lines: Partial<Record<IndicatorKey, BreakdownLine>>;
  /** Σ weights of the indicators that apply */
  applicableWeight: number;
  /** Σ points */
  points: number;
  score: number;
  rating: Rating;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** The rating a score earns under the thresholds (≥ excellent 优秀, ≥ qualified 合格, ≥ basic 基本合格). */
export function ratingFor(score: number, t: PerformanceRules['thresholds']): Rating {
  if (score >= t.excellent) return 'excellent';
  if (score >= t.qualified) return 'qualified';
  if (score >= t.basic) return 'basic';
  return 'unqualified';
}

/** 1 for 优秀 … 4 for 不合格: a rating is "at least" another when its rank is lower or equal. */
export function ratingRank(r: Rating): number {
  return RATINGS.indexOf(r) + 1;
}

/** Weights, points, score and rating of one person's indicators. Returns null when nothing applies. */
export function scoreIndicators(role: RatedRole, indicators: Indicators, rules: PerformanceRules): Pick<Breakdown, 'lines' | 'applicableWeight' | 'points' | 'score' | 'rating'> | null {
  const weights = rules.roles[role] as Record<string, number>;
  const lines: Breakdown['lines'] = {};
  let applicable = 0;
  let points = 0;
  for (const k of INDICATORS_BY_ROLE[role]) {
    const ind = indicators[k];
    if (!ind) continue;
    const weight = weights[k] ?? 0;
    const p = ind.value === null ? null : ind.value * weight;
    lines[k] = { ...ind, weight, points: p === null ? null : round2(p) };
    if (p !== null) {
      applicable += weight;
      points += p;
    }
  }
  if (applicable <= 0) return null;
  const score = round1((100 * points) / applicable);
  return { lines, applicableWeight: applicable, points: round2(points), score, rating: ratingFor(score, rules.thresholds) };
}

function breakdownOf(role: RatedRole, period: Period, asOf: string, policy: Policy, rules: PerformanceRules, indicators: Indicators): Breakdown | null {
  const s = scoreIndicators(role, indicators, rules);
  if (!s) return null;
  return {
    v: 1,
    role,
    period: period.key,
    periodKind: period.kind,
    start: period.start,
    end: period.end,
    asOf,
    policy: { id: policy.id, version: policy.version, effectiveFrom: policy.effectiveFrom, regionPath: policy.regionPath, note: policy.note },
    thresholds: rules.thresholds,
    ...s,
  };
}

/**
 * Whether a performance policy applies to a region on a day. Checking the region is enough for everyone
 * inside it: the versions of its ancestors apply to them too.
 */
export function hasPerformancePolicy(db: Db, regionPath: string, day: string): boolean {
  return getPolicyInForce(db, PERFORMANCE_KIND, regionPath, day) !== null;
}

/** One person's performance now, computed live and not stored (their own /work or /supervise view). */
export function livePerformance(db: Db, person: Person, period: Period, now = Date.now()): Breakdown | null {
  if (!hasPerformancePolicy(db, person.regionPath, period.end)) return null;
  const [r] = computeIndicators(db, [person], period, now);
  if (!r) return null;
  return breakdownOf(person.role, period, asOfDay(period, dayOf(now)), r.policy, r.rules, r.indicators);
}

export interface ComputeResult {
  rated: number;
  /** people to whom no indicator applied (no rating stored) */
  skipped: number;
  byRating: Record<Rating, number>;
  policies: string[];
}

/**
 * Computes and stores (upserts) the rating of every active director and supervisor in a region for a
 * period: a county or anything below it, inside the official's jurisdiction. One audit row per run.
 */
export function computeRatings(db: Db, actor: FieldActor, regionId: number, periodKey: string, now = Date.now()): ComputeResult {
  if (actor.role !== 'official') throw new FieldError('_form', 'v.perf.officialsOnly');
  const region = getRegion(db, regionId);
  if (!region || !isWithin(actor.regionPath, region.path)) throw new FieldError('regionId', 'v.regionOutOfScope');
  if (region.level < 3) throw new FieldError('regionId', 'v.perf.countyOrBelow');
  const period = parsePeriod(periodKey);
  if (!period) throw new FieldError('perfPeriod', 'v.perf.period');
  const today = dayOf(now);
  if (!hasStarted(period, today)) throw new FieldError('perfPeriod', 'v.perf.periodNotStarted');
  if (!hasPerformancePolicy(db, region.path, period.end)) throw new FieldError('perfPeriod', 'v.perf.noPolicy');
  const asOf = asOfDay(period, today);
  const people = listRatedPeople(db, region.path);
  const results = computeIndicators(db, people, period, now);
  const byRating: Record<Rating, number> = { excellent: 0, qualified: 0, basic: 0, unqualified: 0 };
  const versions = new Set<string>();
  let rated = 0;
  let skipped = 0;
  db.transaction((tx) => {
    for (const r of results) {
      const b = breakdownOf(r.person.role, period, asOf, r.policy, r.rules, r.indicators);
      if (!b) {
        skipped++;
        continue;
      }
      const values = {
        userId: r.person.userId,
        role: r.person.role,
        regionId: r.person.regionId,
        regionPath: r.person.regionPath,
        periodKind: period.kind,
        period: period.key,
        policyId: r.policy.id,
        policyVersion: r.policy.version,
        indicators: b,
        score: b.score,
        rating: b.rating,
        computedAt: now,
        computedBy: actor.userId,
      };
      const previous = tx
        .select({ rating: performanceRatings.rating, regionPath: performanceRatings.regionPath })
        .from(performanceRatings)
        .where(and(eq(performanceRatings.userId, values.userId), eq(performanceRatings.role, values.role), eq(performanceRatings.period, values.period)))
        .get();
      if (previous) bump(tx, previous.regionPath, `${P.ratingPrefix}${values.role}.${previous.rating}`, values.period, -1);
      bump(tx, values.regionPath, `${P.ratingPrefix}${values.role}.${values.rating}`, values.period, 1);
      tx.insert(performanceRatings)
        .values(values)
        .onConflictDoUpdate({ target: [performanceRatings.userId, performanceRatings.role, performanceRatings.period], set: values })
        .run();
      byRating[b.rating]++;
      versions.add(r.policy.version);
      rated++;
    }
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'performance.compute',
      entityType: 'region',
      entityId: region.id,
      regionPath: region.path,
      after: { period: period.key, asOf, people: people.length, rated, skipped, byRating, policies: [...versions] },
      ip: actor.ip,
      at: now,
    });
  });
  return { rated, skipped, byRating, policies: [...versions].sort() };
}

export type RatingRow = typeof performanceRatings.$inferSelect;

export interface RatingListRow {
  id: number;
  userId: number;
  role: RatedRole;
  name: string;
  regionName: string;
  regionFullName: string;
  score: number;
  rating: Rating;
  policyVersion: string;
  computedAt: number;
}

/** The period's kind leads the (kind, period, path) index, so it is always given. */
function periodConds(periodKey: string): SQL[] {
  const kind = parsePeriod(periodKey)?.kind ?? 'year';
  return [eq(performanceRatings.periodKind, kind), eq(performanceRatings.period, periodKey)];
}

const listColumns = {
  id: performanceRatings.id,
  userId: performanceRatings.userId,
  role: performanceRatings.role,
  name: users.name,
  regionName: regions.name,
  regionFullName: regions.fullName,
  score: performanceRatings.score,
  rating: performanceRatings.rating,
  policyVersion: performanceRatings.policyVersion,
  computedAt: performanceRatings.computedAt,
};

/** Stored ratings of a period in a scope, best score first. */
export function listRatings(db: Db, scopePath: string, periodKey: string, opts: { rating?: Rating; limit?: number; offset?: number } = {}): RatingListRow[] {
  const conds: SQL[] = [...periodConds(periodKey), withinSql(performanceRatings.regionPath, scopePath)];
  if (opts.rating) conds.push(eq(performanceRatings.rating, opts.rating));
  return db
    .select(listColumns)
    .from(performanceRatings)
    .innerJoin(users, eq(users.id, performanceRatings.userId))
    .innerJoin(regions, eq(regions.id, performanceRatings.regionId))
    .where(and(...conds))
    .orderBy(desc(performanceRatings.score), performanceRatings.userId)
    .limit(Math.min(opts.limit ?? 100, 500))
    .offset(opts.offset ?? 0)
    .all() as RatingListRow[];
}

export interface RatingSummary {
  total: number;
  byRating: Record<Rating, number>;
  /** policy versions used, with how many ratings each */
  policies: { version: string; effectiveFrom: string | null; n: number }[];
  lastComputedAt: number | null;
}

/** The rating distribution of a period in a scope, and the policy versions behind it. */
export function ratingSummary(db: Db, scopePath: string, periodKey: string): RatingSummary {
  const where = and(...periodConds(periodKey), withinSql(performanceRatings.regionPath, scopePath));
  const byRating: Record<Rating, number> = { excellent: 0, qualified: 0, basic: 0, unqualified: 0 };
  let total = 0;
  for (const r of db.select({ rating: performanceRatings.rating, n: sql<number>`count(*)` }).from(performanceRatings).where(where).groupBy(performanceRatings.rating).all()) {
    byRating[r.rating] = r.n;
    total += r.n;
  }
  const policies = db
    .select({ version: performanceRatings.policyVersion, effectiveFrom: sql<string | null>`(select effective_from from policies p where p.id = ${performanceRatings.policyId})`, n: sql<number>`count(*)` })
    .from(performanceRatings)
    .where(where)
    .groupBy(performanceRatings.policyId)
    .all();
  const last = db.select({ at: sql<number | null>`max(${performanceRatings.computedAt})` }).from(performanceRatings).where(where).get()?.at ?? null;
  return { total, byRating, policies, lastComputedAt: last };
}

export interface StoredRating extends RatingRow {
  name: string;
  regionFullName: string;
  breakdown: Breakdown;
}

/** A person's stored ratings inside a scope (newest period first), optionally for one period. */
export function listPersonRatings(db: Db, scopePath: string, userId: number, periodKey?: string): StoredRating[] {
  const conds: SQL[] = [eq(performanceRatings.userId, userId), withinSql(performanceRatings.regionPath, scopePath)];
  if (periodKey) conds.push(eq(performanceRatings.period, periodKey));
  return db
    .select({ r: performanceRatings, name: users.name, regionFullName: regions.fullName })
    .from(performanceRatings)
    .innerJoin(users, eq(users.id, performanceRatings.userId))
    .innerJoin(regions, eq(regions.id, performanceRatings.regionId))
    .where(and(...conds))
    .orderBy(desc(performanceRatings.period), performanceRatings.role)
    .limit(200)
    .all()
    .map((x) => ({ ...x.r, name: x.name, regionFullName: x.regionFullName, breakdown: x.r.indicators as Breakdown }));
}

/** A director or supervisor whose assignment lies inside a scope: the people an official may look at. */
export function getRatedPersonInScope(db: Db, scopePath: string, userId: number): { userId: number; name: string; roles: { role: RatedRole; regionFullName: string }[] } | null {
  const roles = (['director', 'supervisor'] as const).map((role) => getRatedPerson(db, userId, role)).filter((p) => p !== null && isWithin(scopePath, p.regionPath));
  const stored = listPersonRatings(db, scopePath, userId);
  if (roles.length === 0 && stored.length === 0) return null;
  const name = roles[0]?.name ?? stored[0]!.name;
  return { userId, name, roles: roles.map((p) => ({ role: p!.role, regionFullName: p!.regionFullName })) };
}
