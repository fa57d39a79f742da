import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { auditLog, commendations, performanceRatings, policies } from '../../../db/schema/index';
import type { Rating } from '../../../db/schema/fieldwork';
import { commendationCandidates, nominate, decideCommendation, listAwaitingDecision, listCommendations, listPublicCommended, publicCommendedYears, canDecide } from '../../../src/lib/fieldwork/commendations';
import { FieldError } from '../../../src/lib/errors';
import type { FieldActor } from '../../../src/lib/fieldwork/cases';
import type { Region } from '../../../src/lib/org/regions';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2027, 0, 20, 4);

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

/** A stored annual rating, as computeRatings would leave it (the indicators trimmed to what evidence reads). */
function rated(region: Region, score: number, rating: Rating, name?: string, role: 'director' | 'supervisor' = 'director', year = 2026) {
  const userId = w.person(role, region, name);
  const policy = db.select().from(policies).where(eq(policies.kind, 'performance')).get()!;
  db.insert(performanceRatings)
    .values({
      userId,
      role,
      regionId: region.id,
      regionPath: region.path,
      periodKind: 'year',
      period: String(year),
      policyId: policy.id,
      policyVersion: policy.version,
      indicators: { v: 1, lines: { hours: { value: 0.9 }, visitCompletion: { value: null } } },
      score,
      rating,
      computedAt: NOW,
    })
    .run();
  return userId;
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof FieldError ? `${e.field}:${e.key}` : String(e);
  }
  return 'ok';
};

describe('candidates', () => {
  it('are the top share (rounded up) of the county rated people, ties sharing a rank, of at least the minimum rating', () => {
    const top = rated(w.cgVillage, 97, 'excellent', '第一');
    const tie1 = rated(w.cgVillage2, 93, 'excellent', '并列甲');
    const tie2 = rated(w.bfVillage, 93, 'excellent', '并列乙', 'director');
    const fourth = rated(w.bfVillage, 91, 'excellent', '第四');
    for (let i = 0; i < 17; i++) rated(i % 2 ? w.cgVillage : w.bfVillage, 70 - i, 'basic');
    rated(w.hxVillage, 99, 'excellent', '江陵'); // another county
    const list = commendationCandidates(db, w.zhushan, 2026);
    // 21 rated × 10 % → 3 places; two share the 2nd
    expect(list.rated).toBe(21);
    expect(list.cutoff).toBe(3);
    expect(list.candidates.map((c) => c.userId)).toEqual([top, tie1, tie2]);
    expect(list.candidates.map((c) => c.evidence.rank)).toEqual([1, 2, 2]);
    expect(list.candidates[0]!.evidence).toMatchObject({ score: 97, rating: 'excellent', of: 21, period: '2026', policyVersion: '1.0.0', indicators: { hours: 0.9, visitCompletion: null } });
    expect(list.candidates.some((c) => c.userId === fourth)).toBe(false);
    expect(list.candidates[0]!.regionFullName).toContain('测试一村');
  });

  it('leave out people below the minimum rating even at the top', () => {
    rated(w.cgVillage, 88, 'qualified');
    rated(w.cgVillage, 80, 'qualified');
    expect(commendationCandidates(db, w.zhushan, 2026).candidates).toEqual([]);
    expect(commendationCandidates(db, w.zhushan, 2025).rated).toBe(0);
  });
});

describe('nominating and deciding', () => {
  function world() {
    const a = rated(w.cgVillage, 97, 'excellent', '甲');
    const b = rated(w.chengguan, 95, 'excellent', '乙', 'supervisor');
    const c = rated(w.bfVillage, 60, 'basic', '丙');
    for (let i = 0; i < 10; i++) rated(w.bfVillage, 50, 'unqualified');
    const jl = rated(w.hxVillage, 99, 'excellent', '丁');
    return { a, b, c, jl };
  }

  it('a county official nominates a candidate of the county with a reason and the evidence; every step is audited', () => {
    const { a } = world();
    const county = official(w.zhushan);
    const row = nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '全年走访按时，宣讲到位' }, NOW);
    expect(row).toMatchObject({ year: 2026, userId: a, role: 'director', status: 'nominated', nominatorPath: w.zhushan.path, nominatedBy: county.userId, regionPath: w.cgVillage.path });
    expect(row.evidence).toMatchObject({ score: 97, rating: 'excellent', rank: 1, of: 13 });
    expect(commendationCandidates(db, w.zhushan, 2026).candidates[0]!.nomination).toEqual({ id: row.id, status: 'nominated' });
    expect(code(() => nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '再次推荐一次' }, NOW))).toBe('_form:v.perf.alreadyNominated');
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'commendation.nominate')).all()).toHaveLength(1);
  });

  it('checks the reason, jurisdiction, candidacy and the nominator level', () => {
    const { a, c, jl } = world();
    const county = official(w.zhushan);
    expect(code(() => nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '好的' }, NOW))).toBe('nomReason:v.perf.reason');
    expect(code(() => nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '好'.repeat(201) }, NOW))).toBe('nomReason:v.perf.reason');
    expect(code(() => nominate(db, county, { year: 2026, userId: jl, role: 'director', reason: '表现很突出' }, NOW))).toBe('_form:v.notFound');
    expect(code(() => nominate(db, county, { year: 2026, userId: c, role: 'director', reason: '表现很突出' }, NOW))).toBe('_form:v.perf.notCandidate');
    expect(code(() => nominate(db, county, { year: 2026, userId: a, role: 'supervisor', reason: '表现很突出' }, NOW))).toBe('_form:v.notFound');
    expect(code(() => nominate(db, official(w.province), { year: 2026, userId: a, role: 'director', reason: '表现很突出' }, NOW))).toBe('_form:v.perf.nominateLevel');
    expect(code(() => nominate(db, official(w.chengguan), { year: 2026, userId: a, role: 'director', reason: '表现很突出' }, NOW))).toBe('_form:v.perf.nominateLevel');
    expect(code(() => nominate(db, { ...county, role: 'supervisor' }, { year: 2026, userId: a, role: 'director', reason: '表现很突出' }, NOW))).toBe('_form:v.perf.officialsOnly');
    // a city official may nominate in their whole city
    expect(code(() => nominate(db, official(w.shiyan), { year: 2026, userId: a, role: 'director', reason: '表现很突出' }, NOW))).toBe('ok');
  });

  it('the level above approves; nobody decides their own nomination, peers and foreign officials cannot', () => {
    const { a } = world();
    const county = official(w.zhushan);
    const peer = official(w.zhushan);
    const city = official(w.shiyan);
    const province = official(w.province);
    const other = official(w.jingzhou);
    const n = nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '全年走访按时，宣讲到位' }, NOW);
    expect(code(() => decideCommendation(db, county, n.id, { approve: true, note: '' }, NOW))).toBe('_form:v.perf.ownNomination');
    expect(code(() => decideCommendation(db, peer, n.id, { approve: true, note: '' }, NOW))).toBe('_form:v.perf.levelAbove');
    expect(code(() => decideCommendation(db, other, n.id, { approve: true, note: '' }, NOW))).toBe('_form:v.notFound');
    expect(listAwaitingDecision(db, county)).toHaveLength(0);
    expect(listAwaitingDecision(db, peer)).toHaveLength(0);
    expect(listAwaitingDecision(db, city).map((x) => x.id)).toEqual([n.id]);
    expect(listAwaitingDecision(db, province).map((x) => x.id)).toEqual([n.id]);
    expect(canDecide(city, n)).toBe(true);
    expect(canDecide(peer, n)).toBe(false);
    const done = decideCommendation(db, city, n.id, { approve: true, note: '同意' }, NOW + 1);
    expect(done).toMatchObject({ status: 'approved', decidedBy: city.userId, decidedAt: NOW + 1, decisionNote: '同意' });
    expect(code(() => decideCommendation(db, province, n.id, { approve: false, note: '不同意的理由' }, NOW))).toBe('_form:v.perf.alreadyDecided');
    expect(listAwaitingDecision(db, province)).toHaveLength(0);
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'commendation.approve')).all()).toHaveLength(1);
  });

  it('a city nomination goes to the province; declining needs a note', () => {
    const { a, b } = world();
    const city = official(w.shiyan);
    const county = official(w.zhushan);
    const province = official(w.province);
    const n = nominate(db, city, { year: 2026, userId: b, role: 'supervisor', reason: '督导核实及时准确' }, NOW);
    expect(code(() => decideCommendation(db, county, n.id, { approve: true, note: '' }, NOW))).toBe('_form:v.perf.levelAbove');
    expect(listAwaitingDecision(db, county)).toHaveLength(0);
    expect(code(() => decideCommendation(db, province, n.id, { approve: false, note: ' ' }, NOW))).toBe('decisionNote:v.perf.declineNote');
    expect(decideCommendation(db, province, n.id, { approve: false, note: '名额已满' }, NOW).status).toBe('declined');
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'commendation.decline')).all()).toHaveLength(1);
    const m = nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '全年走访按时，宣讲到位' }, NOW);
    decideCommendation(db, province, m.id, { approve: true, note: '' }, NOW);
    expect(listCommendations(db, w.zhushan.path, 2026).map((x) => [x.name, x.status])).toEqual([
      ['甲', 'approved'],
      ['乙', 'declined'],
    ]);
    expect(listCommendations(db, w.jiangling.path, 2026)).toHaveLength(0);
  });

  it('the public list holds approved names, their village and the year, and nothing else', () => {
    const { a, b } = world();
    const county = official(w.zhushan);
    const city = official(w.shiyan);
    const n = nominate(db, county, { year: 2026, userId: a, role: 'director', reason: '全年走访按时，宣讲到位' }, NOW);
    nominate(db, county, { year: 2026, userId: b, role: 'supervisor', reason: '督导核实及时准确' }, NOW); // not decided yet
    expect(listPublicCommended(db)).toEqual([]);
    decideCommendation(db, city, n.id, { approve: true, note: '' }, NOW);
    const list = listPublicCommended(db);
    expect(list).toEqual([{ year: 2026, name: '甲', regionFullName: w.cgVillage.fullName }]);
    expect(listPublicCommended(db, 2025)).toEqual([]);
    expect(publicCommendedYears(db)).toEqual([2026]);
    expect(db.select().from(commendations).all()).toHaveLength(2);
  });
});
