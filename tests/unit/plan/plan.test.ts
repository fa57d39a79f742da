import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course } from '../../factories/content';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { completeLesson } from '../../../src/lib/learning/progress';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { issueCertificate } from '../../../src/lib/certification/certificates';
import { setPersonActive } from '../../../src/lib/people/people';
import { rebuildRollups, dumpStats, overdueAsOf, refreshOverdue, ensurePlanRollups, readStats, PLAN } from '../../../src/lib/dashboard/rollups';
import {
  planProgress,
  planView,
  publicResults,
  publicResultsCached,
  clearPublicResultsMemo,
  indicatorsFromStats,
  planTargetsFor,
  planTargetsResolver,
  PLAN_KIND,
  type IndicatorValue,
  type PlanIndicator,
} from '../../../src/lib/plan/plan';
import { roleAssignments, users, institutions, rollupState } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;
const NOW = at('2026-06-10');

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  clearPublicResultsMemo();
});
afterEach(() => t.cleanup());

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

const ind = (list: IndicatorValue[], k: PlanIndicator) => list.find((i) => i.key === k)!;

function finishCourse(userId: number, slug: string, now = NOW) {
  const c = getCourseBySlug(db, slug)!;
  for (const l of listLessons(db, c.id)) completeLesson(db, userId, l.id, now);
}

/** The rollups as kept by the events equal a recount from scratch. */
function expectConsistent() {
  const kept = Object.fromEntries(dumpStats(db));
  rebuildRollups(db, overdueAsOf(db) ?? '2026-06-10');
  expect(kept).toEqual(Object.fromEntries(dumpStats(db)));
}

describe('plan indicators from the rollups', () => {
  it('computes staffing, training, certification and visit figures per region, kept in step with events', () => {
    syncContent(db, { courses: [course('basic', 2)], curricula: [] }, NOW - 1000);
    rebuildRollups(db, '2026-06-10');
    // 竹山县 has three test villages (two under 城关镇, one under 宝丰镇)
    const d1 = w.person('director', w.cgVillage, '甲');
    const d2 = w.person('director', w.bfVillage, '乙');
    const s1 = w.person('supervisor', w.chengguan, '丙');
    const home = db.select().from(institutions).where(eq(institutions.regionId, w.shiyan.id)).get()!;
    const cg1 = w.person('caregiver', w.shiyan, '丁', home.id);
    const cg2 = w.person('caregiver', w.shiyan, '戊', home.id);
    // the factory writes people directly: count them as a roster import would
    rebuildRollups(db, '2026-06-10');

    // training: d1 completes a course this year (event path: countFirstCompletion), d2 completes one last year
    finishCourse(d1, 'basic');
    finishCourse(d2, 'basic', at('2025-11-01'));
    expect(readStats(db, [w.chengguan.id], { periods: ['2026'] }).get(w.chengguan.id)!.get(PLAN.trainedPrefix + 'director', '2026')).toBe(1);
    // certification: one caregiver holds a valid skill-level certificate (event path: certificates → plan)
    db.transaction((tx) => issueCertificate(tx as unknown as Db, { userId: cg1, kind: 'skill-level', level: '5', title: '孤残儿童护理员五级', hours: 0, basedOn: [], regionPath: w.shiyan.path }, NOW));
    // visits: two active cases in d1's village, one of them overdue by the time of the recount
    createCase(db, actorOf(d1), { code: 'A1', category: 'left_behind', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-01-02', note: '' }, at('2026-01-02'));
    createCase(db, actorOf(d1), { code: 'A2', category: 'left_behind', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-06-09', note: '' }, at('2026-06-09'));
    refreshOverdue(db, '2026-06-10');
    expectConsistent();

    const [zs, cg, sy] = planProgress(db, [w.zhushan, w.chengguan, w.shiyan], '2026-06-10');
    const z = zs!.indicators;
    expect(ind(z, 'directorStaffing')).toMatchObject({ numerator: 2, denominator: 3, value: 0.6667, target: 1, met: false });
    expect(ind(z, 'supervisorStaffing').numerator).toBe(1);
    expect(ind(z, 'supervisorStaffing').denominator).toBeGreaterThan(10);
    // two directors and one supervisor in post; only d1 trained this year
    expect(ind(z, 'trainingCoverage')).toMatchObject({ numerator: 1, denominator: 3, value: 0.3333, met: false });
    expect(ind(z, 'visitsOnSchedule')).toMatchObject({ numerator: 1, denominator: 2, value: 0.5, met: false });
    expect(ind(z, 'caregiverCertified')).toMatchObject({ numerator: 0, denominator: 0, value: null, met: null });
    expect(ind(cg!.indicators, 'directorStaffing')).toMatchObject({ numerator: 1, denominator: 2 });
    expect(ind(sy!.indicators, 'caregiverCertified')).toMatchObject({ numerator: 1, denominator: 2, value: 0.5, target: 0.8, met: false });

    // the certified caregiver leaves: no longer counted (staffing → plan), and a certificate for cg2 makes it 1/1
    setPersonActive(db, { userId: cg2, scopePath: w.province.path }, cg1, false, NOW);
    db.transaction((tx) => issueCertificate(tx as unknown as Db, { userId: cg2, kind: 'skill-level', level: '5', title: '孤残儿童护理员五级', hours: 0, basedOn: [], regionPath: w.shiyan.path }, NOW));
    expectConsistent();
    const [sy2] = planProgress(db, [w.shiyan], '2026-06-10');
    expect(ind(sy2!.indicators, 'caregiverCertified')).toMatchObject({ numerator: 1, denominator: 1, value: 1, met: true });
  });

  it('backfills the plan figures once on a database whose rollups predate them', () => {
    syncContent(db, { courses: [course('basic', 1)], curricula: [] }, NOW - 1000);
    const d1 = w.person('director', w.cgVillage, '甲');
    finishCourse(d1, 'basic');
    rebuildRollups(db, '2026-06-10');
    const full = Object.fromEntries(dumpStats(db));
    // as if built by a version without the plan group
    db.$client.prepare(`delete from region_stats where metric like 'plan.%'`).run();
    db.delete(rollupState).where(eq(rollupState.key, 'plan_counted')).run();
    expect(ensurePlanRollups(db)).toBe(true);
    expect(Object.fromEntries(dumpStats(db))).toEqual(full);
    expect(ensurePlanRollups(db)).toBe(false);
  });
});

describe('targets are versioned policy data', () => {
  it('uses the province default, then a county override from its effective date only in that county', () => {
    rebuildRollups(db, '2026-06-10');
    expect(planTargetsFor(db, w.zhushan.path, '2026-06-30').rules.targets.trainingCoverage).toBe(1);
    addPolicyVersion(db, {
      kind: PLAN_KIND,
      regionId: w.zhushan.id,
      version: '1.1.0',
      effectiveFrom: '2026-07-01',
      body: { exampleTargets: false, targets: { directorStaffing: 0.9, supervisorStaffing: 1, trainingCoverage: 0.5, caregiverCertified: 0.6, visitsOnSchedule: 0.9 }, smallCellMin: 10 },
    });
    const before = planProgress(db, [w.zhushan, w.jiangling], '2026-06-30');
    const after = planProgress(db, [w.zhushan, w.jiangling, w.chengguan, w.shiyan], '2026-07-01');
    expect(ind(before[0]!.indicators, 'directorStaffing').target).toBe(1);
    expect(before[0]!.policy).toMatchObject({ version: '1.0.0', exampleTargets: true, regionId: w.province.id });
    expect(ind(after[0]!.indicators, 'directorStaffing').target).toBe(0.9);
    expect(ind(after[0]!.indicators, 'trainingCoverage').target).toBe(0.5);
    expect(after[0]!.policy).toMatchObject({ version: '1.1.0', effectiveFrom: '2026-07-01', regionId: w.zhushan.id, exampleTargets: false });
    // the township inherits its county's override; the other county and the city keep the province default
    expect(ind(after[2]!.indicators, 'trainingCoverage').target).toBe(0.5);
    expect(ind(after[1]!.indicators, 'trainingCoverage').target).toBe(1);
    expect(ind(after[3]!.indicators, 'trainingCoverage').target).toBe(1);
    expect(planTargetsFor(db, w.zhushan.path, '2026-07-01').rules.smallCellMin).toBe(10);
  });

  it('judges 达标 against the target in force: the same figure meets a lowered target', () => {
    const d1 = w.person('director', w.cgVillage, '甲');
    w.person('director', w.cgVillage2, '乙');
    void d1;
    rebuildRollups(db, '2026-06-10');
    expect(ind(planProgress(db, [w.chengguan], '2026-06-10')[0]!.indicators, 'directorStaffing')).toMatchObject({ value: 1, met: true });
    expect(ind(planProgress(db, [w.zhushan], '2026-06-10')[0]!.indicators, 'directorStaffing')).toMatchObject({ value: 0.6667, met: false });
    addPolicyVersion(db, {
      kind: PLAN_KIND,
      regionId: w.zhushan.id,
      version: '2.0.0',
      effectiveFrom: '2026-06-01',
      body: { targets: { directorStaffing: 0.6, supervisorStaffing: 1, trainingCoverage: 1, caregiverCertified: 0.8, visitsOnSchedule: 0.95 }, smallCellMin: 5 },
    });
    expect(ind(planProgress(db, [w.zhushan], '2026-06-10')[0]!.indicators, 'directorStaffing')).toMatchObject({ value: 0.6667, target: 0.6, met: true });
  });

  it('resolves many regions at once exactly as the single lookup does', () => {
    const body = (x: number) => ({ targets: { directorStaffing: x, supervisorStaffing: 1, trainingCoverage: 1, caregiverCertified: 0.8, visitsOnSchedule: 0.95 }, smallCellMin: 5 });
    addPolicyVersion(db, { kind: PLAN_KIND, regionId: w.shiyan.id, version: '1.1.0', effectiveFrom: '2026-03-01', body: body(0.9) });
    addPolicyVersion(db, { kind: PLAN_KIND, regionId: w.zhushan.id, version: '1.2.0', effectiveFrom: '2026-05-01', body: body(0.8) });
    addPolicyVersion(db, { kind: PLAN_KIND, regionId: w.zhushan.id, version: '1.3.0', effectiveFrom: '2026-08-01', body: body(0.7) });
    addPolicyVersion(db, { kind: PLAN_KIND, regionId: w.province.id, version: '1.4.0', effectiveFrom: '2026-04-01', body: body(0.95) });
    const paths = db.$client.prepare('select path from regions where level <= 4').all() as { path: string }[];
    for (const day of ['2026-02-01', '2026-04-15', '2026-06-01', '2026-09-01']) {
      const resolve = planTargetsResolver(db, day);
      for (const { path } of paths) expect(resolve(path).policy.id, `${path} ${day}`).toBe(planTargetsFor(db, path, day).policy.id);
    }
    expect(planTargetsResolver(db, '2026-09-01')(w.chengguan.path).rules.targets.directorStaffing).toBe(0.7);
    expect(planTargetsResolver(db, '2026-06-01')(w.jiangling.path).rules.targets.directorStaffing).toBe(0.95);
  });

  it('rejects a malformed targets policy with its kind and version', () => {
    addPolicyVersion(db, { kind: PLAN_KIND, regionId: w.jiangling.id, version: '9.0.0', effectiveFrom: '2026-01-01', body: { targets: { directorStaffing: 2 }, smallCellMin: 0 } });
    expect(() => planTargetsFor(db, w.jiangling.path, '2026-06-10')).toThrow(/plan-targets policy 9\.0\.0/);
  });
});

describe('small-cell suppression', () => {
  const stats = (m: Record<string, number>) => ({ get: (k: string, p = '') => m[`${k}|${p}`] ?? 0, byPrefix: () => ({}) });
  const rules = { exampleTargets: true, targets: { directorStaffing: 1, supervisorStaffing: 1, trainingCoverage: 1, caregiverCertified: 0.8, visitsOnSchedule: 0.95 }, smallCellMin: 5 };

  it('hides people and case figures below the minimum, never the staffing of regions', () => {
    const s = stats({ 'regions.village|': 3, 'cover.village|': 2, 'staff.director|': 2, 'staff.supervisor|': 1, 'plan.trained.director|2026': 1, 'cases.active|': 4 });
    const open = indicatorsFromStats(s, '2026', rules);
    const hidden = indicatorsFromStats(s, '2026', rules, { suppress: true });
    expect(ind(open, 'trainingCoverage')).toMatchObject({ numerator: 1, denominator: 3, suppressed: false });
    expect(ind(hidden, 'trainingCoverage')).toEqual({ key: 'trainingCoverage', numerator: 0, denominator: 0, value: null, target: 1, met: null, suppressed: true });
    expect(ind(hidden, 'visitsOnSchedule')).toMatchObject({ value: null, suppressed: true });
    // 5 caregivers: at the minimum, shown (and they join the training base: 8 people, shown too)
    const five = indicatorsFromStats(stats({ 'staff.director|': 2, 'staff.supervisor|': 1, 'staff.caregiver|': 5, 'plan.certified|': 4 }), '2026', rules, { suppress: true });
    expect(ind(five, 'caregiverCertified')).toMatchObject({ numerator: 4, denominator: 5, value: 0.8, met: true, suppressed: false });
    expect(ind(five, 'trainingCoverage')).toMatchObject({ numerator: 0, denominator: 8, value: 0, met: false, suppressed: false });
    // villages are not people: 2 of 3 is shown
    expect(ind(hidden, 'directorStaffing')).toMatchObject({ numerator: 2, denominator: 3, suppressed: false });
  });

  it('never lets a count exceed its base (a person counted trained in two roles)', () => {
    const s = stats({ 'staff.director|': 1, 'plan.trained.director|2026': 1, 'plan.trained.supervisor|2026': 1 });
    expect(ind(indicatorsFromStats(s, '2026', rules), 'trainingCoverage')).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
  });
});

describe('monitoring view and public results', () => {
  it('opens regions inside the jurisdiction only, down to counties', () => {
    rebuildRollups(db, '2026-06-10');
    expect(planView(db, w.shiyan.path, w.zhushan, '2026-06-10')!.children.map((c) => c.region.level)).toContain(4);
    expect(planView(db, w.shiyan.path, w.shiyan, '2026-06-10')!.drillable).toBe(true);
    expect(planView(db, w.shiyan.path, w.zhushan, '2026-06-10')!.drillable).toBe(false);
    expect(planView(db, w.shiyan.path, w.jiangling, '2026-06-10')).toBeNull();
    expect(planView(db, w.zhushan.path, w.shiyan, '2026-06-10')).toBeNull();
    expect(planView(db, w.province.path, w.chengguan, '2026-06-10')).toBeNull();
  });

  it('publishes every city and county with suppression, and no phone or name of a person', () => {
    const people = [w.person('director', w.cgVillage, '欧阳一'), w.person('director', w.bfVillage, '欧阳二'), w.person('supervisor', w.chengguan, '欧阳三')];
    rebuildRollups(db, '2026-06-10');
    const r = publicResults(db, '2026-06-10');
    expect(r.province?.region.id).toBe(w.province.id);
    expect(r.cities.length).toBeGreaterThanOrEqual(13);
    const shiyan = r.cities.find((c) => c.city.region.id === w.shiyan.id)!;
    expect(shiyan.counties.map((c) => c.region.id)).toContain(w.zhushan.id);
    const zs = shiyan.counties.find((c) => c.region.id === w.zhushan.id)!;
    // 3 people in post in 竹山县: fewer than 5, so training coverage is not published
    expect(ind(zs.indicators, 'trainingCoverage').suppressed).toBe(true);
    expect(ind(zs.indicators, 'directorStaffing')).toMatchObject({ numerator: 2, denominator: 3 });
    const json = JSON.stringify(r);
    for (const id of people) {
      const u = db.select().from(users).where(eq(users.id, id)).get()!;
      expect(json).not.toContain(u.phone);
      expect(json).not.toContain(u.name);
    }
    expect(json).not.toMatch(/1[3-9]\d{9}/);
  });

  it('reuses one computation within the time-to-live', () => {
    rebuildRollups(db, '2026-06-10');
    const a = publicResultsCached(db, '2026-06-10', 1_000_000);
    w.person('director', w.cgVillage, '甲');
    rebuildRollups(db, '2026-06-10');
    expect(publicResultsCached(db, '2026-06-10', 1_000_000 + 60_000)).toBe(a);
    const b = publicResultsCached(db, '2026-06-10', 1_000_000 + 301_000);
    expect(b).not.toBe(a);
    const zs = (x: typeof a) => x.cities.flatMap((c) => c.counties).find((c) => c.region.id === w.zhushan.id)!;
    expect(ind(zs(b).indicators, 'directorStaffing').numerator).toBe(ind(zs(a).indicators, 'directorStaffing').numerator + 1);
  });
});
