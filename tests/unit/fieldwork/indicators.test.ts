import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { testContent } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { cases, workEntries, enrollments, learningAssignments, lessonCompletions, lessons, attempts, examWindows, roleAssignments } from '../../../db/schema/index';
import { computeIndicators, listRatedPeople, commonScope, dayStartMs, type Person } from '../../../src/lib/fieldwork/indicators';
import { parsePeriod } from '../../../src/lib/fieldwork/periods';
import { reportDueAt } from '../../../src/lib/fieldwork/mandatory';
import type { Region } from '../../../src/lib/org/regions';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
/** 2026-06-15 12:00 China time */
const NOW = Date.UTC(2026, 5, 15, 4);
/** epoch ms of a China-time moment */
const at = (day: string, hh = 12) => dayStartMs(day) + hh * 3600_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  syncContent(db, testContent(), NOW - 300 * DAY);
});
afterEach(() => t.cleanup());

const person = (userId: number, role: 'director' | 'supervisor', region: Region): Person => ({ userId, role, regionId: region.id, regionPath: region.path });
const Q2 = () => parsePeriod('2026-Q2')!;
const Q1 = () => parsePeriod('2026-Q1')!;

let seq = 0;
function addCase(village: Region, o: { category?: 'difficult' | 'left_behind' | 'orphan'; guardian?: 'entrusted' | 'parents'; openedOn: string; closedOn?: string | null; days?: number }) {
  return db
    .insert(cases)
    .values({
      code: `C-${++seq}`,
      villageId: village.id,
      regionPath: village.path,
      category: o.category ?? 'difficult',
      guardianSituation: o.guardian ?? 'parents',
      risk: 'low',
      status: o.closedOn ? 'closed' : 'active',
      openedOn: o.openedOn,
      closedOn: o.closedOn ?? null,
      intervalDays: o.days ?? 30,
      intervalHistory: [{ from: o.openedOn, days: o.days ?? 30 }],
      createdAt: NOW,
      updatedAt: NOW,
    })
    .returning()
    .get();
}

function addEntry(userId: number, village: Region, o: { type: 'visit' | 'agreement' | 'report' | 'outreach'; day: string; caseId?: number | null; status?: 'submitted' | 'verified' | 'returned'; data?: Record<string, unknown>; flagged?: boolean; linkedEntryId?: number | null; reportDueAt?: number | null; submittedAt?: number; decidedAt?: number | null }) {
  const submittedAt = o.submittedAt ?? at(o.day);
  const status = o.status ?? 'verified';
  return db
    .insert(workEntries)
    .values({
      userId,
      clientId: `e-${++seq}`,
      type: o.type,
      caseId: o.caseId ?? null,
      villageId: village.id,
      regionPath: village.path,
      day: o.day,
      data: o.data ?? {},
      flagged: o.flagged ?? false,
      situations: o.flagged ? ['abandoned'] : [],
      linkedEntryId: o.linkedEntryId ?? null,
      reportDueAt: o.reportDueAt ?? null,
      status,
      submittedAt,
      decidedAt: o.decidedAt !== undefined ? o.decidedAt : status === 'submitted' ? null : submittedAt + DAY,
      createdAt: submittedAt,
      updatedAt: submittedAt,
    })
    .returning()
    .get();
}

function enrol(userId: number, dueDate: string, completedAt: number | null) {
  const ra = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  const la = db.insert(learningAssignments).values({ courseId: getCourseBySlug(db, 'alpha')!.id, role: ra.role, regionId: ra.regionId, regionPath: ra.regionPath, dueDate, createdAt: NOW - 200 * DAY }).returning().get();
  db.insert(enrollments).values({ userId, assignmentId: la.id, roleAssignmentId: ra.id, regionPath: ra.regionPath, dueDate, enrolledAt: NOW - 200 * DAY, coursesTotal: 1, coursesDone: completedAt ? 1 : 0, completedAt }).run();
}

const one = (p: Person, period = Q2(), now = NOW) => computeIndicators(db, [p], period, now)[0]!;

describe('people and scopes', () => {
  it('lists active directors and supervisors of a scope once per role', () => {
    const d = w.person('director', w.cgVillage);
    const s = w.person('supervisor', w.chengguan);
    w.person('official', w.zhushan);
    w.person('director', w.hxVillage);
    const list = listRatedPeople(db, w.zhushan.path);
    expect(list.map((p) => [p.userId, p.role]).sort()).toEqual([[d, 'director'], [s, 'supervisor']].sort());
    expect(commonScope([w.cgVillage.path, w.bfVillage.path])).toBe(w.zhushan.path);
    expect(commonScope([w.cgVillage.path])).toBe(w.cgVillage.path);
  });
});

describe('trainingOnTime', () => {
  it('is the share of enrolments due in the period (up to as-of) completed by the end of the due day', () => {
    const d = w.person('director', w.cgVillage);
    enrol(d, '2026-04-10', at('2026-04-10', 23)); // the last hour of the due day: on time
    enrol(d, '2026-05-01', at('2026-05-02', 9)); // a day late
    enrol(d, '2026-06-20', null); // due after as-of (06-15): not counted yet
    enrol(d, '2026-03-31', null); // another period
    const r = one(person(d, 'director', w.cgVillage));
    expect(r.indicators.trainingOnTime).toMatchObject({ value: 0.5, numerator: 1, denominator: 2 });
    expect(r.indicators.trainingOnTime!.detail).toEqual({ key: 'perf.detail.trainingOnTime', params: { due: 2, onTime: 1 } });
  });

  it('does not apply when nothing fell due', () => {
    const d = w.person('director', w.cgVillage);
    expect(one(person(d, 'director', w.cgVillage)).indicators.trainingOnTime!.value).toBeNull();
  });
});

describe('hours', () => {
  it('counts lesson minutes in the period against the yearly target scaled to the period', () => {
    const d = w.person('director', w.cgVillage);
    const ls = listLessons(db, getCourseBySlug(db, 'beta')!.id);
    db.update(lessons).set({ minutes: 60 }).run();
    db.insert(lessonCompletions).values({ userId: d, lessonId: ls[0]!.id, completedAt: at('2026-04-02') }).run();
    db.insert(lessonCompletions).values({ userId: d, lessonId: ls[1]!.id, completedAt: at('2026-06-15', 9) }).run();
    db.insert(lessonCompletions).values({ userId: d, lessonId: ls[2]!.id, completedAt: at('2026-03-20') }).run();
    const q2 = one(person(d, 'director', w.cgVillage)).indicators.hours!;
    // 24 h a year → 6 h a quarter; 2 h done
    expect(q2).toMatchObject({ numerator: 2, denominator: 6, value: 0.3333 });
    const year = one(person(d, 'director', w.cgVillage), parsePeriod('2026')!).indicators.hours!;
    expect(year).toMatchObject({ numerator: 3, denominator: 24, value: 0.125 });
    const month = one(person(d, 'director', w.cgVillage), parsePeriod('2026-04')!).indicators.hours!;
    expect(month).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
  });

  it('is capped at 1', () => {
    const d = w.person('director', w.cgVillage);
    db.update(lessons).set({ minutes: 600 }).run();
    const l = listLessons(db, getCourseBySlug(db, 'alpha')!.id)[0]!;
    db.insert(lessonCompletions).values({ userId: d, lessonId: l.id, completedAt: at('2026-04-02') }).run();
    expect(one(person(d, 'director', w.cgVillage), parsePeriod('2026-04')!).indicators.hours!.value).toBe(1);
  });
});

describe('examAverage', () => {
  it('averages submitted exam attempts in the period against the target score; quizzes do not count', () => {
    const d = w.person('director', w.cgVillage);
    const courseId = getCourseBySlug(db, 'alpha')!.id;
    const exam = (title: string) =>
      db.insert(examWindows).values({ courseId, title, role: 'director', regionId: w.zhushan.id, regionPath: w.zhushan.path, opensAt: NOW - 90 * DAY, closesAt: NOW, durationMinutes: 30, perTopic: 2, passMark: 60, createdAt: NOW - 90 * DAY }).returning().get().id;
    const attempt = (examId: number | null, submittedAt: number, score: number, number = 1) =>
      db.insert(attempts).values({ userId: d, courseId, examId, regionPath: w.cgVillage.path, number, startedAt: submittedAt - 600_000, deadlineAt: submittedAt + 600_000, submittedAt, total: 10, correct: 7, score, passMark: 60 }).run();
    expect(one(person(d, 'director', w.cgVillage)).indicators.examAverage!.value).toBeNull();
    attempt(exam('一'), at('2026-04-20'), 72);
    attempt(exam('二'), at('2026-05-20'), 90);
    attempt(exam('三'), at('2026-03-20'), 10); // Q1
    attempt(null, at('2026-05-21'), 20, 1); // a course quiz
    const r = one(person(d, 'director', w.cgVillage)).indicators.examAverage!;
    expect(r).toMatchObject({ numerator: 81, denominator: 90, value: 0.9 });
    expect(r.detail.params).toEqual({ count: 2, average: 81, target: 90 });
  });
});

describe('visitCompletion', () => {
  it('counts obligations due in the period met by verified visits, for the director village and the supervisor township', () => {
    const d = w.person('director', w.cgVillage);
    const d2 = w.person('director', w.cgVillage2);
    const s = w.person('supervisor', w.chengguan);
    const c = addCase(w.cgVillage, { openedOn: '2026-01-01' });
    // due 01-31 (met 01-20), 02-19 (met 02-15), 03-17 (missed: the 03-10 visit is not verified), late visit 03-25
    addEntry(d, w.cgVillage, { type: 'visit', day: '2026-01-20', caseId: c.id });
    addEntry(d, w.cgVillage, { type: 'visit', day: '2026-02-15', caseId: c.id });
    addEntry(d, w.cgVillage, { type: 'visit', day: '2026-03-10', caseId: c.id, status: 'submitted' });
    addEntry(d, w.cgVillage, { type: 'visit', day: '2026-03-25', caseId: c.id });
    // a returned visit never counts
    addEntry(d, w.cgVillage, { type: 'visit', day: '2026-03-16', caseId: c.id, status: 'returned' });
    const q1 = one(person(d, 'director', w.cgVillage), Q1()).indicators.visitCompletion!;
    expect(q1).toMatchObject({ denominator: 3, numerator: 2, value: 0.6667 });
    expect(q1.detail).toEqual({ key: 'perf.detail.visitCompletion.director', params: { due: 3, met: 2 } });
    // the neighbouring village: one case, never visited: 02-15 and 03-17 missed
    addCase(w.cgVillage2, { openedOn: '2026-01-16' });
    expect(one(person(d2, 'director', w.cgVillage2), Q1()).indicators.visitCompletion).toMatchObject({ denominator: 2, numerator: 0 });
    // the township's supervisor sees both villages; 宝丰镇's cases are not theirs
    addCase(w.bfVillage, { openedOn: '2026-01-01' });
    const sup = one(person(s, 'supervisor', w.chengguan), Q1()).indicators.visitCompletion!;
    expect(sup).toMatchObject({ denominator: 5, numerator: 2 });
    expect(sup.detail.key).toBe('perf.detail.visitCompletion.supervisor');
  });

  it('does not apply with nothing due, and stops at as-of in a running period', () => {
    const d = w.person('director', w.cgVillage);
    expect(one(person(d, 'director', w.cgVillage)).indicators.visitCompletion!.value).toBeNull();
    // opened 05-20: first visit due 06-19, after as-of (06-15)
    addCase(w.cgVillage, { openedOn: '2026-05-20' });
    expect(one(person(d, 'director', w.cgVillage)).indicators.visitCompletion!.value).toBeNull();
    // a case closed before the period is left out
    addCase(w.cgVillage, { openedOn: '2025-10-01', closedOn: '2026-03-01' });
    expect(one(person(d, 'director', w.cgVillage)).indicators.visitCompletion!.denominator).toBe(0);
  });
});

describe('agreementCoverage', () => {
  it('is the share of entrusted 留守 cases open at as-of with a verified, unexpired agreement', () => {
    const d = w.person('director', w.cgVillage);
    const mk = () => addCase(w.cgVillage, { category: 'left_behind', guardian: 'entrusted', openedOn: '2026-01-05', days: 90 });
    const a = mk();
    const b = mk();
    const c = mk();
    mk(); // no agreement at all
    addCase(w.cgVillage, { category: 'left_behind', guardian: 'entrusted', openedOn: '2026-01-05', closedOn: '2026-06-01', days: 90 }); // closed before as-of
    addCase(w.cgVillage, { category: 'left_behind', guardian: 'parents', openedOn: '2026-01-05', days: 90 }); // parents at home: no agreement needed
    addEntry(d, w.cgVillage, { type: 'agreement', day: '2026-01-10', caseId: a.id, data: { validUntil: '2027-01-01' } });
    addEntry(d, w.cgVillage, { type: 'agreement', day: '2026-01-10', caseId: b.id, data: { validUntil: '2026-03-01' } }); // expired
    addEntry(d, w.cgVillage, { type: 'agreement', day: '2026-01-10', caseId: c.id, data: { validUntil: null }, status: 'submitted' }); // not verified
    const r = one(person(d, 'director', w.cgVillage)).indicators.agreementCoverage!;
    expect(r).toMatchObject({ denominator: 4, numerator: 1, value: 0.25 });
    // an open-ended agreement counts
    addEntry(d, w.cgVillage, { type: 'agreement', day: '2026-02-10', caseId: c.id, data: { validUntil: null } });
    expect(one(person(d, 'director', w.cgVillage)).indicators.agreementCoverage!.numerator).toBe(2);
  });

  it('does not apply without such cases', () => {
    const d = w.person('director', w.cgVillage);
    expect(one(person(d, 'director', w.cgVillage)).indicators.agreementCoverage!.value).toBeNull();
  });
});

describe('reportTimeliness', () => {
  it('is the share of flagged visits of the period answered by a verified report made in time', () => {
    const d = w.person('director', w.cgVillage);
    const c = addCase(w.cgVillage, { openedOn: '2026-01-01' });
    const flagged = (day: string, status: 'verified' | 'submitted' | 'returned' = 'verified') => addEntry(d, w.cgVillage, { type: 'visit', day, caseId: c.id, flagged: true, reportDueAt: reportDueAt(day, 24), status });
    const report = (visit: { id: number; day: string }, reportedAt: number, status: 'verified' | 'submitted' = 'verified') => {
      const r = addEntry(d, w.cgVillage, { type: 'report', day: visit.day, caseId: c.id, linkedEntryId: visit.id, data: { reportedAt }, status });
      db.update(workEntries).set({ linkedEntryId: r.id }).where(eq(workEntries.id, visit.id)).run();
    };
    const v1 = flagged('2026-04-03');
    report(v1, at('2026-04-03', 18)); // same day: in time
    const v2 = flagged('2026-04-10');
    report(v2, at('2026-04-13', 9)); // past the 24 h after the day
    flagged('2026-05-01'); // never reported
    const v4 = flagged('2026-05-05');
    report(v4, at('2026-05-05', 15), 'submitted'); // in time but not yet verified
    flagged('2026-05-06', 'returned'); // returned visits are left out
    flagged('2026-03-01'); // another period
    const r = one(person(d, 'director', w.cgVillage)).indicators.reportTimeliness!;
    expect(r).toMatchObject({ denominator: 4, numerator: 1, value: 0.25 });
    expect(r.detail).toEqual({ key: 'perf.detail.reportTimeliness', params: { flagged: 4, ok: 1 } });
  });

  it('does not apply without flagged visits', () => {
    const d = w.person('director', w.cgVillage);
    expect(one(person(d, 'director', w.cgVillage)).indicators.reportTimeliness!.value).toBeNull();
  });
});

describe('outreach', () => {
  it('counts verified sessions against the yearly target scaled to the period', () => {
    const d = w.person('director', w.cgVillage);
    addEntry(d, w.cgVillage, { type: 'outreach', day: '2026-04-15' });
    addEntry(d, w.cgVillage, { type: 'outreach', day: '2026-05-15', status: 'submitted' });
    addEntry(d, w.cgVillage, { type: 'outreach', day: '2026-02-15' });
    // 4 a year → 1 a quarter
    expect(one(person(d, 'director', w.cgVillage)).indicators.outreach).toMatchObject({ numerator: 1, denominator: 1, value: 1 });
    expect(one(person(d, 'director', w.cgVillage), parsePeriod('2026')!).indicators.outreach).toMatchObject({ numerator: 2, denominator: 4, value: 0.5 });
  });
});

describe('verifyTimeliness', () => {
  it('is the share of the township entries submitted in the period decided within the limit; undecided past it are late', () => {
    const d = w.person('director', w.cgVillage);
    const s = w.person('supervisor', w.chengguan);
    const other = w.person('director', w.bfVillage);
    const sub = (day: string, decidedAfterDays: number | null) =>
      addEntry(d, w.cgVillage, { type: 'outreach', day, submittedAt: at(day), decidedAt: decidedAfterDays === null ? null : at(day) + decidedAfterDays * DAY, status: decidedAfterDays === null ? 'submitted' : 'verified' });
    sub('2026-04-01', 2); // on time
    sub('2026-04-02', 7); // exactly the limit: on time
    sub('2026-04-03', 10); // late
    sub('2026-05-01', null); // undecided, long past the limit: late
    sub('2026-06-14', null); // undecided, limit not reached: not judged yet
    sub('2026-03-20', 1); // another period
    addEntry(other, w.bfVillage, { type: 'outreach', day: '2026-04-01', decidedAt: null, status: 'submitted' }); // another township
    const r = one(person(s, 'supervisor', w.chengguan)).indicators.verifyTimeliness!;
    expect(r).toMatchObject({ denominator: 4, numerator: 2, value: 0.5 });
    expect(r.detail.params).toEqual({ counted: 4, onTime: 2, days: 7 });
  });

  it('gives supervisors their own indicator set and directors theirs', () => {
    const d = w.person('director', w.cgVillage);
    const s = w.person('supervisor', w.chengguan);
    const [rd, rs] = computeIndicators(db, [person(d, 'director', w.cgVillage), person(s, 'supervisor', w.chengguan)], Q2(), NOW);
    expect(Object.keys(rd!.indicators).sort()).toEqual(['agreementCoverage', 'examAverage', 'hours', 'outreach', 'reportTimeliness', 'trainingOnTime', 'visitCompletion']);
    expect(Object.keys(rs!.indicators).sort()).toEqual(['examAverage', 'hours', 'trainingOnTime', 'verifyTimeliness', 'visitCompletion']);
  });
});

describe('batch', () => {
  it('gives the same answers for many people at once as one by one, in a fixed number of queries', () => {
    const people: Person[] = [];
    const villages = [w.cgVillage, w.cgVillage2, w.bfVillage];
    for (let i = 0; i < 30; i++) {
      const v = villages[i % 3]!;
      const id = w.person('director', v);
      people.push(person(id, 'director', v));
      const c = addCase(v, { openedOn: '2026-03-01' });
      if (i % 2) addEntry(id, v, { type: 'visit', day: '2026-03-20', caseId: c.id });
      if (i % 3) addEntry(id, v, { type: 'outreach', day: '2026-04-20' });
    }
    people.push(person(w.person('supervisor', w.chengguan), 'supervisor', w.chengguan));
    // past 500 people the set is selected by scope in SQL rather than by a list of ids
    for (let i = 0; i < 480; i++) people.push(person(w.person('director', w.bfVillage), 'director', w.bfVillage));
    let queries = 0;
    const orig = db.$client.prepare.bind(db.$client);
    db.$client.prepare = ((s: string) => {
      queries++;
      return orig(s);
    }) as typeof db.$client.prepare;
    const all = computeIndicators(db, people, Q2(), NOW);
    db.$client.prepare = orig;
    expect(all).toHaveLength(511);
    expect(queries).toBeLessThan(15);
    for (const p of [people[0]!, people[7]!, people[30]!, people[500]!]) {
      const single = one(p);
      expect(all.find((r) => r.person.userId === p.userId)!.indicators).toEqual(single.indicators);
    }
  });
});
