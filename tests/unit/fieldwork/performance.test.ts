import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { testContent } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { auditLog, lessonCompletions, lessons, performanceRatings, workEntries, roleAssignments } from '../../../db/schema/index';
import { dayStartMs } from '../../../src/lib/fieldwork/indicators';
import { computeRatings, livePerformance, listRatings, ratingSummary, listPersonRatings, getRatedPersonInScope, ratingFor, scoreIndicators, type Breakdown } from '../../../src/lib/fieldwork/performance';
import { performanceSchema, type PerformanceRules } from '../../../src/lib/fieldwork/rules';
import { parsePeriod } from '../../../src/lib/fieldwork/periods';
import { FieldError } from '../../../src/lib/errors';
import type { FieldActor } from '../../../src/lib/fieldwork/cases';
import type { Region } from '../../../src/lib/org/regions';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
/** 2026-10-15 12:00 China time */
const NOW = Date.UTC(2026, 9, 15, 4);
const at = (day: string, hh = 12) => dayStartMs(day) + hh * 3600_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
const defaults = loadPolicyDefaults('content');
const defaultBody = () => structuredClone(defaults.find((d) => d.kind === 'performance')!.body) as unknown as PerformanceRules;

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, defaults);
  syncContent(db, testContent(), NOW - 300 * DAY);
  db.update(lessons).set({ minutes: 60 }).run();
});
afterEach(() => t.cleanup());

const official = (region: Region): FieldActor => {
  const id = w.person('official', region);
  return { userId: id, role: 'official', regionId: region.id, regionPath: region.path, ip: '127.0.0.1' };
};

let seq = 0;
function outreach(userId: number, village: Region, day: string) {
  db.insert(workEntries)
    .values({ userId, clientId: `o-${++seq}`, type: 'outreach', villageId: village.id, regionPath: village.path, day, data: {}, situations: [], status: 'verified', submittedAt: at(day), decidedAt: at(day) + DAY, createdAt: at(day), updatedAt: at(day) })
    .run();
}
function learn(userId: number, n: number, day: string) {
  const ls = [...listLessons(db, getCourseBySlug(db, 'alpha')!.id), ...listLessons(db, getCourseBySlug(db, 'beta')!.id)];
  const done = db.select().from(lessonCompletions).where(eq(lessonCompletions.userId, userId)).all().length;
  for (const l of ls.slice(done, done + n)) db.insert(lessonCompletions).values({ userId, lessonId: l.id, completedAt: at(day) }).run();
}

describe('scoring', () => {
  it('rates by thresholds', () => {
    const th = { excellent: 90, qualified: 75, basic: 60 };
    expect(ratingFor(90, th)).toBe('excellent');
    expect(ratingFor(89.9, th)).toBe('qualified');
    expect(ratingFor(75, th)).toBe('qualified');
    expect(ratingFor(60, th)).toBe('basic');
    expect(ratingFor(59.9, th)).toBe('unqualified');
  });

  it('leaves out indicators that do not apply and rescales the remaining weights', () => {
    const rules = performanceSchema.parse(defaultBody());
    const ind = (value: number | null) => ({ value, numerator: 0, denominator: 0, detail: { key: 'x', params: {} } });
    const s = scoreIndicators('director', { trainingOnTime: ind(1), hours: ind(0.5), examAverage: ind(null), visitCompletion: ind(0.8), agreementCoverage: ind(null), reportTimeliness: ind(null), outreach: ind(1) }, rules)!;
    // weights 15 + 10 + 35 + 10 = 70; points 15 + 5 + 28 + 10 = 58
    expect(s.applicableWeight).toBe(70);
    expect(s.points).toBe(58);
    expect(s.score).toBe(82.9);
    expect(s.rating).toBe('qualified');
    expect(s.lines.examAverage).toMatchObject({ weight: 5, points: null });
    expect(s.lines.visitCompletion).toMatchObject({ weight: 35, points: 28 });
    expect(scoreIndicators('director', { examAverage: ind(null) }, rules)).toBeNull();
  });
});

describe('policy versions', () => {
  /** 竹山县's own version from 2026-07-01: hours weigh more and the bar is higher */
  function countyOverride() {
    const body = defaultBody();
    body.roles.director.hours = 30;
    body.thresholds = { excellent: 95, qualified: 80, basic: 60 };
    addPolicyVersion(db, { kind: 'performance', regionId: w.zhushan.id, version: '2026.7.0', effectiveFrom: '2026-07-01', body: body as unknown as Record<string, unknown>, note: '竹山县自定' }, NOW - 200 * DAY);
  }

  it('uses the version in force on the period end for the person region: the county override wins for periods ending after it', () => {
    countyOverride();
    const zs = w.person('director', w.cgVillage);
    const jl = w.person('director', w.hxVillage);
    for (const [u, v] of [[zs, w.cgVillage], [jl, w.hxVillage]] as const) {
      learn(u, 2, '2026-05-10'); // Q2: 2 h of 6
      learn(u, 3, '2026-08-10'); // Q3: 3 h of 6
      outreach(u, v, '2026-05-11');
      outreach(u, v, '2026-08-11');
    }
    const q2 = livePerformance(db, { userId: zs, role: 'director', regionId: w.cgVillage.id, regionPath: w.cgVillage.path }, parsePeriod('2026-Q2')!, NOW)!;
    expect(q2.policy.version).toBe('1.0.0');
    // province weights: hours 10 × 1/3, outreach 10 × 1 → 100 × 13.33 / 20
    expect(q2.score).toBe(66.7);
    expect(q2.rating).toBe('basic');
    const q3 = livePerformance(db, { userId: zs, role: 'director', regionId: w.cgVillage.id, regionPath: w.cgVillage.path }, parsePeriod('2026-Q3')!, NOW)!;
    expect(q3.policy).toMatchObject({ version: '2026.7.0', effectiveFrom: '2026-07-01', regionPath: w.zhushan.path });
    // county weights: hours 30 × 0.5 + outreach 10 × 1 → 100 × 25 / 40 = 62.5; county bar: basic
    expect(q3.score).toBe(62.5);
    expect(q3.rating).toBe('basic');
    // the year ends after the override too
    expect(livePerformance(db, { userId: zs, role: 'director', regionId: w.cgVillage.id, regionPath: w.cgVillage.path }, parsePeriod('2026')!, NOW)!.policy.version).toBe('2026.7.0');
    // 江陵县 keeps the province default: hours 10 × 0.5 + outreach 10 → 75 → 合格
    const jlQ3 = livePerformance(db, { userId: jl, role: 'director', regionId: w.hxVillage.id, regionPath: w.hxVillage.path }, parsePeriod('2026-Q3')!, NOW)!;
    expect(jlQ3.policy.version).toBe('1.0.0');
    expect(jlQ3.score).toBe(75);
    expect(jlQ3.rating).toBe('qualified');
  });

  it('stores the policy id and version used with each rating', () => {
    countyOverride();
    w.person('director', w.cgVillage);
    const off = official(w.shiyan);
    computeRatings(db, off, w.zhushan.id, '2026-Q2', NOW);
    computeRatings(db, off, w.zhushan.id, '2026-Q3', NOW);
    const rows = db.select().from(performanceRatings).all();
    expect(rows.find((r) => r.period === '2026-Q2')!.policyVersion).toBe('1.0.0');
    expect(rows.find((r) => r.period === '2026-Q3')!.policyVersion).toBe('2026.7.0');
    const b = rows.find((r) => r.period === '2026-Q3')!.indicators as Breakdown;
    expect(b.policy.id).toBe(rows.find((r) => r.period === '2026-Q3')!.policyId);
    expect(b.thresholds.excellent).toBe(95);
    expect(ratingSummary(db, w.zhushan.path, '2026-Q3').policies).toEqual([{ version: '2026.7.0', effectiveFrom: '2026-07-01', n: 1 }]);
  });
});

describe('computeRatings', () => {
  it('stores a rating for every active director and supervisor of the region, with the breakdown, and audits the run', () => {
    const d1 = w.person('director', w.cgVillage);
    const d2 = w.person('director', w.bfVillage);
    const s = w.person('supervisor', w.chengguan);
    const gone = w.person('director', w.cgVillage2);
    db.update(roleAssignments).set({ active: false }).where(eq(roleAssignments.userId, gone)).run();
    w.person('director', w.hxVillage); // another county
    w.person('trainer', w.zhushan);
    learn(d1, 5, '2026-08-01');
    outreach(d1, w.cgVillage, '2026-08-02');
    const off = official(w.zhushan);
    const r = computeRatings(db, off, w.zhushan.id, '2026-Q3', NOW);
    expect(r.rated).toBe(3);
    expect(r.policies).toEqual(['1.0.0']);
    const rows = db.select().from(performanceRatings).all();
    expect(rows.map((x) => `${x.userId}:${x.role}`).sort()).toEqual([`${d1}:director`, `${d2}:director`, `${s}:supervisor`].sort());
    const mine = rows.find((x) => x.userId === d1)!;
    expect(mine).toMatchObject({ periodKind: 'quarter', period: '2026-Q3', regionPath: w.cgVillage.path, computedBy: off.userId, computedAt: NOW });
    const b = mine.indicators as Breakdown;
    // hours 5 h of 6 → 0.8333 × 10; outreach 1 of 1 → 10; 100 × 18.33 / 20
    expect(b.lines.hours).toMatchObject({ value: 0.8333, weight: 10, points: 8.33, numerator: 5, denominator: 6 });
    expect(b.lines.visitCompletion).toMatchObject({ value: null, points: null, weight: 35 });
    expect(b.asOf).toBe('2026-09-30');
    expect(mine.score).toBe(91.7);
    expect(mine.rating).toBe('excellent');
    expect(r.byRating.excellent).toBe(1);
    const audit = db.select().from(auditLog).where(eq(auditLog.action, 'performance.compute')).all();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ period: '2026-Q3', rated: 3, people: 3 });
  });

  it('upserts: computing again replaces the ratings, never duplicates them', () => {
    const d = w.person('director', w.cgVillage);
    const off = official(w.zhushan);
    computeRatings(db, off, w.cgVillage.id, '2026', NOW);
    expect(db.select().from(performanceRatings).get()!.rating).toBe('unqualified');
    learn(d, 5, '2026-09-01');
    for (const day of ['2026-02-01', '2026-04-01', '2026-06-01', '2026-08-01']) outreach(d, w.cgVillage, day);
    computeRatings(db, off, w.cgVillage.id, '2026', NOW + 1000);
    const rows = db.select().from(performanceRatings).all();
    expect(rows).toHaveLength(1);
    // hours 5 of 24 → 0.2083 × 10 + outreach 10 → 100 × 12.08 / 20
    expect(rows[0]).toMatchObject({ score: 60.4, rating: 'basic', computedAt: NOW + 1000 });
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'performance.compute')).all()).toHaveLength(2);
  });

  it('checks the official, the region (inside the jurisdiction, county or below) and the period', () => {
    const off = official(w.zhushan);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof FieldError ? `${e.field}:${e.key}` : String(e);
      }
      return 'ok';
    };
    expect(code(() => computeRatings(db, off, w.jiangling.id, '2026-Q3', NOW))).toBe('regionId:v.regionOutOfScope');
    expect(code(() => computeRatings(db, official(w.province), w.shiyan.id, '2026-Q3', NOW))).toBe('regionId:v.perf.countyOrBelow');
    expect(code(() => computeRatings(db, off, w.zhushan.id, '2026-Q5', NOW))).toBe('perfPeriod:v.perf.period');
    expect(code(() => computeRatings(db, off, w.zhushan.id, '2026-11', NOW))).toBe('perfPeriod:v.perf.periodNotStarted');
    expect(code(() => computeRatings(db, off, w.zhushan.id, '2025', NOW))).toBe('perfPeriod:v.perf.noPolicy');
    expect(code(() => computeRatings(db, { ...off, role: 'supervisor' }, w.chengguan.id, '2026-Q3', NOW))).toBe('_form:v.perf.officialsOnly');
    expect(code(() => computeRatings(db, off, w.chengguan.id, '2026-Q3', NOW))).toBe('ok');
  });
});

describe('reading ratings', () => {
  it('lists ratings of a scope best first with the distribution, and a person only inside the scope', () => {
    const a = w.person('director', w.cgVillage, '甲');
    const b = w.person('director', w.bfVillage, '乙');
    const c = w.person('director', w.hxVillage, '丙');
    learn(a, 5, '2026-08-01');
    outreach(a, w.cgVillage, '2026-08-02');
    computeRatings(db, official(w.zhushan), w.zhushan.id, '2026-Q3', NOW);
    computeRatings(db, official(w.jiangling), w.jiangling.id, '2026-Q3', NOW);
    expect(listRatings(db, w.zhushan.path, '2026-Q3').map((r) => r.name)).toEqual(['甲', '乙']);
    expect(listRatings(db, w.province.path, '2026-Q3')).toHaveLength(3);
    expect(listRatings(db, w.chengguan.path, '2026-Q3').map((r) => r.userId)).toEqual([a]);
    const sum = ratingSummary(db, w.zhushan.path, '2026-Q3');
    expect(sum.total).toBe(2);
    expect(sum.byRating).toEqual({ excellent: 1, qualified: 0, basic: 0, unqualified: 1 });
    expect(sum.lastComputedAt).toBe(NOW);
    expect(listPersonRatings(db, w.zhushan.path, b, '2026-Q3')).toHaveLength(1);
    expect(listPersonRatings(db, w.zhushan.path, c)).toHaveLength(0);
    expect(getRatedPersonInScope(db, w.zhushan.path, c)).toBeNull();
    expect(getRatedPersonInScope(db, w.zhushan.path, b)).toMatchObject({ name: '乙', roles: [{ role: 'director' }] });
  });

  it('computes a person live without storing anything', () => {
    const d = w.person('director', w.cgVillage);
    const b = livePerformance(db, { userId: d, role: 'director', regionId: w.cgVillage.id, regionPath: w.cgVillage.path }, parsePeriod('2026-10')!, NOW)!;
    expect(b.asOf).toBe('2026-10-15');
    expect(b.rating).toBe('unqualified');
    expect(db.select().from(performanceRatings).all()).toHaveLength(0);
  });
});
