import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { auditLog, performanceRatings, policies } from '../../../db/schema/index';
import type { Rating } from '../../../db/schema/fieldwork';
import { listFlagged, recordAdjustment, listAdjustments } from '../../../src/lib/fieldwork/adjustments';
import { parsePeriod } from '../../../src/lib/fieldwork/periods';
import { FieldError } from '../../../src/lib/errors';
import type { FieldActor } from '../../../src/lib/fieldwork/cases';
import type { Region } from '../../../src/lib/org/regions';
import type { Db } from '../../../db/client';

/** 2026-07-15: 2026-Q2 has ended, Q3 is running */
const NOW = Date.UTC(2026, 6, 15, 4);

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
});
afterEach(() => t.cleanup());

const official = (region: Region): FieldActor => ({ userId: w.person('official', region), role: 'official', regionId: region.id, regionPath: region.path, ip: null });

function rate(userId: number, region: Region, period: string, rating: Rating, role: 'director' | 'supervisor' = 'director') {
  const policy = db.select().from(policies).where(eq(policies.kind, 'performance')).get()!;
  const score = { excellent: 95, qualified: 80, basic: 65, unqualified: 40 }[rating];
  db.insert(performanceRatings)
    .values({ userId, role, regionId: region.id, regionPath: region.path, periodKind: parsePeriod(period)!.kind, period, policyId: policy.id, policyVersion: policy.version, indicators: {}, score, rating, computedAt: NOW })
    .run();
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof FieldError ? `${e.field}:${e.key}` : String(e);
  }
  return 'ok';
};

describe('adjustment flags', () => {
  it('flag two consecutive ended periods of a policy kind rated 不合格, and nothing less', () => {
    const a = w.person('director', w.cgVillage, '两季不合格');
    rate(a, w.cgVillage, '2026-Q1', 'unqualified');
    rate(a, w.cgVillage, '2026-Q2', 'unqualified');
    const b = w.person('director', w.cgVillage2, '一季不合格');
    rate(b, w.cgVillage2, '2026-Q1', 'unqualified');
    rate(b, w.cgVillage2, '2026-Q2', 'basic');
    const c = w.person('director', w.bfVillage, '不连续');
    rate(c, w.bfVillage, '2025-Q4', 'unqualified');
    rate(c, w.bfVillage, '2026-Q2', 'unqualified');
    const d = w.person('director', w.bfVillage, '按月');
    rate(d, w.bfVillage, '2026-05', 'unqualified');
    rate(d, w.bfVillage, '2026-06', 'unqualified');
    const e = w.person('director', w.cgVillage, '本季未结束');
    rate(e, w.cgVillage, '2026-Q1', 'qualified');
    rate(e, w.cgVillage, '2026-Q2', 'unqualified');
    rate(e, w.cgVillage, '2026-Q3', 'unqualified'); // running: partial, not counted
    const f = w.person('supervisor', w.chengguan, '两年不合格');
    rate(f, w.chengguan, '2024', 'unqualified', 'supervisor');
    rate(f, w.chengguan, '2025', 'unqualified', 'supervisor');
    const g = w.person('director', w.hxVillage, '江陵');
    rate(g, w.hxVillage, '2026-Q1', 'unqualified');
    rate(g, w.hxVillage, '2026-Q2', 'unqualified');
    const flags = listFlagged(db, w.zhushan.path, NOW);
    expect(flags.map((x) => [x.name, x.periodKind, x.periods]).sort()).toEqual(
      [
        ['两季不合格', 'quarter', ['2026-Q1', '2026-Q2']],
        ['两年不合格', 'year', ['2024', '2025']],
      ].sort(),
    );
    const fa = flags.find((x) => x.userId === a)!;
    expect(fa.ratings).toEqual([
      { period: '2026-Q1', score: 40, rating: 'unqualified' },
      { period: '2026-Q2', score: 40, rating: 'unqualified' },
    ]);
    expect(fa.regionFullName).toContain('测试一村');
    expect(listFlagged(db, w.jiangling.path, NOW).map((x) => x.userId)).toEqual([g]);
    // once Q3 has ended, e's Q2 and Q3 count
    expect(listFlagged(db, w.zhushan.path, Date.UTC(2026, 9, 2)).some((x) => x.userId === e)).toBe(true);
  });

  it('a recorded action clears the flag for those periods only; it returns with new 不合格 periods', () => {
    const a = w.person('director', w.cgVillage, '两季不合格');
    rate(a, w.cgVillage, '2026-Q1', 'unqualified');
    rate(a, w.cgVillage, '2026-Q2', 'unqualified');
    const off = official(w.zhushan);
    const row = recordAdjustment(db, off, { userId: a, role: 'director', periods: ['2026-Q1', '2026-Q2'], action: 'retraining', note: '安排参加县级复训' }, NOW);
    expect(row).toMatchObject({ userId: a, role: 'director', periods: ['2026-Q1', '2026-Q2'], action: 'retraining', recordedBy: off.userId, regionPath: w.cgVillage.path });
    expect(listFlagged(db, w.zhushan.path, NOW)).toEqual([]);
    expect(listAdjustments(db, w.zhushan.path).map((x) => [x.name, x.action, x.note])).toEqual([['两季不合格', 'retraining', '安排参加县级复训']]);
    expect(listAdjustments(db, w.jiangling.path)).toEqual([]);
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'adjustment.record')).all()).toHaveLength(1);
    // recording the same again: no longer flagged
    expect(code(() => recordAdjustment(db, off, { userId: a, role: 'director', periods: ['2026-Q1', '2026-Q2'], action: 'other', note: '再记一次' }, NOW))).toBe('_form:v.perf.notFlagged');
    rate(a, w.cgVillage, '2026-Q3', 'unqualified');
    const later = Date.UTC(2026, 9, 2);
    expect(listFlagged(db, w.zhushan.path, later).map((x) => x.periods)).toEqual([['2026-Q2', '2026-Q3']]);
  });

  it('checks the action, the note, the flag and the jurisdiction', () => {
    const a = w.person('director', w.cgVillage);
    rate(a, w.cgVillage, '2026-Q1', 'unqualified');
    rate(a, w.cgVillage, '2026-Q2', 'unqualified');
    const off = official(w.zhushan);
    const input = { userId: a, role: 'director' as const, periods: ['2026-Q1', '2026-Q2'], action: 'replacement', note: '已调整人选' };
    expect(code(() => recordAdjustment(db, off, { ...input, action: 'fire' }, NOW))).toBe('adjustAction:v.choose');
    expect(code(() => recordAdjustment(db, off, { ...input, note: ' ' }, NOW))).toBe('adjustNote:v.perf.adjustNote');
    expect(code(() => recordAdjustment(db, off, { ...input, periods: ['2026-Q2'] }, NOW))).toBe('_form:v.perf.notFlagged');
    expect(code(() => recordAdjustment(db, official(w.jiangling), input, NOW))).toBe('_form:v.perf.notFlagged');
    expect(code(() => recordAdjustment(db, { ...off, role: 'supervisor' }, input, NOW))).toBe('_form:v.perf.officialsOnly');
    expect(code(() => recordAdjustment(db, off, input, NOW))).toBe('ok');
  });
});
