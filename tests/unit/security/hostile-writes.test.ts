import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, testBank } from '../../factories/content';
import { DEFAULT_RUN, fingerprint, hostileRecord, hostileString, hostileValue, params, rowCounts, snapshot, SEED, TIMEOUT } from './hostile';
import type { Db } from '../../../db/client';
import { FieldError, NotFoundError } from '../../../src/lib/errors';
import { addDays } from '../../../src/lib/time';
import { parseWith, isValidIdNumber } from '../../../src/lib/validation/form';
import { zhCN } from '../../../src/i18n/zh-CN';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug } from '../../../src/lib/learning/catalog';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { ROLES } from '../../../db/schema/auth';
import { ADJUSTMENT_ACTIONS, CASE_CATEGORIES, ENTRY_TYPES, GUARDIAN_SITUATIONS, RISK_LEVELS } from '../../../db/schema/fieldwork';
import { NOTICE_CATEGORIES } from '../../../db/schema/notify';
import { roleAssignments, users, institutions, cases as casesTable, workEntries, subsidyRuns, subsidyLines, subsidyAppeals, policies, performanceRatings, commendations, lessons } from '../../../db/schema/index';
import { newPersonSchema, personDetailsSchema, assignmentSchema } from '../../../src/lib/people/schemas';
import { createPerson, updatePerson, addAssignment, setPersonActive, endAssignment } from '../../../src/lib/people/people';
import { caseFormSchema, caseEditSchema, caseCloseSchema, returnSchema, infoUpdateSchema } from '../../../src/lib/fieldwork/schemas';
import { createCase, updateCase, closeCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { parseEntryForm, submitEntry, amendEntry, verifyEntries, returnEntry } from '../../../src/lib/fieldwork/entries';
import { mandatoryRulesFor } from '../../../src/lib/fieldwork/rules';
import { assignFormSchema } from '../../../src/lib/learning/schemas';
import { createLearningAssignment } from '../../../src/lib/learning/enrol';
import { examFormSchema } from '../../../src/lib/assessment/schemas';
import { createExamWindow } from '../../../src/lib/assessment/exams';
import { startQuizAttempt, saveResponse, submitAttempt } from '../../../src/lib/assessment/attempts';
import type { Rng } from '../../../src/lib/assessment/grading';
import { cohortNoticeSchema } from '../../../src/lib/notify/schemas';
import { sendCohortNotice } from '../../../src/lib/notify/cohort';
import { setSmsCategories, markRead } from '../../../src/lib/notify/notices';
import { appealFormSchema } from '../../../src/lib/subsidy/director';
import { fileAppeal, computeRun, submitRun, reviewTownship, reopenRun, approveRun, appealOpinion, decideAppeal } from '../../../src/lib/subsidy/runs';
import { processOutboxBatch } from '../../../src/lib/offline/sync';
import { practicalFormSchema, hoursFormSchema, defenceFormSchema } from '../../../src/lib/skills/schemas';
import { recordSkillAssessment } from '../../../src/lib/skills/records';
import { getSkillPolicy } from '../../../src/lib/skills/rules';
import { revokeCertificate, reissueCertificate, issueCertificate } from '../../../src/lib/certification/certificates';
import { nominate, decideCommendation } from '../../../src/lib/fieldwork/commendations';
import type { Region } from '../../../src/lib/org/regions';
import { recordAdjustment } from '../../../src/lib/fieldwork/adjustments';
import { commitRoster, ImportRejected, type RawRosterRow } from '../../../src/lib/exchange/roster';
import { commitInfosys } from '../../../src/lib/exchange/infosys';
import { parseXapiBody, recordStatement, XapiInputError } from '../../../src/lib/h5p/xapi';

/**
 * Issue 10, "nothing partially written": the library's write functions that pages call with user input get
 * hostile input (form records through the page's own schema, foreign and made-up ids, hostile free text) on
 * a small factory world. Each call either succeeds, or fails with a FieldError naming a labelled field (or
 * the deliberate NotFoundError of a foreign id) — and then the database is byte-for-byte what it was.
 */

const NOW = Date.UTC(2026, 5, 15, 2); // 2026-06-15 10:00 China time
/** question draws and option orders from a fixed sequence, so a seed replays the same run */
let rngState = 1;
const rng: Rng = { int: (n) => (rngState = (rngState * 1103515245 + 12345) % 2 ** 31) % n };
const DAY = 86_400_000;
const HAN = /\p{Script=Han}/u;
const zh = zhCN as Record<string, string>;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let admin: { userId: number; scopePath: string; ip: string };
let director: FieldActor;
let foreignDirector: FieldActor;
let supervisor: FieldActor;
let trainer: FieldActor;
let official: FieldActor;
let caregiver: number;
let foreignPerson: number;
let courseId: number;

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath, ip: '127.0.0.1' };
}

beforeAll(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'), NOW - 400 * DAY);
  syncContent(
    db,
    {
      courses: [
        { ...course('alpha', 2, { roles: ['director', 'supervisor', 'caregiver'] }), bank: testBank('alpha', { maxAttempts: 50 }) },
        { ...course('caregiver-level-5', 1, { roles: ['caregiver'] }), bank: testBank('caregiver-level-5') },
      ],
      curricula: [],
    },
    NOW - 400 * DAY,
  );
  courseId = getCourseBySlug(db, 'alpha')!.id;
  const adminId = w.person('admin', w.zhushan, '管理员');
  admin = { userId: adminId, scopePath: w.zhushan.path, ip: '127.0.0.1' };
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  foreignDirector = actorOf(w.person('director', w.hxVillage, '王二'));
  supervisor = actorOf(w.person('supervisor', w.chengguan, '张三'));
  trainer = actorOf(w.person('trainer', w.zhushan, '孙丽萍'));
  official = actorOf(w.person('official', w.zhushan, '刘五'));
  foreignPerson = foreignDirector.userId;
  const shiyanHome = db.select().from(institutions).where(eq(institutions.regionId, w.shiyan.id)).get()!.id;
  caregiver = w.person('caregiver', w.shiyan, '赵桂芳', shiyanHome);
  // the factory dates assignments by the wall clock; this world has been at work for a year before NOW
  db.update(roleAssignments).set({ createdAt: NOW - 400 * DAY }).run();
});
afterAll(() => t.cleanup());

// ---- the property: success, or a named rejection with nothing written ----

type Outcome = 'ok' | 'rejected';
const tally = new Map<string, { ok: number; rejected: number }>();
/** why calls were refused, per function (printed with the summary) */
const reasons = new Map<string, Map<string, number>>();
function because(name: string, e: unknown) {
  const k = e instanceof FieldError ? `${e.field}:${e.key}` : (e as Error)?.name ?? 'error';
  const m = reasons.get(name) ?? new Map<string, number>();
  m.set(k, (m.get(k) ?? 0) + 1);
  reasons.set(name, m);
}

function judge(name: string, e: unknown, before: string, beforeCounts: Record<string, number>, allow: { notFound?: boolean; importRejected?: boolean }): Outcome {
  because(name, e);
  if (e instanceof FieldError) {
    expect(e.key in zh, `${name}: FieldError key ${e.key} is in the catalog`).toBe(true);
    expect(e.field === '_form' || e.field.startsWith('a_') || HAN.test(zh[`field.${e.field}`] ?? ''), `${name}: FieldError field ${e.field} has a label`).toBe(true);
  } else if (e instanceof NotFoundError && allow.notFound) {
    // a foreign or made-up id: the page answers 404, nothing about the row leaks
  } else if (e instanceof ImportRejected && allow.importRejected) {
    // the import's own per-row problem list
  } else {
    throw new Error(`${name} threw ${(e as Error)?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}\n${(e as Error)?.stack?.split('\n').slice(1, 4).join('\n')}`);
  }
  const after = fingerprint(db);
  if (after !== before) {
    const now = rowCounts(db);
    const diff = Object.keys(now).filter((k) => now[k] !== beforeCounts[k]).map((k) => `${k}: ${beforeCounts[k]} → ${now[k]}`);
    expect.fail(`${name} failed (${(e as Error).message}) but wrote to the database: ${diff.join(', ') || 'rows changed in place'}`);
  }
  return 'rejected';
}

function count(name: string, o: Outcome) {
  const c = tally.get(name) ?? { ok: 0, rejected: 0 };
  c[o]++;
  tally.set(name, c);
}

function clean(name: string, call: () => unknown, allow: { notFound?: boolean } = {}): Outcome {
  const { hash: before, counts: beforeCounts } = snapshot(db);
  let o: Outcome;
  try {
    call();
    o = 'ok';
  } catch (e) {
    o = judge(name, e, before, beforeCounts, allow);
  }
  count(name, o);
  return o;
}

async function cleanAsync(name: string, call: () => Promise<unknown>, allow: { notFound?: boolean; importRejected?: boolean } = {}): Promise<Outcome> {
  const { hash: before, counts: beforeCounts } = snapshot(db);
  let o: Outcome;
  try {
    await call();
    o = 'ok';
  } catch (e) {
    o = judge(name, e, before, beforeCounts, allow);
  }
  count(name, o);
  return o;
}

// ---- generators ----
const s = (...xs: string[]) => fc.constantFrom(...xs);
function idNumberFor(prefix17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(prefix17[i]) * weights[i]!;
  return prefix17 + '10X98765432'[sum % 11];
}
const ids = ['42032319850612003', '42032319850612004', '42032319850612005'].map(idNumberFor);
expect(ids.every(isValidIdNumber)).toBe(true);
/** existing phones (buildWorld numbers people 1380000xxxx) and a few new ones, so clashes happen */
const phone = s('13800000001', '13800000003', '13911110001', '13911110002', '139 1111 0003', '13911110004');
/** and a fresh one now and then, so that updates still succeed once the pool above is taken */
const freshPhone = fc.integer({ min: 0, max: 9999 }).map((k) => `1366666${String(k).padStart(4, '0')}`);
const personForm = { name: s('张三', '欧阳·娜娜', 'Anna Li', '张'.repeat(30)), phone: fc.oneof({ weight: 3, arbitrary: phone }, { weight: 1, arbitrary: freshPhone }), idNumber: s('', ...ids) };
const freeId = (...valid: (() => number)[]) => fc.oneof(fc.constantFrom(...valid).map((f) => String(f())), s('999999', '9007199254740991', '0', '-1', 'x'));
const hostileText = fc.oneof(hostileString, s('请尽快补充材料。', '正常的说明文字', '  ', '证件 110101199003070010'));

/** a JSON object: plausible half of the time, hostile (any types) otherwise */
const formRecordAny = (fields: Record<string, fc.Arbitrary<unknown>>) => fc.oneof({ weight: 3, arbitrary: fc.record(fields) }, { weight: 1, arbitrary: hostileRecord(fields) });
/** half plausible forms (so that writes succeed and change the world), half hostile ones */
const formRecord = (fields: Record<string, fc.Arbitrary<unknown>>) => fc.oneof(fc.record(fields), hostileRecord(fields, { stringsOnly: true }));
/** runs per property (HOSTILE_RUNS overrides, see hostile.ts) */
const RUNS = 40;

describe(`hostile input to the library's write functions (seed ${SEED})`, { timeout: TIMEOUT }, () => {
  it('people: createPerson (through newPersonSchema) — a clash or a foreign region writes nothing', async () => {
    const regionId = () => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(w.cgVillage.id, w.cgVillage2.id, w.chengguan.id) }, { weight: 1, arbitrary: fc.constantFrom(w.hxVillage.id, w.province.id, w.zhushan.id, 999999) }).map(String);
    const role = fc.oneof({ weight: 3, arbitrary: s('director', 'supervisor') }, { weight: 1, arbitrary: s(...ROLES) });
    await fc.assert(
      fc.asyncProperty(formRecord({ ...personForm, role, regionId: regionId(), institutionId: s('', '1', '2') }), async (rec) => {
        const p = parseWith(newPersonSchema, rec);
        if (!p.ok) return;
        const d = p.data;
        await cleanAsync('createPerson', () => createPerson(db, admin, { name: d.name, phone: d.phone, idNumber: d.idNumber, assignment: { role: d.role, regionId: d.regionId, institutionId: d.institutionId } }, NOW));
      }),
      params(RUNS),
    );
  });

  it('people: updatePerson, addAssignment, setPersonActive, endAssignment on own, foreign and made-up people', () => {
    const target = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(() => director.userId, () => supervisor.userId) }, { weight: 1, arbitrary: fc.constantFrom(() => foreignPerson, () => 999999, () => admin.userId) }).map((f) => f());
    fc.assert(
      fc.property(target, formRecord({ ...personForm, role: s('director', 'supervisor', 'supervisor', 'admin'), regionId: s(String(w.cgVillage2.id), String(w.chengguan.id), String(w.chengguan.id), String(w.hxVillage.id)), institutionId: s('') }), fc.boolean(), fc.integer({ min: 0, max: 3 }), (userId, rec, active, op) => {
        if (op === 0) {
          const p = parseWith(personDetailsSchema, rec);
          if (p.ok) clean('updatePerson', () => updatePerson(db, admin, userId, p.data, NOW), { notFound: true });
        } else if (op === 1) {
          const p = parseWith(assignmentSchema, rec);
          if (p.ok) clean('addAssignment', () => addAssignment(db, admin, userId, p.data, NOW), { notFound: true });
        } else if (op === 2) {
          clean('setPersonActive', () => setPersonActive(db, admin, userId, active || userId === admin.userId, NOW), { notFound: true });
        } else {
          const a = db.select({ id: roleAssignments.id }).from(roleAssignments).where(eq(roleAssignments.userId, userId)).get();
          // ending a director's or supervisor's only role would change the actors below: only the admin's own (refused) or made-up ones
          const assignmentId = userId === admin.userId ? a!.id : 999999;
          clean('endAssignment', () => endAssignment(db, admin, userId, assignmentId, NOW), { notFound: true });
        }
      }),
      params(RUNS),
    );
    // the actors of the tests below are at work again
    for (const u of [director.userId, supervisor.userId]) setPersonActive(db, admin, u, true, NOW);
  });

  it('cases: createCase, updateCase, closeCase (through the case forms) on own, foreign and made-up cases', () => {
    const foreignCase = createCase(db, foreignDirector, { code: 'HX-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-01-05', note: '' }, NOW - 100 * DAY).id;
    const caseForm = {
      code: s('V12-001', 'V12-002', 'HX-001', ' v12-003 ', 'A'.repeat(32)),
      category: s(...CASE_CATEGORIES),
      guardianSituation: s(...GUARDIAN_SITUATIONS),
      risk: s(...RISK_LEVELS),
      openedOn: s('2026-06-01', '2026-06-15', '2026-06-16', '0000-01-01', '1900-01-01', '9999-12-31', '2024-02-29'),
      note: hostileText,
    };
    const own = () => db.select({ id: casesTable.id }).from(casesTable).where(eq(casesTable.villageId, director.regionId)).all().map((r) => r.id);
    fc.assert(
      fc.property(formRecord(caseForm), fc.integer({ min: 0, max: 2 }), fc.nat(), fc.constantFrom<unknown>('own', foreignCase, 999999), (rec, op, pick, which) => {
        const mine = own();
        const id = which === 'own' && mine.length ? mine[pick % mine.length]! : typeof which === 'number' ? which : 999999;
        if (op === 0) {
          const p = parseWith(caseFormSchema, rec);
          if (p.ok)
            clean('createCase', () => {
              const c = createCase(db, director, p.data, NOW);
              // a case is about a child (under 18, 未成年人保护法第二条): it cannot have opened 18 years ago, nor in the future
              expect(c.openedOn >= addDays('2026-06-15', -18 * 366) && c.openedOn <= '2026-06-15', `opened on ${c.openedOn}`).toBe(true);
              // what was accepted is what is stored (read back through RETURNING)
              expect(c.note ?? '', 'the note is stored as accepted').toBe(p.data.note);
            });
        } else if (op === 1) {
          const p = parseWith(caseEditSchema, rec);
          if (p.ok) clean('updateCase', () => updateCase(db, director, id, p.data, NOW));
        } else {
          const p = parseWith(caseCloseSchema, { closedOn: ['2026-06-15', '2026-06-10', '2026-07-01', '2026-04-01', rec.openedOn][pick % 5], closeReason: rec.category === 'other' ? 'other' : 'moved' });
          // close only a few: a closed case refuses visits below
          if (p.ok && pick % 2 === 0) clean('closeCase', () => closeCase(db, director, id, p.data, NOW));
        }
      }),
      params(RUNS),
    );
  });

  it('work log: submitEntry and amendEntry (through parseEntryForm), returnEntry and verifyEntries', () => {
    const openCase = createCase(db, director, { code: 'W-OPEN-1', category: 'left_behind', guardianSituation: 'relatives', risk: 'medium', openedOn: '2026-05-01', note: '' }, NOW - 45 * DAY).id;
    const foreignCase = db.select({ id: casesTable.id }).from(casesTable).where(eq(casesTable.villageId, foreignDirector.regionId)).get()!.id;
    const codes = mandatoryRulesFor(db, director.regionPath, '2026-06-15').rules.situations.map((x) => x.code);
    let seq = 0;
    const form = {
      clientId: fc.constant('').map(() => `hostile-${++seq}-abcdef`),
      day: fc.oneof({ weight: 3, arbitrary: s('2026-06-14', '2026-06-15') }, { weight: 1, arbitrary: s('2026-06-16', '2026-04-30', '2025-01-01', '0000-01-01', '9999-12-31') }),
      caseId: fc.oneof({ weight: 3, arbitrary: fc.constant(String(openCase)) }, { weight: 1, arbitrary: s(String(foreignCase), '999999', '') }),
      visitId: s('', '1', '999999'),
      mode: s('in_person', 'phone'),
      findings: fc.oneof(hostileText, s('孩子身上有伤痕，说被打了。', '一切正常，孩子在学校。', '祖母身体尚可，孩子按时上学。')),
      guardianshipAdequate: s('yes', 'no'),
      followUp: s('yes', 'no'),
      followUpNote: hostileText,
      confirmNoReport: s('yes', ''),
      action: s('signed', 'renewed'),
      carer: s('grandparent', 'relative'),
      validUntil: s('', '2027-06-14', '2026-06-01'),
      note: hostileText,
      reportedTo: s('police', 'civil_affairs'),
      reportedAt: s('2026-06-15T09:30', '2026-06-16T09:30', '2026-01-01T00:00'),
      receipt: hostileText,
      place: fc.oneof(hostileText, s('村委会')),
      topic: fc.oneof(hostileText, s('防溺水安全')),
      attendance: s('12', '0', '2001'),
      [`situation_${codes[0]}`]: s('on', ''),
    };
    const mine = () => db.select({ id: workEntries.id }).from(workEntries).where(eq(workEntries.userId, director.userId)).all().map((r) => r.id);
    fc.assert(
      fc.property(fc.constantFrom(...ENTRY_TYPES), formRecord(form), fc.integer({ min: 0, max: 3 }), fc.nat(), hostileText, (type, rec, op, pick, comment) => {
        const entries = mine();
        const anyId = entries.length ? entries[pick % entries.length]! : 999999;
        const sameType = db.select({ id: workEntries.id }).from(workEntries).where(eq(workEntries.userId, director.userId)).all().filter((x) => db.select().from(workEntries).where(eq(workEntries.id, x.id)).get()!.type === type).map((x) => x.id);
        const amendId = sameType.length && pick % 4 !== 0 ? sameType[pick % sameType.length]! : anyId;
        if (op <= 1) {
          const p = parseEntryForm(type, rec as Record<string, string>, codes);
          if (!p.ok) return;
          if (op === 0) clean('submitEntry', () => submitEntry(db, director, p.data, NOW));
          else clean('amendEntry', () => amendEntry(db, director, amendId, p.data, NOW));
        } else if (op === 2) {
          const p = parseWith(returnSchema, { comment });
          if (p.ok) clean('returnEntry', () => returnEntry(db, supervisor, anyId, p.data.comment, NOW));
        } else {
          clean('verifyEntries', () => verifyEntries(db, supervisor, [anyId, pick % 3 === 0 ? 999999 : anyId], NOW));
        }
      }),
      params(RUNS * 2),
    );
  });

  it('training: createLearningAssignment and createExamWindow (through their forms)', () => {
    const target = s(`course:${courseId}`, 'course:999999', 'curriculum:1', `course:${getCourseBySlug(db, 'caregiver-level-5')!.id}`);
    const region = fc.oneof({ weight: 3, arbitrary: s(String(w.zhushan.id), String(w.chengguan.id)) }, { weight: 1, arbitrary: s(String(w.haoxue.id), String(w.province.id), '999999') });
    fc.assert(
      fc.property(
        formRecord({ target, role: s('director', 'supervisor', 'caregiver'), regionId: region, dueDate: s('2026-07-01', '2026-06-14', '2026-02-30', '9999-12-31', '0000-01-01') }),
        formRecord({ courseId: s(String(courseId), '999999'), title: s('期末考试', '考'.repeat(40)), role: s('director', 'caregiver'), regionId: region, opensAt: s('2026-06-16T09:00', '2026-06-10T09:00'), closesAt: s('2026-06-16T11:00', '2026-06-16T08:00', '9999-12-31T00:00'), durationMinutes: s('30', '240'), passMark: s('60', '100') }),
        fc.boolean(),
        (a, e, which) => {
          if (which) {
            const p = parseWith(assignFormSchema, a);
            if (p.ok) clean('createLearningAssignment', () => createLearningAssignment(db, { userId: trainer.userId, scopePath: trainer.regionPath }, { ...p.data.target, role: p.data.role, regionId: p.data.regionId, dueDate: p.data.dueDate }, NOW));
          } else {
            const p = parseWith(examFormSchema, e);
            if (p.ok) clean('createExamWindow', () => createExamWindow(db, { userId: trainer.userId, scopePath: trainer.regionPath }, p.data, NOW));
          }
        },
      ),
      params(RUNS),
    );
  });

  it('quizzes: saveResponse and submitAttempt with hostile answers, foreign attempts and orders', () => {
    let learner = director.userId;
    let attempt = startQuizAttempt(db, learner, courseId, NOW, rng);
    let learners = 0;
    /** the next attempt; a learner who used up the attempts (or passed) hands over to a new one */
    const next = () => {
      try {
        return startQuizAttempt(db, learner, courseId, NOW, rng);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        learner = w.person('director', w.cgVillage2, `学员${++learners}`);
        return startQuizAttempt(db, learner, courseId, NOW, rng);
      }
    };
    const foreignAttempt = startQuizAttempt(db, foreignDirector.userId, courseId, NOW, rng);
    const response = fc.oneof(hostileValue, fc.constantFrom<unknown>(0, 1, 2, [0, 2], [3, 2, 1, 0], true, false, '110', [0, 0, 0, 0], [99], { 0: 1 }, [-1, 1e309]));
    fc.assert(
      fc.property(fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>('own') }, { weight: 1, arbitrary: fc.constantFrom<unknown>(foreignAttempt, 999999) }), fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 500, 2 ** 31) }), response, fc.integer({ min: 0, max: 9 }), (which, ord, r, op) => {
        const id = which === 'own' ? attempt : (which as number);
        if (op < 9) clean('saveResponse', () => saveResponse(db, learner, id, ord, r, NOW + 60_000), { notFound: true });
        else {
          const o = clean('submitAttempt', () => submitAttempt(db, learner, id, { [ord]: r } as Record<number, unknown>, NOW + 120_000), { notFound: true });
          if (o === 'ok' && which === 'own') attempt = next();
        }
      }),
      params(RUNS * 2),
    );
  });

  it('notices: sendCohortNotice (through its form), setSmsCategories and markRead', () => {
    fc.assert(
      fc.property(
        formRecord({ role: s('director', 'director', 'supervisor', 'caregiver', 'admin'), regionId: fc.oneof({ weight: 3, arbitrary: s(String(w.chengguan.id), String(w.cgVillage.id)) }, { weight: 1, arbitrary: s(String(w.zhushan.id), String(w.haoxue.id), '999999') }), subject: fc.oneof(hostileText, s('学习提醒')), message: fc.oneof(hostileText, s('请于本周内完成岗前培训。')), link: s('', '/learn', '//evil.example') }),
        fc.constantFrom(trainer, supervisor, supervisor, director),
        fc.array(fc.oneof(fc.constantFrom(...NOTICE_CATEGORIES), hostileString), { maxLength: 6 }),
        fc.oneof(fc.constant(999999), fc.integer({ min: 1, max: 50 })),
        (rec, sender, cats, noticeId) => {
          const p = parseWith(cohortNoticeSchema, rec);
          if (p.ok) clean('sendCohortNotice', () => sendCohortNotice(db, sender, { role: p.data.role, regionId: p.data.regionId, title: p.data.subject, body: p.data.message, link: p.data.link || null }, NOW));
          clean('setSmsCategories', () => setSmsCategories(db, director.userId, cats, NOW));
          clean('markRead', () => markRead(db, foreignDirector.userId, noticeId, NOW));
        },
      ),
      params(RUNS),
    );
  });

  it('commendations and adjustments: nominate, decide and record with hostile reasons, made-up people, years and periods', () => {
    // ratings as computeRatings leaves them: three excellent directors of 2026 (the policy in force at its end), two directors 不合格 in 2025-Q4 and 2026-Q1
    const policy = db.select().from(policies).where(eq(policies.kind, 'performance')).get()!;
    const rate = (userId: number, region: Region, period: string, rating: 'excellent' | 'unqualified') =>
      db.insert(performanceRatings)
        .values({ userId, role: 'director', regionId: region.id, regionPath: region.path, periodKind: /Q/.test(period) ? 'quarter' : 'year', period, policyId: policy.id, policyVersion: policy.version, indicators: { v: 1, lines: {} }, score: rating === 'excellent' ? 96 : 40, rating, computedAt: NOW })
        .run();
    const stars = [w.cgVillage, w.cgVillage2, w.bfVillage].map((v, i) => {
      const id = w.person('director', v, `优秀${i + 1}`);
      rate(id, v, '2026', 'excellent');
      return id;
    });
    const weak = [w.cgVillage2, w.bfVillage].map((v, i) => {
      const id = w.person('director', v, `待改进${i + 1}`);
      rate(id, v, '2025-Q4', 'unqualified');
      rate(id, v, '2026-Q1', 'unqualified');
      return id;
    });
    const cityOfficial = actorOf(w.person('official', w.shiyan, '市民政'));
    const nominations = () => db.select({ id: commendations.id }).from(commendations).all().map((r) => r.id);
    const person = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...stars, ...weak) }, { weight: 1, arbitrary: fc.constantFrom(director.userId, foreignPerson, 999999) });
    const year = fc.oneof({ weight: 4, arbitrary: fc.constant(2026) }, { weight: 1, arbitrary: fc.constantFrom(2025, 0, -1, 1e9, NaN) });
    const periods = fc.oneof({ weight: 4, arbitrary: fc.constant<string[]>(['2025-Q4', '2026-Q1']) }, { weight: 1, arbitrary: fc.constantFrom<string[]>(['2026-Q1', '2025-Q4'], ['2025'], [], ['2025-Q4', '2026-Q1', '2026-Q2'], ['\u0000']) });
    const text = fc.oneof(hostileText, s('连续两年走访完成率全县第一，群众评价好。', '已安排参加县级复训。', '同意。'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), person, year, periods, text, fc.boolean(), fc.nat(), fc.constantFrom(...ADJUSTMENT_ACTIONS, 'retrain', ''), (op, userId, y, ps, t, approve, k, action) => {
        if (op === 0) clean('nominate', () => nominate(db, official, { year: y, userId, role: 'director', reason: t }, NOW));
        else if (op === 1) {
          const ns = nominations();
          const id = ns.length && k % 4 !== 0 ? ns[k % ns.length]! : 999999;
          clean('decideCommendation', () => decideCommendation(db, cityOfficial, id, { approve, note: t }, NOW));
        } else clean('recordAdjustment', () => recordAdjustment(db, official, { userId, role: 'director', periods: ps, action, note: t }, NOW));
      }),
      params(RUNS * 2),
    );
  });

  it('subsidy runs: compute, submit, review, reopen, approve, appeal, opinion and decision with hostile months, notes and amounts', () => {
    const month = fc.oneof({ weight: 3, arbitrary: s('2026-05', '2026-04', '2026-06') }, { weight: 1, arbitrary: fc.oneof(s('2025-01', '0000-01', '9999-12', '2026-13', '2026-00', '1970-01'), hostileString) });
    const county = fc.oneof({ weight: 4, arbitrary: fc.constant(w.zhushan.id) }, { weight: 1, arbitrary: fc.constantFrom(w.jiangling.id, w.chengguan.id, w.shiyan.id, 999999) });
    const runIds = () => db.select({ id: subsidyRuns.id }).from(subsidyRuns).all().map((r) => r.id);
    const lineIds = () => db.select({ id: subsidyLines.id }).from(subsidyLines).where(eq(subsidyLines.userId, director.userId)).all().map((r) => r.id);
    const appealIds = () => db.select({ id: subsidyAppeals.id }).from(subsidyAppeals).all().map((r) => r.id);
    const pickOf = (xs: number[], k: number) => (xs.length && k % 5 !== 0 ? xs[k % xs.length]! : 999999);
    // one approved run to appeal against, made the ordinary way
    const first = computeRun(db, official, w.zhushan.id, '2026-03', NOW);
    submitRun(db, official, first.id, NOW);
    for (const sv of db.select({ userId: roleAssignments.userId }).from(roleAssignments).where(eq(roleAssignments.role, 'supervisor')).all()) {
      try {
        reviewTownship(db, actorOf(sv.userId), first.id, '', NOW);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e; // a supervisor of a township without lines, or outside the county
      }
    }
    approveRun(db, official, first.id, NOW);
    expect(lineIds().length, 'the director has an approved line').toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), month, county, fc.nat(), fc.oneof(hostileText, s('已核对，无误。', '走访记录漏算了两次，请复核。')), fc.oneof(s('120', '0', '99.99', '1e3', '-5', '12345678'), hostileString), fc.boolean(), (op, m, countyId, k, text, yuanRaw, upheld) => {
        const raw = (yuanRaw ?? '').trim();
        // the page's own parse of 核定金额 (review/subsidy/[id].astro)
        const correctedFen = /^\d{1,7}(\.\d{1,2})?$/.test(raw) ? Math.round(Number(raw) * 100) : null;
        if (op === 0) clean('computeRun', () => computeRun(db, official, countyId, m, NOW));
        else if (op === 1) clean('submitRun', () => submitRun(db, official, pickOf(runIds(), k), NOW));
        else if (op === 2) clean('reviewTownship', () => reviewTownship(db, supervisor, pickOf(runIds(), k), text.trim().slice(0, 500), NOW));
        else if (op === 3) clean('reopenRun', () => reopenRun(db, official, pickOf(runIds(), k), NOW));
        else if (op === 4) clean('approveRun', () => approveRun(db, official, pickOf(runIds(), k), NOW));
        else if (op === 5) {
          const p = parseWith(appealFormSchema, { lineId: String(pickOf(lineIds(), k)), appealReason: text });
          if (p.ok) clean('fileAppeal', () => fileAppeal(db, director, p.data.lineId, p.data.appealReason, NOW));
        } else if (op === 6) {
          const opinion = text.trim();
          if (opinion && opinion.length <= 500) clean('appealOpinion', () => appealOpinion(db, supervisor, pickOf(appealIds(), k), opinion, NOW));
        } else {
          const decision = text.trim();
          if (decision && decision.length <= 500 && (!upheld || correctedFen !== null)) clean('decideAppeal', () => decideAppeal(db, official, pickOf(appealIds(), k), { upheld, decision, correctedFen }, NOW));
        }
      }),
      params(RUNS * 3),
    );
  });

  it('skills and certificates: recordSkillAssessment (through the three forms), revoke and reissue with hostile reasons', () => {
    const rules = getSkillPolicy(db, w.shiyan.path, '2026-06-15')!.rules;
    const score = s('0', '5', '8.5', '８５．５', '100', '');
    const areas = Object.fromEntries(rules.areas.map((a) => [`a_${a.key}`, score]));
    const certs = [1, 2, 3].map(
      (i) => issueCertificate(db, { userId: director.userId, kind: 'course', courseId, title: `测试课程${i}`, hours: 2, basedOn: [{ courseId, version: '1.0.0' }], validityMonths: 36, regionPath: director.regionPath }, NOW - 30 * DAY).id,
    );
    const trainerActor = { userId: actorOf(w.person('trainer', w.shiyan, '孙老师')).userId, scopePath: w.shiyan.path, ip: '127.0.0.1' };
    fc.assert(
      fc.property(
        fc.constantFrom('practical', 'defence', 'hours'),
        formRecord({ level: s('5', '5', '4', '1', '9'), score, hours: s('0', '12', '500', '501'), note: fc.oneof(hostileText, s('县级岗前培训 2026-05')), correctsId: s('', '1', '999999'), ...areas }),
        fc.oneof({ weight: 4, arbitrary: fc.constant(caregiver) }, { weight: 1, arbitrary: fc.constantFrom(director.userId, 999999) }),
        fc.oneof(hostileText, s('姓名有误，已更正。', '证书信息填写错误')),
        fc.constantFrom(...certs, 999999),
        (kind, rec, who, reason, certId) => {
          const schema = kind === 'practical' ? practicalFormSchema(rules) : kind === 'defence' ? defenceFormSchema(rules) : hoursFormSchema(rules);
          const p = parseWith(schema, rec);
          if (p.ok) clean('recordSkillAssessment', () => recordSkillAssessment(db, trainerActor, who, p.data, NOW), { notFound: true });
          if (kind === 'hours') clean('reissueCertificate', () => reissueCertificate(db, { userId: official.userId, scopePath: w.province.path }, certId, reason, NOW), { notFound: true });
          else clean('revokeCertificate', () => revokeCertificate(db, { userId: official.userId, scopePath: w.province.path }, certId, reason, NOW), { notFound: true });
        },
      ),
      params(RUNS),
    );
  });

  it('offline sync: processOutboxBatch never throws; rejected items write nothing of their own', () => {
    let seq = 0;
    const openCase = db.select({ id: casesTable.id }).from(casesTable).where(eq(casesTable.villageId, director.regionId)).all().find(() => true)?.id ?? 1;
    const either = (fields: Record<string, fc.Arbitrary<unknown>>) => fc.oneof(fc.record(fields), hostileRecord(fields));
    const item = fc.oneof(
      either({ id: fc.oneof(fc.constant('').map(() => `outbox-${++seq}-abcdef`), hostileString), kind: fc.constantFrom<unknown>('lesson', 'entry', 'quiz'), lessonId: fc.constantFrom<unknown>(1, 2, 999999, -1, '1') }),
      either({
        id: fc.constant('').map(() => `outbox-${++seq}-abcdef`),
        kind: fc.constant('entry'),
        type: s(...ENTRY_TYPES),
        values: formRecord({ day: s('2026-06-14', '2026-06-14', '2026-02-30'), caseId: s(String(openCase), String(openCase), '999999'), mode: s('phone'), findings: fc.oneof(hostileText, s('孩子在家，一切正常。')), guardianshipAdequate: s('yes'), followUp: s('no'), place: fc.oneof(hostileText, s('村委会')), topic: fc.oneof(hostileText, s('防溺水')), attendance: s('3'), note: fc.oneof(hostileText, s('电话已更新')), action: s('signed'), carer: s('grandparent') }),
      }),
      either({ id: fc.constant('').map(() => `outbox-${++seq}-abcdef`), kind: fc.constant('quiz'), attemptId: fc.constantFrom<unknown>(1, 2, 999999), responses: fc.dictionary(s('0', '1', '2'), hostileValue, { maxKeys: 3 }), answeredAt: fc.constantFrom<unknown>(NOW, 0, -1) }),
      hostileValue,
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 4 }), (batch) => {
        const before = fingerprint(db);
        let results: ReturnType<typeof processOutboxBatch>;
        try {
          results = processOutboxBatch(db, { userId: director.userId, actor: director, activityLessons: new Set(), now: NOW }, batch);
        } catch (e) {
          throw new Error(`processOutboxBatch threw ${(e as Error).name}: ${(e as Error).message}`);
        }
        expect(results.length).toBe(batch.length);
        for (const r of results) {
          count('processOutboxBatch', r.status === 'rejected' ? 'rejected' : 'ok');
          if (r.status !== 'rejected') continue;
          because('processOutboxBatch', new FieldError(r.field ?? '?', r.message?.key ?? '?'));
          expect(r.message!.key in zh, `catalog key ${r.message!.key}`).toBe(true);
          expect(r.field === '_form' || HAN.test(zh[`field.${r.field}`] ?? ''), `label of ${r.field}`).toBe(true);
        }
        if (results.every((r) => r.status === 'rejected')) expect(fingerprint(db), 'an all-rejected batch writes nothing').toBe(before);
      }),
      params(RUNS * 2),
    );
  });

  it('import: commitRoster with hostile rows writes everything or nothing', async () => {
    const provinceAdmin = { userId: w.person('admin', w.province, '省管理员'), scopePath: w.province.path, ip: '127.0.0.1' };
    const place = fc.constantFrom(['儿童主任', '城关镇', '测试一村'], ['儿童主任', '宝丰镇', '测试三村'], ['督导员', '城关镇', ''], ['儿童主任', '郝穴镇', '测试四村'], ['管理员', '不存在镇', '测试二村']);
    const row = fc.tuple(place, fc.integer({ min: 1, max: 60 })).chain(([[role, township, village], k]) =>
      formRecord({ name: s('王小明', '李·四', 'x'.repeat(40)), phone: fc.constantFrom(`1372222${String(k).padStart(4, '0')}`, '13800000001', `137 2222 ${String(k).padStart(4, '0')}`), idNumber: s('', '', ...ids), role: fc.constant(role!), city: s(''), county: s(''), township: fc.constant(township!), village: fc.constant(village!) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 3 }), async (recs) => {
        const rows = recs.map((r, i) => {
          const out = { line: i + 2 } as RawRosterRow;
          for (const k of ['name', 'phone', 'idNumber', 'role', 'city', 'county', 'township', 'village'] as const) out[k] = typeof r[k] === 'string' ? (r[k] as string).trim() : '';
          return out;
        });
        await cleanAsync('commitRoster', () => commitRoster(db, provinceAdmin, rows, { passwordHash: w.hash, jobId: null, now: NOW, chunkSize: 1 }), { importRejected: true });
      }),
      params(RUNS / 2),
    );
  });

  it('import: commitInfosys with hostile rows; an imported note obeys the rules of the form (no ID number about a child)', async () => {
    const provinceAdmin = { userId: w.person('admin', w.province, '省管理员三'), scopePath: w.province.path, ip: '127.0.0.1' };
    createCase(db, director, { code: 'IS-001', category: 'orphan', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-03-01', note: '' }, NOW - 100 * DAY);
    const directorPhone = db.select({ phone: users.phone }).from(users).where(eq(users.id, director.userId)).get()!.phone;
    const row = formRecord({
      worker: fc.oneof({ weight: 4, arbitrary: s(directorPhone, directorPhone.replace(/(\d{3})(\d{4})/, '$1 $2 ')) }, { weight: 1, arbitrary: s('13900000000', '') }),
      caseCode: fc.oneof({ weight: 4, arbitrary: fc.constant('IS-001') }, { weight: 1, arbitrary: fc.constant('NOPE-1') }),
      day: fc.oneof(fc.integer({ min: 1, max: 14 }).map((d) => `2026-06-${String(d).padStart(2, '0')}`), s('2026/6/3', '2026年6月4日', '2026-02-30', '9999-12-31')),
      note: fc.oneof(hostileText, s('儿童身份证号 420323201001010011，已更新', '户籍信息已更新（身份证 42032320100101001X）', '监护人电话已更新')),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 2 }), async (recs) => {
        const rows = recs.map((r, i) => ({ line: i + 2, worker: String(r.worker ?? '').trim(), caseCode: String(r.caseCode ?? '').trim(), day: String(r.day ?? '').trim(), note: String(r.note ?? '').trim() }));
        const o = await cleanAsync('commitInfosys', () => commitInfosys(db, provinceAdmin, rows, { jobId: null, now: NOW, chunkSize: 1 }), { importRejected: true });
        if (o !== 'ok') return;
        for (const e of db.select().from(workEntries).where(eq(workEntries.userId, director.userId)).all().filter((x) => x.clientId.startsWith('infosys:'))) {
          const note = (e.data as { note: string }).note;
          // the form's rule for the same note (freeText(200) of infoUpdateSchema)
          expect(parseWith(infoUpdateSchema, { clientId: 'check-note-0001', day: e.day, note }).ok, `imported note accepted by the form's rules: ${note}`).toBe(true);
        }
      }),
      params(RUNS),
    );
  });

  it('xAPI: recordStatement (after parseXapiBody) with hostile bodies and lesson rules', () => {
    const lesson = db.select().from(lessons).where(eq(lessons.courseId, courseId)).get()!;
    const rules = [null, { lessonId: lesson.id, slug: 'alpha-practice', completeWhen: 'passed' as const }, { lessonId: lesson.id, slug: 'alpha-practice' }];
    const verb = s(...['completed', 'passed', 'failed', 'answered', 'scored', 'hacked'].map((v) => `http://adlnet.gov/expapi/verbs/${v}`));
    const body = formRecordAny({
      activityId: s('alpha-practice', 'alpha-practice', 'other-activity', 'Bad Id'),
      lessonId: fc.constantFrom<unknown>(lesson.id, null, undefined, 999999, '1'),
      statement: formRecordAny({
        verb: formRecordAny({ id: verb }),
        result: formRecordAny({ score: formRecordAny({ raw: fc.constantFrom<unknown>(8, 10, 10, 6, 11, -1, NaN, 1e309), max: fc.constantFrom<unknown>(10, 10, 10, 0, 1e6), scaled: fc.constantFrom<unknown>(0.8, 0.6, 0.5, 2) }), success: fc.boolean(), completion: fc.boolean(), response: hostileString }),
        object: formRecordAny({ id: s('https://x/1'), definition: formRecordAny({ name: fc.dictionary(s('zh-CN', 'en', 'en-US', 'x'.repeat(30)), hostileString, { maxKeys: 2 }) }) }),
      }),
    });
    fc.assert(
      fc.property(body, fc.constantFrom(0, 1, 2), (b, r) => {
        let parsed: ReturnType<typeof parseXapiBody>;
        try {
          // what a browser can send: JSON text (a bigint becomes a number)
          parsed = parseXapiBody(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
        } catch (e) {
          expect(e).toBeInstanceOf(XapiInputError);
          return;
        }
        const { hash: before, counts: beforeCounts } = snapshot(db);
        try {
          recordStatement(db, director.userId, parsed, rules[r]!, NOW);
          count('recordStatement', 'ok');
        } catch (e) {
          if (!(e instanceof XapiInputError)) judge('recordStatement', e, before, beforeCounts, { notFound: true });
          else expect(fingerprint(db), 'a refused statement writes nothing').toBe(before);
          count('recordStatement', 'rejected');
        }
      }),
      params(RUNS * 5),
    );
  });

  it('text that is accepted is stored exactly as accepted (lone surrogates, NUL, BOM, RTL, combining marks)', () => {
    const openCase = createCase(db, director, { code: 'RT-001', category: 'left_behind', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-05-01', note: '' }, NOW - 40 * DAY).id;
    const unit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
    const text = fc.tuple(s('孩子在家，', '情况正常'), fc.oneof(fc.string({ unit, minLength: 1, maxLength: 6 }), s('\uD800', '\uDFFF', 'a\u0000b', '\uFEFF', '\u202E', 'e\u0301'))).map(([a, b]) => a + b);
    let seq = 0;
    let stored = 0;
    fc.assert(
      fc.property(text, fc.boolean(), (t, viaSync) => {
        const clientId = `roundtrip-${++seq}-abcdef`;
        const values = { day: '2026-06-14', caseId: String(openCase), note: t };
        if (viaSync) {
          // the offline outbox: a JSON body, where "\ud800" is a legal escape
          const [r] = processOutboxBatch(db, { userId: director.userId, actor: director, activityLessons: new Set(), now: NOW }, [JSON.parse(JSON.stringify({ id: clientId, kind: 'entry', type: 'info_update', values }))]);
          if (r!.status !== 'accepted') return;
        } else {
          const p = parseEntryForm('info_update', { ...values, clientId }, []);
          if (!p.ok) return;
          submitEntry(db, director, p.data, NOW);
        }
        const row = db.select().from(workEntries).where(eq(workEntries.clientId, clientId)).get()!;
        stored++;
        expect((row.data as { note: string }).note, `stored as accepted: ${JSON.stringify(t)}`).toBe(t.trim());
      }),
      params(RUNS * 2),
    );
    expect(stored).toBeGreaterThan(0);
  });

  it('reaches both sides: every function was called, and most both succeeded and refused', () => {
    const summary = Object.fromEntries([...tally].map(([k, v]) => [k, `${v.ok} ok / ${v.rejected} refused`]));
    console.log(`hostile writes (seed ${SEED}):`, summary);
    if (process.env.HOSTILE_VERBOSE) for (const [k, m] of reasons) console.log(k, Object.fromEntries(m));
    for (const [name, v] of tally) expect(v.ok + v.rejected, name).toBeGreaterThan(0);
    // which calls succeed depends on the draws: exact for the committed seed, reported for others
    if (!DEFAULT_RUN) return;
    for (const name of ['recordStatement', 'nominate', 'decideCommendation', 'recordAdjustment', 'commitInfosys', 'createPerson', 'updatePerson', 'addAssignment', 'createCase', 'updateCase', 'submitEntry', 'amendEntry', 'returnEntry', 'verifyEntries', 'saveResponse', 'revokeCertificate', 'recordSkillAssessment', 'processOutboxBatch', 'commitRoster', 'createLearningAssignment', 'createExamWindow', 'sendCohortNotice']) {
      expect(tally.get(name)?.ok ?? 0, `${name} succeeded at least once`).toBeGreaterThan(0);
      expect(tally.get(name)?.rejected ?? 0, `${name} refused at least once`).toBeGreaterThan(0);
    }
  });
});

describe('multi-step writes are atomic', { timeout: TIMEOUT }, () => {
  it('an import whose last step fails leaves no row of the earlier steps', async () => {
    const provinceAdmin = { userId: w.person('admin', w.province, '省管理员二'), scopePath: w.province.path, ip: '127.0.0.1' };
    const rows: RawRosterRow[] = [
      { line: 2, name: '原子一', phone: '13733330001', idNumber: '', role: '儿童主任', city: '', county: '竹山县', township: '城关镇', village: '测试一村' },
      { line: 3, name: '原子二', phone: '13733330002', idNumber: '', role: '儿童督导员', city: '', county: '竹山县', township: '宝丰镇', village: '' },
    ];
    const before = fingerprint(db);
    await expect(
      commitRoster(db, provinceAdmin, rows, {
        passwordHash: w.hash,
        jobId: null,
        now: NOW,
        chunkSize: 1,
        beforeCommit: () => {
          throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(fingerprint(db)).toBe(before);
    expect(db.select().from(users).where(eq(users.phone, '13733330001')).get()).toBeUndefined();
    // a duplicate phone in the second row refuses the whole file: the first row is not written either
    const dup = [rows[0]!, { ...rows[1]!, phone: '13733330001' }];
    await expect(commitRoster(db, provinceAdmin, dup, { passwordHash: w.hash, jobId: null, now: NOW, chunkSize: 1 })).rejects.toBeInstanceOf(ImportRejected);
    expect(fingerprint(db)).toBe(before);
  });

  it('createPerson: an out-of-scope region or an institution outside the region leaves no person row', async () => {
    const before = fingerprint(db);
    await expect(createPerson(db, admin, { name: '越权甲', phone: '13744440001', idNumber: null, assignment: { role: 'director', regionId: w.hxVillage.id } }, NOW)).rejects.toBeInstanceOf(FieldError);
    await expect(createPerson(db, admin, { name: '越权乙', phone: '13744440002', idNumber: null, assignment: { role: 'caregiver', regionId: w.zhushan.id, institutionId: 999999 } }, NOW)).rejects.toBeInstanceOf(FieldError);
    expect(fingerprint(db)).toBe(before);
  });

  it('createPerson: two requests with the same new phone at once — one person, one field message, no 500', async () => {
    const before = rowCounts(db);
    const make = (name: string) => createPerson(db, admin, { name, phone: '13755550001', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage2.id } }, NOW);
    const results = await Promise.allSettled([make('同时甲'), make('同时乙')]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason, String(failed[0]!.reason)).toBeInstanceOf(FieldError);
    expect((failed[0]!.reason as FieldError).field).toBe('phone');
    const after = rowCounts(db);
    expect(after.users).toBe(before.users! + 1);
    expect(after.role_assignments).toBe(before.role_assignments! + 1);
  });
});
