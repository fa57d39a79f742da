import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, testBank } from '../../factories/content';
import { fingerprint } from './hostile';
import type { Db } from '../../../db/client';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug } from '../../../src/lib/learning/catalog';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { roleAssignments, institutions, subsidyLines } from '../../../db/schema/index';
import { createPerson, updatePerson, addAssignment, setPersonActive, resetPassword } from '../../../src/lib/people/people';
import { createCase, updateCase, closeCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, amendEntry, verifyEntries, returnEntry, type EntryInput } from '../../../src/lib/fieldwork/entries';
import { createLearningAssignment } from '../../../src/lib/learning/enrol';
import { createExamWindow } from '../../../src/lib/assessment/exams';
import { sendCohortNotice } from '../../../src/lib/notify/cohort';
import { issueCertificate, revokeCertificate, reissueCertificate } from '../../../src/lib/certification/certificates';
import { recordSkillAssessment } from '../../../src/lib/skills/records';
import { computeRun, submitRun, reviewTownship, approveRun, fileAppeal } from '../../../src/lib/subsidy/runs';
import { commitRoster, type RawRosterRow } from '../../../src/lib/exchange/roster';
import { startQuizAttempt, saveResponse, GRACE_MS } from '../../../src/lib/assessment/attempts';
import { FieldError } from '../../../src/lib/errors';
import { attempts, attemptItems, lessons } from '../../../db/schema/index';
import { parseXapiBody, recordStatement } from '../../../src/lib/h5p/xapi';

/**
 * Issue 10, "nothing partially written", the other way round: each multi-step write is made to fail at its
 * LAST step (the audit row, written after the rows it records) by a temporary trigger, and must leave the
 * database byte-for-byte as it was. A function that wrote its first rows outside the transaction would
 * leave them behind here.
 */

const NOW = Date.UTC(2026, 5, 15, 2);
const DAY = 86_400_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let admin: { userId: number; scopePath: string; ip: string };
let director: FieldActor;
let supervisor: FieldActor;
let trainer: FieldActor;
let official: FieldActor;
let caregiver: number;
let courseId: number;

const actorOf = (userId: number): FieldActor => {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath, ip: '127.0.0.1' };
};

beforeAll(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'), NOW - 400 * DAY);
  syncContent(db, { courses: [{ ...course('alpha', 2, { roles: ['director', 'supervisor', 'caregiver'] }), bank: testBank('alpha') }], curricula: [] }, NOW - 400 * DAY);
  courseId = getCourseBySlug(db, 'alpha')!.id;
  admin = { userId: w.person('admin', w.zhushan, '管理员'), scopePath: w.zhushan.path, ip: '127.0.0.1' };
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  supervisor = actorOf(w.person('supervisor', w.chengguan, '张三'));
  trainer = actorOf(w.person('trainer', w.zhushan, '孙丽萍'));
  official = actorOf(w.person('official', w.zhushan, '刘五'));
  const home = db.select().from(institutions).where(eq(institutions.regionId, w.shiyan.id)).get()!.id;
  caregiver = w.person('caregiver', w.shiyan, '赵桂芳', home);
  db.update(roleAssignments).set({ createdAt: NOW - 400 * DAY }).run();
});
afterAll(() => t.cleanup());

/** Runs `call` with every insert into audit_log failing; it must throw and leave nothing behind. */
async function failsAtTheEnd(name: string, call: () => unknown) {
  const before = fingerprint(db);
  db.$client.exec(`create temp trigger hostile_fail_audit before insert on audit_log begin select raise(abort, 'injected failure at the audit step'); end`);
  let threw: unknown = null;
  try {
    await call();
  } catch (e) {
    threw = e;
  } finally {
    db.$client.exec('drop trigger if exists temp.hostile_fail_audit');
  }
  expect(String(threw), `${name} reached the audit step and failed there`).toMatch(/injected failure/);
  expect(fingerprint(db), `${name}: nothing of the failed write remains`).toBe(before);
}

type Visit = Extract<EntryInput, { type: 'visit' }>;
const visit = (caseId: number, clientId: string): Visit => ({
  type: 'visit',
  clientId,
  day: '2026-06-14',
  caseId,
  mode: 'in_person',
  findings: '孩子在家，学习正常，祖母身体尚可。',
  guardianshipAdequate: true,
  followUp: false,
  followUpNote: '',
  confirmNoReport: false,
  situations: [],
});

describe('a write that fails at its last step leaves nothing behind', () => {
  it('people', async () => {
    await failsAtTheEnd('createPerson', () => createPerson(db, admin, { name: '新人', phone: '13766660001', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage2.id } }, NOW));
    await failsAtTheEnd('updatePerson', () => updatePerson(db, admin, director.userId, { name: '李一改', phone: '13766660002', idNumber: null }, NOW));
    await failsAtTheEnd('addAssignment', () => addAssignment(db, admin, director.userId, { role: 'supervisor', regionId: w.chengguan.id }, NOW));
    await failsAtTheEnd('setPersonActive', () => setPersonActive(db, admin, director.userId, false, NOW));
    await failsAtTheEnd('resetPassword', () => resetPassword(db, admin, director.userId, NOW));
  });

  it('cases and the work log', async () => {
    const c = createCase(db, director, { code: 'AT-001', category: 'left_behind', guardianSituation: 'relatives', risk: 'medium', openedOn: '2026-05-01', note: '' }, NOW - 40 * DAY);
    await failsAtTheEnd('createCase', () => createCase(db, director, { code: 'AT-002', category: 'difficult', guardianSituation: 'parents', risk: 'low', openedOn: '2026-05-01', note: '' }, NOW));
    await failsAtTheEnd('updateCase', () => updateCase(db, director, c.id, { category: 'difficult', guardianSituation: 'none', risk: 'high', note: '改' }, NOW));
    await failsAtTheEnd('submitEntry', () => submitEntry(db, director, visit(c.id, 'atomic-visit-0001'), NOW));
    const e = submitEntry(db, director, visit(c.id, 'atomic-visit-0002'), NOW).entry;
    await failsAtTheEnd('amendEntry', () => amendEntry(db, director, e.id, { ...visit(c.id, 'atomic-visit-0002'), findings: '改过的走访情况，孩子一切正常。' }, NOW));
    await failsAtTheEnd('returnEntry', () => returnEntry(db, supervisor, e.id, '请补充说明。', NOW));
    await failsAtTheEnd('verifyEntries', () => verifyEntries(db, supervisor, [e.id], NOW));
    await failsAtTheEnd('closeCase', () => closeCase(db, director, c.id, { closedOn: '2026-06-15', closeReason: 'moved' }, NOW));
  });

  it('training, notices, certificates and skills', async () => {
    await failsAtTheEnd('createLearningAssignment', () => createLearningAssignment(db, { userId: trainer.userId, scopePath: trainer.regionPath }, { courseId, curriculumId: null, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW));
    await failsAtTheEnd('createExamWindow', () =>
      createExamWindow(db, { userId: trainer.userId, scopePath: trainer.regionPath }, { courseId, title: '期末考试', role: 'director', regionId: w.zhushan.id, opensAt: NOW - 60_000, closesAt: NOW + 3_600_000, durationMinutes: 30, passMark: 60 }, NOW),
    );
    await failsAtTheEnd('sendCohortNotice', () => sendCohortNotice(db, trainer, { role: 'director', regionId: w.zhushan.id, title: '学习提醒', body: '请完成岗前培训。', link: null }, NOW));
    const cert = db.transaction((tx) => issueCertificate(tx as unknown as Db, { userId: director.userId, kind: 'course', courseId, title: '测试课程', hours: 2, basedOn: [{ courseId, version: '1.0.0' }], validityMonths: 36, regionPath: director.regionPath }, NOW - 30 * DAY));
    await failsAtTheEnd('revokeCertificate', () => revokeCertificate(db, { userId: official.userId, scopePath: w.province.path }, cert.id, '证书信息有误', NOW));
    await failsAtTheEnd('reissueCertificate', () => reissueCertificate(db, { userId: official.userId, scopePath: w.province.path }, cert.id, '姓名有误，已更正', NOW));
    const skillTrainer = { userId: w.person('trainer', w.shiyan, '孙老师'), scopePath: w.shiyan.path, ip: '127.0.0.1' };
    await failsAtTheEnd('recordSkillAssessment', () => recordSkillAssessment(db, skillTrainer, caregiver, { kind: 'hours', level: 5, hours: 12, note: '县级岗前培训 2026-05' }, NOW));
  });

  it('subsidy runs and appeals', async () => {
    await failsAtTheEnd('computeRun', () => computeRun(db, official, w.zhushan.id, '2026-04', NOW));
    const run = computeRun(db, official, w.zhushan.id, '2026-04', NOW);
    await failsAtTheEnd('submitRun', () => submitRun(db, official, run.id, NOW));
    submitRun(db, official, run.id, NOW);
    await failsAtTheEnd('reviewTownship', () => reviewTownship(db, supervisor, run.id, '', NOW));
    reviewTownship(db, supervisor, run.id, '', NOW);
    await failsAtTheEnd('approveRun', () => approveRun(db, official, run.id, NOW));
    approveRun(db, official, run.id, NOW);
    const line = db.select().from(subsidyLines).where(eq(subsidyLines.userId, director.userId)).get()!;
    await failsAtTheEnd('fileAppeal', () => fileAppeal(db, director, line.id, '走访记录漏算了两次。', NOW));
  });

  it('import', async () => {
    const rows: RawRosterRow[] = [
      { line: 2, name: '原子一', phone: '13777770001', idNumber: '', role: '儿童主任', city: '', county: '竹山县', township: '城关镇', village: '测试二村' },
      { line: 3, name: '原子二', phone: '13777770002', idNumber: '', role: '儿童督导员', city: '', county: '竹山县', township: '宝丰镇', village: '' },
    ];
    await failsAtTheEnd('commitRoster', () => commitRoster(db, { userId: admin.userId, scopePath: w.zhushan.path, ip: '127.0.0.1' }, rows, { passwordHash: w.hash, jobId: null, now: NOW, chunkSize: 1 }));
  });
});

describe('a statement that completes a lesson is one write', () => {
  it('recordStatement: a failure while completing the lesson leaves no statement behind', () => {
    const learner = w.person('director', w.cgVillage2, '练习者');
    const lesson = db.select().from(lessons).where(eq(lessons.courseId, courseId)).get()!;
    const body = parseXapiBody(JSON.stringify({ activityId: 'alpha-practice', lessonId: lesson.id, statement: { verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, result: { completion: true } } }));
    const rule = { lessonId: lesson.id, slug: 'alpha-practice', completeWhen: 'completed' as const };
    const before = fingerprint(db);
    db.$client.exec(`create temp trigger hostile_fail_completion before insert on lesson_completions begin select raise(abort, 'injected failure at the completion step'); end`);
    try {
      expect(() => recordStatement(db, learner, body, rule, NOW)).toThrow(/injected failure/);
    } finally {
      db.$client.exec('drop trigger if exists temp.hostile_fail_completion');
    }
    expect(fingerprint(db), 'no statement row without its lesson completion').toBe(before);
    // and without the injected failure, both are written
    expect(recordStatement(db, learner, body, rule, NOW).lesson).toBe('completed');
  });
});

describe('the one deliberate write on a refusal', () => {
  it('an answer saved after the deadline is refused and not stored; the expired attempt is closed with what was saved in time', () => {
    const learner = w.person('director', w.cgVillage2, '迟交');
    const id = startQuizAttempt(db, learner, courseId, NOW);
    const deadline = db.select().from(attempts).where(eq(attempts.id, id)).get()!.deadlineAt;
    saveResponse(db, learner, id, 0, null, NOW + 60_000); // null (a cleared answer) is valid for every question type
    const items = () => db.select({ ord: attemptItems.ord, response: attemptItems.response, savedAt: attemptItems.savedAt }).from(attemptItems).where(eq(attemptItems.attemptId, id)).all();
    const before = items();
    expect(() => saveResponse(db, learner, id, 1, null, deadline + GRACE_MS + 1)).toThrow(FieldError);
    expect(items(), 'the late answer is not stored').toEqual(before);
    expect(db.select().from(attempts).where(eq(attempts.id, id)).get()!.submittedAt, 'the attempt is closed').not.toBeNull();
  });
});
