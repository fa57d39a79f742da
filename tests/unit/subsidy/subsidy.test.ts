import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { addPolicyVersion, getPolicyInForce } from '../../../src/lib/policy/policy';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, verifyEntries } from '../../../src/lib/fieldwork/entries';
import { computeCountyMonth } from '../../../src/lib/subsidy/compute';
import { subsidyRulesFor } from '../../../src/lib/subsidy/rules';
import { computeRun, submitRun, reviewTownship, approveRun, reopenRun, listLines, fileAppeal, appealOpinion, decideAppeal, liveStatus } from '../../../src/lib/subsidy/runs';
import { FieldError } from '../../../src/lib/errors';
import { roleAssignments, performanceRatings, subsidyLines, auditLog, notices } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;
const JUNE_10 = at('2026-06-10');

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let supervisor: FieldActor;
let official: FieldActor;
let jlOfficial: FieldActor;
let otherSupervisor: FieldActor;

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  supervisor = actorOf(w.person('supervisor', w.chengguan, '张三'));
  otherSupervisor = actorOf(w.person('supervisor', w.baofeng, '赵四'));
  official = actorOf(w.person('official', w.zhushan, '刘五'));
  jlOfficial = actorOf(w.person('official', w.jiangling, '吴六'));
  // everyone has been in post since last year
  db.update(roleAssignments).set({ createdAt: at('2025-01-01') }).run();
});
afterEach(() => t.cleanup());

const rules = () => subsidyRulesFor(db, w.zhushan.path, '2026-05-31')!.rules;

/** A 30-day case opened 1 April, visited 25 April and 20 May (both on time); returns the visit ids. */
function story(verifySecond = true): { caseId: number; visits: number[] } {
  const c = createCase(db, director, { code: 'S-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
  const visits = ['2026-04-25', '2026-05-20'].map((day, i) =>
    submitEntry(db, director, { type: 'visit', clientId: `sub-visit-${i}-xyz`, day, caseId: c.id, mode: 'in_person', findings: '孩子在家，生活正常。', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] }, at(day, 18)).entry.id,
  );
  verifyEntries(db, supervisor, verifySecond ? visits : [visits[0]!], at('2026-05-21'));
  return { caseId: c.id, visits };
}

function fieldErr(fn: () => unknown): FieldError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldError) return e;
    throw e;
  }
  throw new Error('expected a FieldError');
}

describe('eligibility', () => {
  it('a month with every criterion met pays both components, with reasons', () => {
    story();
    const [l] = computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10');
    expect(l!.userId).toBe(director.userId);
    expect(l!.eligible).toBe(true);
    expect(l!.amountFen).toBe(15000);
    const text = l!.criteria.map((c) => c.text).join('\n');
    expect(text).toContain('本月在岗 31 天（全月）');
    expect(text).toContain('本月应走访 2 户次，已核实按时走访 2 户次（100%，达到 90%）');
    expect(text).toContain('必修培训没有逾期');
    // supervisors are not covered by the default policy
    expect(computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10').map((x) => x.userId)).toEqual([director.userId]);
  });

  it('an unverified visit does not count: transport is not paid, and the reason says why', () => {
    story(false);
    const [l] = computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10');
    expect(l!.amountFen).toBe(5000);
    expect(l!.components.find((c) => c.key === 'transport')).toMatchObject({ eligible: false, unmet: ['visits'] });
    expect(l!.criteria.find((c) => c.key === 'visits')!.text).toBe('本月应走访 2 户次，已核实按时走访 1 户次（50%，低于 90%）');
  });

  it('prorates by days in post, and applies the multiplier of the latest annual rating', () => {
    story();
    db.update(roleAssignments).set({ active: false, endedAt: at('2026-05-16', 12) }).where(eq(roleAssignments.userId, director.userId)).run();
    const policy = getPolicyInForce(db, 'performance', w.zhushan.path, '2026-01-01')!;
    db.insert(performanceRatings).values({ userId: director.userId, role: 'director', regionId: director.regionId, regionPath: director.regionPath, periodKind: 'year', period: '2025', policyId: policy.id, policyVersion: policy.version, indicators: {}, score: 95, rating: 'excellent', computedAt: at('2026-01-05') }).run();
    const [l] = computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10');
    expect(l!.daysInPost).toBe(16);
    expect(l!.criteria[0]!.text).toBe('本月在岗 16 天（共 31 天），按天折算');
    expect(l!.multiplier).toBe(1.2);
    // (5000 + 10000) × 16/31 = 2581 + 5161, × 1.2
    expect(l!.amountFen).toBe(Math.round((2581 + 5161) * 1.2));
  });

  it('overdue training and a flagged visit left unreported stop the transport component', () => {
    const c = createCase(db, director, { code: 'S-002', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    const v = submitEntry(db, director, { type: 'visit', clientId: 'flagged-visit-1', day: '2026-04-25', caseId: c.id, mode: 'in_person', findings: '孩子长期无人照料', guardianshipAdequate: false, followUp: true, followUpNote: '', confirmNoReport: false, situations: ['abandoned_uncared'] }, at('2026-04-25', 18)).entry;
    verifyEntries(db, supervisor, [v.id], at('2026-04-26'));
    const [l] = computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10');
    expect(l!.criteria.find((x) => x.key === 'reports')).toMatchObject({ met: false, text: '有 1 次走访发现强制报告情形，逾期未记录报告' });
    expect(l!.amountFen).toBe(5000);
  });

  it('information updates: a case opened long ago needs an update of its own or of the whole village', () => {
    const c = createCase(db, director, { code: 'S-OLD', category: 'left_behind', guardianSituation: 'entrusted', risk: 'low', openedOn: '2025-12-01', note: '' }, at('2026-01-10'));
    const info = () => computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-06-10')[0]!.criteria.find((x) => x.key === 'infoUpdates')!;
    expect(info()).toMatchObject({ met: false, text: '跟进中的 1 个个案中，0 个在 90 天内更新过信息系统（0%，低于 90%）' });
    const batch = submitEntry(db, director, { type: 'info_update', clientId: 'info-batch-0001', day: '2026-05-10', caseId: null, note: '批量更新本村儿童信息' }, at('2026-05-10', 18)).entry;
    expect(info().met).toBe(false); // not verified yet
    verifyEntries(db, supervisor, [batch.id], at('2026-05-11'));
    expect(info()).toMatchObject({ met: true, text: '跟进中的 1 个个案中，1 个在 90 天内更新过信息系统（100%，达到 90%）' });
    void c;
  });

  it('uses the policy version in force for the month: a county override from June', () => {
    story();
    const body = { ...(getPolicyInForce(db, 'subsidy', w.zhushan.path, '2026-05-31')!.body as Record<string, unknown>) };
    body.components = [{ key: 'communication', name: '通讯补贴', amountYuan: 80, requires: ['inPost'] }];
    addPolicyVersion(db, { kind: 'subsidy', regionId: w.zhushan.id, version: '2.0.0', effectiveFrom: '2026-06-01', body });
    expect(subsidyRulesFor(db, w.zhushan.path, '2026-05-31')!.policy.version).toBe('1.0.0');
    expect(subsidyRulesFor(db, w.zhushan.path, '2026-06-30')!.policy.version).toBe('2.0.0');
    const run = computeRun(db, official, w.zhushan.id, '2026-06', at('2026-07-02'));
    expect(run.policyVersion).toBe('2.0.0');
    expect(run.totalFen).toBe(8000);
  });
});

describe('runs', () => {
  it('draft → township review → approval; approved runs are locked and audited', () => {
    story();
    const run = computeRun(db, official, w.zhushan.id, '2026-05', JUNE_10);
    expect(run).toMatchObject({ status: 'draft', lineCount: 1, eligibleCount: 1, totalFen: 15000, policyVersion: '1.0.0' });
    // recomputing a draft replaces its lines
    expect(computeRun(db, official, w.zhushan.id, '2026-05', JUNE_10).id).toBe(run.id);
    expect(db.select().from(subsidyLines).all()).toHaveLength(1);
    submitRun(db, official, run.id, JUNE_10);
    expect(fieldErr(() => computeRun(db, official, w.zhushan.id, '2026-05', JUNE_10)).key).toBe('v.subsidy.underReview');
    expect(fieldErr(() => approveRun(db, official, run.id, JUNE_10)).key).toBe('v.subsidy.reviewsMissing');
    // a supervisor of another township has nothing to review here
    expect(fieldErr(() => reviewTownship(db, otherSupervisor, run.id, '', JUNE_10)).key).toBe('v.notFound');
    expect(listLines(db, otherSupervisor.regionPath, run.id)).toHaveLength(0);
    expect(listLines(db, supervisor.regionPath, run.id)).toHaveLength(1);
    reviewTownship(db, supervisor, run.id, '已逐户核对', JUNE_10);
    const approved = approveRun(db, official, run.id, JUNE_10);
    expect(approved.status).toBe('approved');
    expect(fieldErr(() => computeRun(db, official, w.zhushan.id, '2026-05', JUNE_10)).key).toBe('v.subsidy.locked');
    expect(fieldErr(() => reopenRun(db, official, run.id, JUNE_10)).key).toBe('v.subsidy.notReviewing');
    const actions = db.select({ a: auditLog.action }).from(auditLog).all().map((r) => r.a);
    expect(actions).toEqual(expect.arrayContaining(['subsidy.compute', 'subsidy.submit', 'subsidy.review', 'subsidy.approve']));
  });

  it('only officials whose jurisdiction holds the county compute it; no future months', () => {
    expect(fieldErr(() => computeRun(db, jlOfficial, w.zhushan.id, '2026-05', JUNE_10)).key).toBe('v.subsidy.county');
    expect(fieldErr(() => computeRun(db, supervisor, w.zhushan.id, '2026-05', JUNE_10)).key).toBe('v.subsidy.officialsOnly');
    expect(fieldErr(() => computeRun(db, official, w.chengguan.id, '2026-05', JUNE_10)).key).toBe('v.subsidy.county');
    expect(fieldErr(() => computeRun(db, official, w.zhushan.id, '2026-07', JUNE_10)).key).toBe('v.subsidy.futureMonth');
    expect(fieldErr(() => computeRun(db, official, w.zhushan.id, '2026-13', JUNE_10)).key).toBe('v.subsidy.month');
  });

  function approve(month: string, now: number) {
    const run = computeRun(db, official, w.zhushan.id, month, now);
    submitRun(db, official, run.id, now);
    reviewTownship(db, supervisor, run.id, '', now);
    return approveRun(db, official, run.id, now);
  }

  it('a late verification becomes an adjustment of the next run, linked to the original line', () => {
    const { visits } = story(false);
    const may = approve('2026-05', JUNE_10);
    expect(may.totalFen).toBe(5000);
    verifyEntries(db, supervisor, [visits[1]!], at('2026-06-12'));
    const june = computeRun(db, official, w.zhushan.id, '2026-06', at('2026-07-02'));
    const lines = listLines(db, official.regionPath, june.id);
    const adj = lines.find((l) => l.kind === 'adjustment')!;
    const original = listLines(db, official.regionPath, may.id)[0]!;
    expect(adj).toMatchObject({ month: '2026-05', adjustsLineId: original.id, amountFen: 10000 });
    expect(adj.reason).toBe('补核实后重新计算：2026-05 应发 150.00 元，已发 50.00 元');
    expect(june.adjustmentFen).toBe(10000);
    // the approved May line never changed
    expect(original.amountFen).toBe(5000);
    // once paid, the adjustment is not made again
    const juneApproved = (submitRun(db, official, june.id, at('2026-07-02')), reviewTownship(db, supervisor, june.id, '', at('2026-07-02')), approveRun(db, official, june.id, at('2026-07-02')));
    expect(juneApproved.status).toBe('approved');
    const july = computeRun(db, official, w.zhushan.id, '2026-07', at('2026-08-02'));
    expect(listLines(db, official.regionPath, july.id).filter((l) => l.kind === 'adjustment' && l.month === '2026-05')).toHaveLength(0);
  });

  it('an appeal: filed by the director on their own approved line, opinion, upheld; paid as an adjustment', () => {
    story(false);
    const may = approve('2026-05', JUNE_10);
    const line = listLines(db, official.regionPath, may.id)[0]!;
    const other = actorOf(w.person('director', w.cgVillage2, '王七'));
    expect(fieldErr(() => fileAppeal(db, other, line.id, '我也有意见', JUNE_10)).key).toBe('v.notFound');
    const appeal = fileAppeal(db, director, line.id, '5月20日的走访已做，督导员尚未核实', JUNE_10);
    expect(fieldErr(() => fileAppeal(db, director, line.id, '再次申诉', JUNE_10)).key).toBe('v.subsidy.appealExists');
    expect(fieldErr(() => appealOpinion(db, otherSupervisor, appeal.id, '同意', JUNE_10)).key).toBe('v.notFound');
    appealOpinion(db, supervisor, appeal.id, '经核实，走访属实', JUNE_10);
    expect(fieldErr(() => decideAppeal(db, jlOfficial, appeal.id, { upheld: true, decision: '同意', correctedFen: 15000 }, JUNE_10)).key).toBe('v.notFound');
    decideAppeal(db, official, appeal.id, { upheld: true, decision: '同意补发交通补贴', correctedFen: 15000 }, JUNE_10);
    // each step reached the inbox of the person concerned, and nobody else's
    const kinds = (userId: number) => db.select().from(notices).where(and(eq(notices.userId, userId), eq(notices.category, 'subsidy'))).all().map((n) => n.kind);
    expect(kinds(supervisor.userId)).toEqual(['subsidy.review', 'subsidy.appeal']);
    expect(kinds(otherSupervisor.userId)).toEqual([]);
    expect(kinds(director.userId)).toEqual(['subsidy.approved', 'subsidy.appeal.decided']);
    expect(db.select().from(notices).where(eq(notices.kind, 'subsidy.appeal.decided')).get()!.title).toBe('补贴申诉已支持：更正为 150.00 元');
    const june = computeRun(db, official, w.zhushan.id, '2026-06', at('2026-07-02'));
    const adj = listLines(db, official.regionPath, june.id).find((l) => l.kind === 'adjustment')!;
    expect(adj).toMatchObject({ adjustsLineId: line.id, appealId: appeal.id, amountFen: 10000 });
    expect(adj.reason).toContain('申诉核定');
  });

  it('the director sees this month so far', () => {
    story();
    const live = liveStatus(db, director, at('2026-05-22'))!;
    expect(live.month).toBe('2026-05');
    // on 22 May the 25 May visit is not yet due: only what has fallen due so far counts
    expect(live.criteria.find((c) => c.key === 'visits')!.text).toBe('本月应走访 1 户次，已核实按时走访 1 户次（100%，达到 90%）');
    expect(liveStatus(db, supervisor, at('2026-05-22'))).toBeNull();
  });

  it('reads only the person\'s own region, and says exactly what the county-wide computation says', () => {
    story();
    // a second village of the township with its own case, an unreported flagged visit and a rating
    const other = actorOf(w.person('director', w.cgVillage2, '王七'));
    db.update(roleAssignments).set({ createdAt: at('2025-01-01') }).where(eq(roleAssignments.userId, other.userId)).run();
    const c = createCase(db, other, { code: 'S-900', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    const v = submitEntry(db, other, { type: 'visit', clientId: 'live-flagged-1', day: '2026-05-02', caseId: c.id, mode: 'in_person', findings: '孩子长期无人照料', guardianshipAdequate: false, followUp: true, followUpNote: '', confirmNoReport: false, situations: ['abandoned_uncared'] }, at('2026-05-02', 18)).entry;
    verifyEntries(db, supervisor, [v.id], at('2026-05-03'));
    const policy = getPolicyInForce(db, 'performance', w.zhushan.path, '2026-01-01')!;
    db.insert(performanceRatings).values({ userId: other.userId, role: 'director', regionId: other.regionId, regionPath: other.regionPath, periodKind: 'year', period: '2025', policyId: policy.id, policyVersion: policy.version, indicators: {}, score: 95, rating: 'excellent', computedAt: at('2026-01-05') }).run();
    const county = computeCountyMonth(db, w.zhushan.path, '2026-05', rules(), '2026-05-22');
    for (const who of [director, other]) {
      const live = liveStatus(db, who, at('2026-05-22'));
      expect(live).toEqual(county.find((l) => l.userId === who.userId));
    }
    // and the two lines differ (the other village's unreported visit is not the director's)
    expect(liveStatus(db, other, at('2026-05-22'))!.criteria.find((x) => x.key === 'reports')!.met).toBe(false);
    expect(liveStatus(db, director, at('2026-05-22'))!.criteria.find((x) => x.key === 'reports')!.met).toBe(true);
  });
});

void DAY;
