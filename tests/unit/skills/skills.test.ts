import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { resolve } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, testBank } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug } from '../../../src/lib/learning/catalog';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { createExamWindow, startExamAttempt, closeExam } from '../../../src/lib/assessment/exams';
import { submitAttempt } from '../../../src/lib/assessment/attempts';
import { keyForDisplay } from '../../../src/lib/assessment/grading';
import { listCertificatesForUser, revokeCertificate } from '../../../src/lib/certification/certificates';
import { verifyToken } from '../../../src/lib/certification/signing';
import { getSigningKey } from '../../../src/lib/certification/signer';
import { getSkillPolicy, parseSkillRules, levelCodeOfName, type SkillRules } from '../../../src/lib/skills/rules';
import { getSkillPath } from '../../../src/lib/skills/path';
import { recordSkillAssessment, listRecordsInScope, caregiverSummaries } from '../../../src/lib/skills/records';
import { awardSkillLevels } from '../../../src/lib/skills/award';
import { getCaregiverInScope, listCaregiversInScope } from '../../../src/lib/skills/caregivers';
import { getSkillRegistry, getInstitutionInScope } from '../../../src/lib/skills/registry';
import { practicalFormSchema, hoursFormSchema, defenceFormSchema } from '../../../src/lib/skills/schemas';
import { parseWith } from '../../../src/lib/validation/form';
import { canOpen } from '../../../src/lib/auth/access';
import { attemptItems, questions, institutions, learnerSummary, auditLog, skillAssessments } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 1, 2); // 2026-06-01 10:00 in China
const MIN = 60_000;
const DAY = 86_400_000;
const DEFAULTS = loadPolicyDefaults(resolve('content')).find((d) => d.kind === 'skill-levels')!;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let cg: number;
let cityTrainer: number;
let countyTrainer: number;
let city: { userId: number; scopePath: string };
let shiyanHome: number;

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncContent(db, { courses: [{ ...course('caregiver-level-5', 2, { roles: ['caregiver'] }), bank: testBank('caregiver-level-5', { passMark: 60 }) }], curricula: [] }, NOW - DAY);
  syncPolicyDefaults(db, [DEFAULTS], NOW - DAY);
  shiyanHome = db.select().from(institutions).where(eq(institutions.regionId, w.shiyan.id)).get()!.id;
  cg = w.person('caregiver', w.shiyan, '赵桂芳', shiyanHome);
  cityTrainer = w.person('trainer', w.shiyan, '孙丽萍');
  countyTrainer = w.person('trainer', w.zhushan, '王慧敏');
  city = { userId: cityTrainer, scopePath: w.shiyan.path };
});
afterEach(() => t.cleanup());

const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
const path = (at = NOW) => getSkillPath(db, cg, day(at))!;
const level = (code: number, at = NOW) => path(at).levels.find((l) => l.code === code)!;
const fullMarks = (rules: SkillRules, share = 1) => Object.fromEntries(rules.areas.map((a) => [a.key, Math.round(a.max * share * 10) / 10]));
const rules = () => getSkillPolicy(db, w.shiyan.path, day(NOW))!.rules;

/** A theory exam on the caregiver course: the caregiver answers all right (or nothing), the trainer closes it. */
function sitExam(right: boolean, at: number) {
  const courseId = getCourseBySlug(db, 'caregiver-level-5')!.id;
  const exam = createExamWindow(db, city, { courseId, title: '五级理论考试', role: 'caregiver', regionId: w.shiyan.id, opensAt: at + MIN, closesAt: at + 60 * MIN, durationMinutes: 30, passMark: 60 }, at);
  const a = startExamAttempt(db, cg, exam, at + 2 * MIN);
  const rows = db.select({ it: attemptItems, q: questions }).from(attemptItems).innerJoin(questions, eq(questions.id, attemptItems.questionId)).where(eq(attemptItems.attemptId, a)).all();
  const answers = right ? Object.fromEntries(rows.map(({ it, q }) => [it.ord, q.type === 'fill' ? (q.answer as string[])[0] : keyForDisplay(q.type, q.answer, it.optionOrder)])) : {};
  submitAttempt(db, cg, a, answers, at + 10 * MIN);
  return { exam, close: () => closeExam(db, city, exam, at + 20 * MIN) };
}

describe('skill-level rules as data', () => {
  it('the province default: five levels with example hours, the level below, defence for 二级 and 一级, pass mark 60, six areas', () => {
    expect(DEFAULTS).toMatchObject({ kind: 'skill-levels', version: '1.0.0', effectiveFrom: '2026-01-01' });
    const r = parseSkillRules(DEFAULTS.body);
    expect(r.passMark).toBe(60);
    expect(r.hoursAreExampleDefaults).toBe(true);
    expect(r.levels.map((l) => [l.code, l.name, l.hours, l.requiresLevelBelow, l.defence, l.theoryCourse])).toEqual([
      [5, '五级/初级', 180, false, false, 'caregiver-level-5'],
      [4, '四级/中级', 160, true, false, null],
      [3, '三级/高级', 140, true, false, null],
      [2, '二级/技师', 120, true, true, null],
      [1, '一级/高级技师', 100, true, true, null],
    ]);
    expect(r.areas.map((a) => a.name)).toEqual(['职业道德', '生活照料', '保健与护理', '康复抚育', '心理支持', '安全与卫生']);
    expect(r.areas.reduce((s, a) => s + a.max, 0)).toBe(100);
  });

  it('refuses a broken version: rubric not adding to 100, a name not matching its code, 五级 with a level below', () => {
    const body = DEFAULTS.body as { areas: { key: string; name: string; max: number }[]; levels: Record<string, unknown>[] };
    expect(() => parseSkillRules({ ...body, areas: body.areas.slice(1) })).toThrow(/areas/);
    expect(() => parseSkillRules({ ...body, levels: [{ ...body.levels[0], name: '初级' }] })).toThrow(/numeral/);
    expect(() => parseSkillRules({ ...body, levels: [{ ...body.levels[0], requiresLevelBelow: true }] })).toThrow(/五级/);
    expect(levelCodeOfName('二级/技师')).toBe(2);
    expect(levelCodeOfName('技师')).toBeNull();
  });

  it('resolves the version in force by region and day; records keep the version they were made under', () => {
    const body = DEFAULTS.body as { levels: { code: number; hours: number }[] };
    addPolicyVersion(db, {
      kind: 'skill-levels',
      regionId: w.shiyan.id,
      version: '1.1.0',
      effectiveFrom: '2026-07-01',
      body: { ...body, levels: body.levels.map((l) => (l.code === 5 ? { ...l, hours: 100 } : l)) },
    });
    expect(getSkillPolicy(db, w.shiyan.path, '2026-06-30')!.policy.version).toBe('1.0.0');
    expect(getSkillPolicy(db, w.shiyan.path, '2026-07-01')!.policy.version).toBe('1.1.0');
    // another city keeps the province default
    expect(getSkillPolicy(db, w.jingzhou.path, '2026-08-01')!.policy.version).toBe('1.0.0');
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 120, note: '集中培训' }, NOW);
    expect(level(5).hours).toEqual({ earned: 120, required: 180, met: false });
    const july = Date.UTC(2026, 6, 2, 2);
    expect(path(july).policy.version).toBe('1.1.0');
    expect(level(5, july).hours).toEqual({ earned: 120, required: 100, met: true });
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 2, note: '补训' }, july);
    expect(db.select({ v: skillAssessments.policyVersion }).from(skillAssessments).all().map((r) => r.v)).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('a caregiver\'s path', () => {
  it('starts with everything missing, in Chinese, and says when a level has no theory course yet', () => {
    const p = path();
    expect(p.caregiver).toMatchObject({ name: '赵桂芳', institutionId: shiyanHome });
    expect(p.heldCode).toBeNull();
    expect(p.target?.code).toBe(5);
    expect(level(5).missing.map((m) => m.text)).toEqual([
      '培训学时还差 180 学时（已获 0，须 180）。',
      '理论知识考试：尚未通过（考试课程“课程caregiver-level-5”，60 分及格）。',
      '技能操作考核：尚无成绩（60 分及格）。',
    ]);
    const four = level(4);
    expect(four.theory.available).toBe(false);
    expect(four.missing.map((m) => m.key)).toEqual(['skills.missing.prerequisite', 'skills.missing.hours', 'skills.missing.theoryUnavailable', 'skills.missing.practical']);
    expect(four.missing[2]!.text).toContain('尚未开设');
    expect(level(2).defence.required).toBe(true);
    expect(level(2).missing.map((m) => m.key)).toContain('skills.missing.defence');
    expect(level(3).defence.required).toBe(false);
  });

  it('counts online hours across years plus credited offline hours; a correction replaces a row without changing it', () => {
    db.insert(learnerSummary).values([{ userId: cg, year: 2025, hours: 6, coursesCompleted: 1 }, { userId: cg, year: 2026, hours: 4.5, coursesCompleted: 1 }]).run();
    const first = recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 64, note: '岗前集中培训' }, NOW);
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 56, note: '实操训练' }, NOW + 1);
    expect(path().hours).toEqual({ online: 10.5, offline: 120, total: 130.5 });
    // 64 was a typo for 46
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 46, note: '岗前集中培训（更正）', correctsId: first.id }, NOW + 2);
    expect(path().hours.offline).toBe(102);
    expect(db.select().from(skillAssessments).where(eq(skillAssessments.id, first.id)).get()!.hours).toBe(64);
    // a row is corrected once; a correction of another kind is refused
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 1, note: '再改', correctsId: first.id }, NOW + 3)).toThrow(/v.skillCorrection/);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'defence', level: 2, score: 70, correctsId: first.id }, NOW + 3)).toThrow(/v.skillCorrection/);
    expect(level(5).missing[0]!.text).toBe('培训学时还差 67.5 学时（已获 112.5，须 180）。');
    // a new credit needs at least half an hour and a note
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 0, note: '无' }, NOW)).toThrow(/v.skillHours/);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 8, note: ' ' }, NOW)).toThrow(/v.skillHoursNote/);
  });

  it('practical: the rubric total passes at 60; scores are checked per area; the latest counts', () => {
    const r = rules();
    const bad = { ...fullMarks(r), ethics: 11 };
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: bad }, NOW)).toThrow(/a_ethics: v.skillScore/);
    const { care: _c, ...missingOne } = fullMarks(r);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: missingOne }, NOW)).toThrow(/a_care: v.required/);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: { ...fullMarks(r), care: 20.25 } }, NOW)).toThrow(/a_care/);
    // 59.5 of 100: not yet
    const low = { ethics: 6, care: 15, health: 12, rehab: 12, psych: 9, safety: 5.5 };
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: low }, NOW);
    expect(level(5).practical).toMatchObject({ score: 59.5, met: false });
    expect(level(5).missing.map((m) => m.text)).toContain('技能操作考核：最近一次 59.5 分，未达到 60 分。');
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(r, 0.6) }, NOW + DAY);
    expect(level(5).practical).toMatchObject({ score: 60, met: true });
    expect(level(5).missing.map((m) => m.key)).not.toContain('skills.missing.practical');
  });

  it('defence is recorded only for 二级 and 一级', () => {
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'defence', level: 5, score: 80 }, NOW)).toThrow(/v.skillNoDefence/);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'defence', level: 3, score: 80 }, NOW)).toThrow(/v.skillNoDefence/);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'defence', level: 2, score: 100.5 }, NOW)).toThrow(/score: v.skillScore/);
    recordSkillAssessment(db, city, cg, { kind: 'defence', level: 2, score: 55 }, NOW);
    expect(level(2).defence).toMatchObject({ required: true, score: 55, met: false });
    expect(level(2).missing.map((m) => m.text)).toContain('综合答辩：最近一次 55 分，未达到 60 分。');
    recordSkillAssessment(db, city, cg, { kind: 'defence', level: 1, score: 75 }, NOW);
    expect(level(1).defence.met).toBe(true);
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'practical', level: 6, areas: {} }, NOW)).toThrow(/v.skillLevel/);
  });
});

describe('the level certificate', () => {
  it('counts only released exam results and is issued exactly once when the last part is met (the exam closing)', () => {
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 200, note: '集中培训' }, NOW);
    const done = recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(rules(), 0.8) }, NOW);
    expect(done.issued).toEqual([]);
    const { close } = sitExam(true, NOW + DAY);
    // submitted and passed, but results are not released until the trainer closes the window
    expect(level(5).theory).toMatchObject({ score: null, met: false });
    expect(listCertificatesForUser(db, cg)).toHaveLength(0);
    close();
    const certs = listCertificatesForUser(db, cg);
    expect(certs).toHaveLength(1);
    expect(certs[0]).toMatchObject({ kind: 'skill-level', level: '五级/初级', title: '孤残儿童护理员职业技能等级（五级/初级）', hours: 200, status: 'valid', basedOn: [] });
    expect(verifyToken(getSigningKey().publicKeyB64, certs[0]!.token)).toMatchObject({ ok: true, payload: { k: 'skill-level', h: 200 } });
    expect(level(5)).toMatchObject({ held: true, complete: false, missing: [], theory: { score: 100, met: true } });
    expect(path().heldCode).toBe(5);
    // later checks and records issue nothing more
    expect(awardSkillLevels(db, cg, NOW + 2 * DAY)).toEqual([]);
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 4, hours: 10, note: '四级培训' }, NOW + 2 * DAY);
    expect(listCertificatesForUser(db, cg)).toHaveLength(1);
    // a certified level takes no more scores
    expect(() => recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(rules()) }, NOW + 2 * DAY)).toThrow(/v.skillLevelHeld/);
    const award = db.select().from(auditLog).where(eq(auditLog.action, 'skills.award')).get()!;
    expect(JSON.parse(award.after!)).toMatchObject({ level: '五级/初级', policyVersion: '1.0.0', theory: 100, practical: 80 });
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'skills.practical')).get()).toMatchObject({ actorUserId: cityTrainer, regionPath: w.shiyan.path });
  });

  it('a failed theory exam is reported with its score and issues nothing', () => {
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 200, note: '集中培训' }, NOW);
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(rules(), 0.8) }, NOW);
    sitExam(false, NOW + DAY).close();
    expect(level(5).theory).toMatchObject({ score: 0, met: false });
    expect(level(5).missing.map((m) => m.text)).toEqual(['理论知识考试：最好成绩 0 分，未达到 60 分。']);
    expect(listCertificatesForUser(db, cg)).toHaveLength(0);
  });

  it('higher levels: hours are used up by the certified level below, the level below is required, 二级 needs the defence', () => {
    // a city version where every level's theory exam uses the caregiver course
    const body = DEFAULTS.body as { levels: Record<string, unknown>[] };
    addPolicyVersion(db, { kind: 'skill-levels', regionId: w.shiyan.id, version: '2.0.0', effectiveFrom: '2026-01-01', body: { ...body, levels: body.levels.map((l) => ({ ...l, theoryCourse: 'caregiver-level-5' })) } });
    sitExam(true, NOW - DAY).close();
    const r = rules();
    // 四级 practical first: without 五级 it is not issued
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 4, areas: fullMarks(r, 0.7) }, NOW);
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 250, note: '集中培训' }, NOW);
    // 250 hours: 180 are set aside for 五级, which must come first
    expect(level(4).missing.map((m) => m.text)).toEqual(['须先取得五级/初级证书。', '培训学时还差 90 学时（已获 70，须 160）。']);
    expect(listCertificatesForUser(db, cg)).toHaveLength(0);
    // the 五级 practical completes 五级; 250 − 180 = 70 hours are left for 四级
    const r5 = recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(r, 0.9) }, NOW + 1);
    expect(r5.issued.map((c) => c.level)).toEqual(['五级/初级']);
    expect(level(4).hours).toEqual({ earned: 70, required: 160, met: false });
    expect(level(4).prerequisite.met).toBe(true);
    // 90 more hours: 四级 now complete and issued at once; then 三级 starts from 0
    const r4 = recordSkillAssessment(db, city, cg, { kind: 'hours', level: 4, hours: 90, note: '四级培训' }, NOW + 2);
    expect(r4.issued.map((c) => c.level)).toEqual(['四级/中级']);
    expect(level(3).hours.earned).toBe(0);
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 3, hours: 260, note: '三级、二级培训' }, NOW + 3);
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 3, areas: fullMarks(r) }, NOW + 4);
    expect(level(2).missing.map((m) => m.key)).toEqual(['skills.missing.practical', 'skills.missing.defence']);
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 2, areas: fullMarks(r) }, NOW + 5);
    expect(listCertificatesForUser(db, cg).map((c) => c.level)).toEqual(['三级/高级', '四级/中级', '五级/初级']);
    expect(level(2).missing.map((m) => m.key)).toEqual(['skills.missing.defence']);
    const r2 = recordSkillAssessment(db, city, cg, { kind: 'defence', level: 2, score: 60 }, NOW + 6);
    expect(r2.issued.map((c) => c.level)).toEqual(['二级/技师']);
    expect(level(2).hours.earned).toBe(120);
    expect(path().heldCode).toBe(2);
  });

  it('without the prerequisite rule a level can be certified directly; a revoked level is never re-issued', () => {
    const body = DEFAULTS.body as { levels: Record<string, unknown>[] };
    addPolicyVersion(db, {
      kind: 'skill-levels',
      regionId: w.shiyan.id,
      version: '2.1.0',
      effectiveFrom: '2026-01-01',
      body: { ...body, levels: body.levels.map((l) => ({ ...l, theoryCourse: 'caregiver-level-5', requiresLevelBelow: false })) },
    });
    sitExam(true, NOW - DAY).close();
    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 4, hours: 170, note: '培训' }, NOW);
    const r = recordSkillAssessment(db, city, cg, { kind: 'practical', level: 4, areas: fullMarks(rules(), 0.7) }, NOW);
    expect(r.issued.map((c) => c.level)).toEqual(['四级/中级']);
    const official = w.person('official', w.shiyan);
    revokeCertificate(db, { userId: official, scopePath: w.shiyan.path }, r.issued[0]!.id, '考核材料不实', NOW + 1);
    expect(awardSkillLevels(db, cg, NOW + 2)).toEqual([]);
    expect(level(4)).toMatchObject({ held: false, complete: false });
    expect(level(4).missing[0]!.key).toBe('skills.missing.revoked');
  });
});

describe('jurisdiction', () => {
  it('only an assessor whose region contains the caregiver\'s city sees or records; the registry follows scope', () => {
    const county = { userId: countyTrainer, scopePath: w.zhushan.path };
    expect(getCaregiverInScope(db, w.zhushan.path, cg)).toBeNull();
    expect(getCaregiverInScope(db, w.shiyan.path, cg)?.name).toBe('赵桂芳');
    expect(getCaregiverInScope(db, w.province.path, cg)).not.toBeNull();
    expect(() => recordSkillAssessment(db, county, cg, { kind: 'hours', level: 5, hours: 8, note: '培训' }, NOW)).toThrow(/caregiver/);
    expect(listRecordsInScope(db, w.zhushan.path, cg)).toBeNull();
    expect(listCaregiversInScope(db, w.zhushan.path)).toEqual([]);
    expect(listCaregiversInScope(db, w.shiyan.path).map((c) => c.name)).toEqual(['赵桂芳']);
    // a person who is not a caregiver is never a target, even inside the scope
    const director = w.person('director', w.cgVillage);
    expect(() => recordSkillAssessment(db, city, director, { kind: 'hours', level: 5, hours: 8, note: '培训' }, NOW)).toThrow(/caregiver/);

    recordSkillAssessment(db, city, cg, { kind: 'hours', level: 5, hours: 180, note: '集中培训' }, NOW);
    recordSkillAssessment(db, city, cg, { kind: 'practical', level: 5, areas: fullMarks(rules(), 0.75) }, NOW);
    sitExam(true, NOW + DAY).close();
    expect(listRecordsInScope(db, w.shiyan.path, cg)!.map((r) => r.assessorName)).toEqual(['孙丽萍', '孙丽萍']);
    expect(caregiverSummaries(db, [cg]).get(cg)).toMatchObject({ heldCode: 5, heldName: '五级/初级' });
    const reg = getSkillRegistry(db, w.shiyan.path);
    expect(reg.totals[5]).toBe(1);
    expect(reg.byInstitution.find((r) => r.institutionId === shiyanHome)).toMatchObject({ name: '十堰市儿童福利院', total: 1 });
    expect(reg.holders.map((h) => [h.holderMasked, h.institutionName, h.code])).toEqual([['赵**', '十堰市儿童福利院', 5]]);
    expect(getSkillRegistry(db, w.shiyan.path, { level: 4 }).holders).toEqual([]);
    expect(getSkillRegistry(db, w.shiyan.path, { institutionId: shiyanHome, level: 5 }).holdersTotal).toBe(1);
    expect(getSkillRegistry(db, w.zhushan.path).holdersTotal).toBe(0);
    expect(getSkillRegistry(db, w.jingzhou.path).totals[5]).toBe(0);
    expect(getInstitutionInScope(db, w.jingzhou.path, shiyanHome)).toBeNull();
    expect(getInstitutionInScope(db, w.shiyan.path, shiyanHome)?.name).toBe('十堰市儿童福利院');
    expect(db.select().from(skillAssessments).where(and(eq(skillAssessments.userId, cg), eq(skillAssessments.regionPath, w.shiyan.path))).all()).toHaveLength(2);
  });

  it('page permissions: the path is the caregiver\'s, assessment pages are trainers\', the registry is officials\'', () => {
    expect(canOpen('/learn/skills', 'caregiver')).toBe(true);
    expect(canOpen('/learn/skills', 'director')).toBe(false);
    expect(canOpen('/learn', 'director')).toBe(true);
    expect(canOpen('/train/skills', 'trainer')).toBe(true);
    expect(canOpen('/train/skills/12', 'trainer')).toBe(true);
    expect(canOpen('/train/skills/12', 'official')).toBe(false);
    expect(canOpen('/train/skills/12', 'caregiver')).toBe(false);
    expect(canOpen('/review/skills', 'official')).toBe(true);
    expect(canOpen('/review/skills', 'trainer')).toBe(false);
  });
});

describe('assessment forms', () => {
  it('name the field in every message and accept full-width digits', () => {
    const r = rules();
    const p = parseWith(practicalFormSchema(r), { level: '5', a_ethics: '11', a_care: '', a_health: '１６．５', a_rehab: 'abc', a_psych: '12', a_safety: '8' });
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.errors.a_ethics).toEqual({ key: 'v.skillScore', params: { max: '10' } });
      expect(p.errors.a_care?.key).toBe('v.required');
      expect(p.errors.a_rehab?.key).toBe('v.skillScore');
      expect(p.errors.a_health).toBeUndefined();
    }
    const ok = parseWith(practicalFormSchema(r), { level: '5', a_ethics: '8', a_care: '20', a_health: '１６．５', a_rehab: '16', a_psych: '12', a_safety: '8', note: ' 现场 ' });
    expect(ok).toMatchObject({ ok: true, data: { kind: 'practical', level: 5, note: '现场', correctsId: null, areas: { ethics: 8, health: 16.5 } } });
    const d = parseWith(defenceFormSchema(r), { level: '5', score: '70' });
    expect(d.ok === false && d.errors.level?.key).toBe('v.skillLevel');
    const h = parseWith(hoursFormSchema(r), { level: '5', hours: '8', note: '' });
    expect(h.ok === false && h.errors.note?.key).toBe('v.skillHoursNote');
  });
});
