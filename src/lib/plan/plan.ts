import { z } from 'zod';
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { policies, regions } from '../../../db/schema/index';
import { getPolicyInForce, type Policy } from '../policy/policy';
import { readStats, M, PLAN, type Stats } from '../dashboard/rollups';
import { getChildren, type Region } from '../org/regions';
import { isWithin } from '../org/scope';
import { listPublicCommended, publicCommendedYears, type PublicCommended } from '../fieldwork/commendations';

/**
 * 规划实施动态监测 (M17): the workforce plan's indicators, computed for a region from its rollup rows only
 * (src/lib/dashboard/rollups.ts: each row already counts the region and everything under it), against the
 * targets of the `plan-targets` policy in force for that region (province default, city or county
 * override effective from a date). Nothing here reads people, cases or entries one by one.
 */
export const PLAN_KIND = 'plan-targets';

export const PLAN_INDICATORS = ['directorStaffing', 'supervisorStaffing', 'trainingCoverage', 'caregiverCertified', 'visitsOnSchedule'] as const;
export type PlanIndicator = (typeof PLAN_INDICATORS)[number];

/** What an indicator counts: regions (vacancies, not people) are never suppressed; people and cases are. */
export const INDICATOR_BASIS: Record<PlanIndicator, 'regions' | 'people' | 'cases'> = {
  directorStaffing: 'regions',
  supervisorStaffing: 'regions',
  trainingCoverage: 'people',
  caregiverCertified: 'people',
  visitsOnSchedule: 'cases',
};

const share = z.number().min(0).max(1);
export const planTargetsSchema = z.object({
  exampleTargets: z.boolean().default(false),
  targets: z.object(Object.fromEntries(PLAN_INDICATORS.map((k) => [k, share])) as Record<PlanIndicator, typeof share>),
  smallCellMin: z.number().int().min(1).max(1000),
});
export type PlanTargets = z.infer<typeof planTargetsSchema>;

export interface TargetsInForce {
  policy: Policy;
  rules: PlanTargets;
}

/** The plan targets in force for a region on a day; a missing or malformed policy is a configuration error. */
export function planTargetsFor(db: Db, regionPath: string, day: string): TargetsInForce {
  return parseTargets(getPolicyInForce(db, PLAN_KIND, regionPath, day), regionPath, day);
}

/**
 * The same choice as `getPolicyInForce` for many regions at once (the public page resolves ~120, a
 * national database ~3,000): the few plan-targets versions effective by `day` are read and parsed once,
 * then each region takes the one of its deepest ancestor, latest effective date, latest id.
 */
export function planTargetsResolver(db: Db, day: string): (regionPath: string) => TargetsInForce {
  const rows = db.select().from(policies).where(and(eq(policies.kind, PLAN_KIND), lte(policies.effectiveFrom, day))).all();
  rows.sort((a, b) => b.regionPath.length - a.regionPath.length || b.effectiveFrom.localeCompare(a.effectiveFrom) || b.id - a.id);
  const parsed = new Map<number, TargetsInForce>();
  return (regionPath) => {
    const policy = rows.find((p) => regionPath.startsWith(p.regionPath)) ?? null;
    if (policy && parsed.has(policy.id)) return parsed.get(policy.id)!;
    const t = parseTargets(policy, regionPath, day);
    parsed.set(t.policy.id, t);
    return t;
  };
}

function parseTargets(policy: Policy | null, regionPath: string, day: string): TargetsInForce {
  if (!policy) throw new Error(`no ${PLAN_KIND} policy in force for ${regionPath} on ${day}`);
  const r = planTargetsSchema.safeParse(policy.body);
  if (!r.success) throw new Error(`${PLAN_KIND} policy ${policy.version}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { policy, rules: r.data };
}

export interface IndicatorValue {
  key: PlanIndicator;
  numerator: number;
  denominator: number;
  /** 0..1; null when there is nothing to count (denominator 0) or the figure is suppressed */
  value: number | null;
  target: number;
  /** 达标 / 未达标; null when there is no value */
  met: boolean | null;
  /** true when the figure rests on fewer people or cases than the small-cell minimum and is not shown */
  suppressed: boolean;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * The indicators of one region from its rollup figures. `year` is the calendar year of the training
 * figure. With `suppress`, a people- or case-based figure whose denominator is below the policy's
 * small-cell minimum loses its numbers (numerator, denominator and value all hidden).
 */
export function indicatorsFromStats(stats: Stats, year: string, rules: PlanTargets, opts: { suppress?: boolean } = {}): IndicatorValue[] {
  const staffRoles = ['director', 'supervisor', 'caregiver'] as const;
  const inPost = staffRoles.reduce((s, r) => s + stats.get(M[`${r}s` as 'directors' | 'supervisors' | 'caregivers']), 0);
  const trained = staffRoles.reduce((s, r) => s + stats.get(PLAN.trainedPrefix + r, year), 0);
  const active = stats.get(M.casesActive);
  const counts: Record<PlanIndicator, [number, number]> = {
    directorStaffing: [stats.get(M.villagesCovered), stats.get(M.villages)],
    supervisorStaffing: [stats.get(M.townshipsCovered), stats.get(M.townships)],
    trainingCoverage: [Math.min(trained, inPost), inPost],
    caregiverCertified: [Math.min(stats.get(PLAN.caregiversCertified), stats.get(M.caregivers)), stats.get(M.caregivers)],
    visitsOnSchedule: [Math.max(0, active - stats.get(M.casesOverdue)), active],
  };
  return PLAN_INDICATORS.map((key) => {
    const [n, d] = counts[key];
    const target = rules.targets[key];
    const suppressed = !!opts.suppress && INDICATOR_BASIS[key] !== 'regions' && d > 0 && d < rules.smallCellMin;
    if (suppressed) return { key, numerator: 0, denominator: 0, value: null, target, met: null, suppressed };
    const value = d > 0 ? round4(n / d) : null;
    return { key, numerator: n, denominator: d, value, target, met: value === null ? null : value >= target, suppressed };
  });
}

export interface RegionProgress {
  region: Pick<Region, 'id' | 'name' | 'fullName' | 'level' | 'path' | 'parentId'>;
  indicators: IndicatorValue[];
  /** the targets' policy: version, effective date, the region it belongs to and whether they are examples */
  policy: { version: string; effectiveFrom: string; regionId: number; exampleTargets: boolean };
}

type RegionLike = RegionProgress['region'];

/** Progress of each region against the targets in force for it on `day` (one read of rollup rows). */
export function planProgress(db: Db, list: RegionLike[], day: string, opts: { suppress?: boolean } = {}): RegionProgress[] {
  const year = day.slice(0, 4);
  const stats = readStats(db, list.map((r) => r.id), { periods: [year] });
  const targetsOf = planTargetsResolver(db, day);
  return list.map((region) => {
    const { policy, rules } = targetsOf(region.path);
    return {
      region,
      indicators: indicatorsFromStats(stats.get(region.id)!, year, rules, opts),
      policy: { version: policy.version, effectiveFrom: policy.effectiveFrom, regionId: policy.regionId, exampleTargets: rules.exampleTargets },
    };
  });
}

export interface PlanView {
  focus: RegionProgress;
  /** the focus region's children (down to townships); empty for a township */
  children: RegionProgress[];
  /** children can be opened in turn (they are cities or counties) */
  drillable: boolean;
}

/** Deepest level the monitoring page opens: a county, whose children are townships (leaf rows). */
export const PLAN_MAX_FOCUS_LEVEL = 3;

/**
 * The monitoring page's figures for a focus region inside the caller's jurisdiction (null when the region
 * lies outside it or is too deep). `suppress` is set for the evaluator's read-only view.
 */
export function planView(db: Db, scopePath: string, focus: Region, day: string, opts: { suppress?: boolean } = {}): PlanView | null {
  if (!isWithin(scopePath, focus.path) || focus.level > PLAN_MAX_FOCUS_LEVEL) return null;
  const children = focus.level < 4 ? getChildren(db, focus.id).filter((c) => c.level <= 4) : [];
  const all = planProgress(db, [focus, ...children], day, opts);
  return { focus: all[0]!, children: all.slice(1), drillable: focus.level + 1 <= PLAN_MAX_FOCUS_LEVEL };
}

// ------------------------------------------------------------------------------------------ public

export interface PublicResults {
  day: string;
  province: RegionProgress | null;
  cities: { city: RegionProgress; counties: RegionProgress[] }[];
  /** the latest year's approved commendations (names, village or township, year: the /commended data) */
  commended: { year: number | null; rows: PublicCommended[] };
}

/**
 * 向社会公布评估结果: the province, every city and every county, with small-cell suppression always on.
 * Aggregates only: no person is named or counted on their own here (the commended list is separate).
 */
export function publicResults(db: Db, day: string): PublicResults {
  const rows = db
    .select({ id: regions.id, name: regions.name, fullName: regions.fullName, level: regions.level, path: regions.path, parentId: regions.parentId })
    .from(regions)
    .where(inArray(regions.level, [1, 2, 3]))
    .orderBy(asc(regions.path))
    .all();
  const progress = planProgress(db, rows, day, { suppress: true });
  const province = progress.find((p) => p.region.level === 1) ?? null;
  const cities = progress
    .filter((p) => p.region.level === 2)
    .map((city) => ({ city, counties: progress.filter((p) => p.region.level === 3 && p.region.parentId === city.region.id) }));
  const year = publicCommendedYears(db)[0] ?? null;
  return { day, province, cities, commended: { year, rows: year === null ? [] : listPublicCommended(db, year) } };
}

const memo = new Map<string, { at: number; value: PublicResults }>();
/** How long a computed public page is reused by this process (also its Cache-Control max-age). */
export const PUBLIC_TTL_SECONDS = 300;

/**
 * The public results with a per-process memo: the page is open to anyone, so repeated requests within
 * PUBLIC_TTL_SECONDS on the same day reuse one computation (figures change at most that much later).
 */
export function publicResultsCached(db: Db, day: string, now = Date.now()): PublicResults {
  const hit = memo.get(day);
  if (hit && now - hit.at < PUBLIC_TTL_SECONDS * 1000) return hit.value;
  const value = publicResults(db, day);
  memo.clear();
  memo.set(day, { at: now, value });
  return value;
}

/** Forget the memo (tests, or after an administrator changes targets). */
export function clearPublicResultsMemo(): void {
  memo.clear();
}
