import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { testContent, course } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, getCurriculumBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { createLearningAssignment, enrolNewMember, listPendingOnboarding } from '../../../src/lib/learning/enrol';
import {
  completeLesson,
  getLearnerOverview,
  getAssignmentDetail,
  listAssignmentsForScope,
  remindLearners,
  listUnreadNotices,
  markNoticeRead,
} from '../../../src/lib/learning/progress';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { createPerson, addAssignment } from '../../../src/lib/people/people';
import { FieldError } from '../../../src/lib/errors';
import { courseVersions, roleAssignments, enrollments, regionAssignmentRollup, courseProgress, learnerSummary, regionCourseRollup } from '../../../db/schema/index';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 2); // 2026-06-01 10:00 China time

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncContent(db, testContent(), NOW - 100 * DAY);
});
afterEach(() => t.cleanup());

const ids = () => ({
  alpha: getCourseBySlug(db, 'alpha')!,
  beta: getCourseBySlug(db, 'beta')!,
  gamma: getCourseBySlug(db, 'gamma')!,
  onboard: getCurriculumBySlug(db, 'onboard')!,
  refresh: getCurriculumBySlug(db, 'refresh')!,
});

function readAll(userId: number, courseId: number, at = NOW) {
  for (const l of listLessons(db, courseId)) completeLesson(db, userId, l.id, at);
}

describe('content sync', () => {
  it('is idempotent and records new course versions', () => {
    syncContent(db, testContent(), NOW);
    const c = testContent();
    c.courses[0] = course('alpha', 3, { version: '1.1.0', changelog: [{ version: '1.1.0', date: '2026-05-01', note: '增加一课' }, { version: '1.0.0', date: '2026-01-01', note: '首版' }] });
    const r = syncContent(db, c, NOW);
    expect(r.coursesNewVersion).toEqual(['alpha 1.0.0 → 1.1.0']);
    expect(getCourseBySlug(db, 'alpha')!.lessonCount).toBe(3);
    expect(db.select().from(courseVersions).where(eq(courseVersions.courseId, getCourseBySlug(db, 'alpha')!.id)).all().map((v) => v.version).sort()).toEqual(['1.0.0', '1.1.0']);
  });
});

describe('cohort assignment', () => {
  it('enrols everyone with the role in the region, and nobody outside it or with another role', () => {
    const { refresh } = ids();
    const d1 = w.person('director', w.cgVillage);
    const d2 = w.person('director', w.bfVillage);
    const d3 = w.person('director', w.hxVillage);
    w.person('supervisor', w.chengguan);
    const trainer = w.person('trainer', w.zhushan);
    const r = createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: refresh.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    expect(r.enrolled).toBe(2);
    const enrolled = db.select().from(enrollments).all().map((e) => e.userId).sort();
    expect(enrolled).toEqual([d1, d2].sort());
    expect(getLearnerOverview(db, d3, NOW).enrollments).toHaveLength(0);
  });

  it('checks jurisdiction, role, target and due date, naming the field', () => {
    const { refresh, gamma } = ids();
    const trainer = w.person('trainer', w.zhushan);
    const actor = { userId: trainer, scopePath: w.zhushan.path };
    const base = { curriculumId: refresh.id, role: 'director' as const, regionId: w.zhushan.id, dueDate: '2026-07-01' };
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof FieldError ? `${e.field}:${e.key}` : String(e);
      }
      return 'no error';
    };
    expect(err(() => createLearningAssignment(db, actor, { ...base, regionId: w.jiangling.id }, NOW))).toBe('regionId:v.regionOutOfScope');
    expect(err(() => createLearningAssignment(db, actor, { ...base, role: 'official' }, NOW))).toBe('role:v.learnerRole');
    expect(err(() => createLearningAssignment(db, actor, { ...base, curriculumId: null, courseId: gamma.id }, NOW))).toBe('role:v.roleNotServed');
    expect(err(() => createLearningAssignment(db, actor, { ...base, dueDate: '2026-02-30' }, NOW))).toBe('dueDate:v.date');
    expect(err(() => createLearningAssignment(db, actor, { ...base, dueDate: '2026-05-31' }, NOW))).toBe('dueDate:v.dateInPast');
    expect(err(() => createLearningAssignment(db, actor, { ...base, dueDate: '9999-12-31' }, NOW))).toBe('dueDate:v.dateTooFar');
    expect(err(() => createLearningAssignment(db, actor, { ...base, curriculumId: 999 }, NOW))).toBe('target:v.choose');
  });

  it('enrols people who join the role and region later, automatically', async () => {
    const { refresh } = ids();
    const trainer = w.person('trainer', w.zhushan);
    createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: refresh.id, role: 'director', regionId: w.chengguan.id, dueDate: '2026-07-01' }, NOW);
    const admin = w.person('admin', w.zhushan);
    const { id } = await createPerson(db, { userId: admin, scopePath: w.zhushan.path }, { phone: '13712340000', name: '新来的', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage2.id } }, NOW + DAY);
    expect(getLearnerOverview(db, id, NOW + DAY).enrollments.map((e) => e.title)).toContain('方案refresh');
    // a new director elsewhere in the county is not in the township's cohort
    const other = w.person('director', w.bfVillage);
    addAssignment(db, { userId: admin, scopePath: w.zhushan.path }, other, { role: 'supervisor', regionId: w.chengguan.id }, NOW);
    expect(getLearnerOverview(db, other, NOW).enrollments).toHaveLength(0);
  });
});

describe('progress', () => {
  it('completes lessons idempotently, completes the course, and moves every enrolment that contains it', () => {
    const { alpha, refresh, onboard } = ids();
    const d = w.person('director', w.cgVillage);
    const trainer = w.person('trainer', w.zhushan);
    createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: refresh.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: onboard.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    const [l1, l2] = listLessons(db, alpha.id);
    expect(completeLesson(db, d, l1!.id, NOW)).toEqual({ recorded: true, courseCompleted: false });
    expect(completeLesson(db, d, l1!.id, NOW)).toEqual({ recorded: false, courseCompleted: false });
    expect(completeLesson(db, d, l2!.id, NOW)).toEqual({ recorded: true, courseCompleted: true });
    const ov = getLearnerOverview(db, d, NOW);
    const byTitle = Object.fromEntries(ov.enrollments.map((e) => [e.title, e]));
    expect(byTitle['方案refresh']!.completedAt).toBe(NOW);
    expect(byTitle['方案onboard']).toMatchObject({ coursesDone: 1, coursesTotal: 2, completedAt: null });
    expect(ov.hoursThisYear).toBe(2);
    expect(ov.continueAt?.courseSlug).toBe('beta');
  });

  it('locks a course until its prerequisites are complete', () => {
    const { alpha, beta } = ids();
    const d = w.person('director', w.cgVillage);
    const b1 = listLessons(db, beta.id)[0]!;
    expect(() => completeLesson(db, d, b1.id, NOW)).toThrow(/v.prerequisites/);
    readAll(d, alpha.id);
    expect(completeLesson(db, d, b1.id, NOW).recorded).toBe(true);
  });

  it('shows overdue assignments', () => {
    const { refresh } = ids();
    const d = w.person('director', w.cgVillage);
    const trainer = w.person('trainer', w.zhushan);
    createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: refresh.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-06-10' }, NOW);
    expect(getLearnerOverview(db, d, NOW).enrollments[0]!.overdue).toBe(false);
    expect(getLearnerOverview(db, d, NOW + 10 * DAY).enrollments[0]!.overdue).toBe(true);
  });
});

describe('onboarding gate', () => {
  it('makes a new director 待上岗 until the onboarding curriculum is complete; policy per county', async () => {
    const { alpha, beta } = ids();
    addPolicyVersion(db, { kind: 'onboarding', regionId: w.province.id, version: '1.0.0', effectiveFrom: '2026-01-01', body: { rules: [{ role: 'director', curriculum: 'onboard', dueDays: 30 }] } });
    // 江陵县 switches the gate off from May
    addPolicyVersion(db, { kind: 'onboarding', regionId: w.jiangling.id, version: '1.0.0', effectiveFrom: '2026-05-01', body: { rules: [] } });
    const admin = w.person('admin', w.province);
    const actor = { userId: admin, scopePath: w.province.path };
    const zs = await createPerson(db, actor, { phone: '13712340001', name: '竹山新人', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage2.id } }, NOW);
    const jl = await createPerson(db, actor, { phone: '13712340002', name: '江陵新人', idNumber: null, assignment: { role: 'director', regionId: w.hxVillage.id } }, NOW);
    const existing = w.person('director', w.cgVillage, '老主任');
    expect(listPendingOnboarding(db, w.province.path).map((p) => p.name)).toEqual(['竹山新人']);
    expect(listPendingOnboarding(db, w.jiangling.path)).toEqual([]);
    const ov = getLearnerOverview(db, zs.id, NOW);
    expect(ov.onboardingPending).toBe(true);
    expect(ov.enrollments[0]).toMatchObject({ onboarding: true, dueDate: '2026-07-01', coursesTotal: 2 });
    expect(getLearnerOverview(db, jl.id, NOW).onboardingPending).toBe(false);
    expect(getLearnerOverview(db, existing, NOW).onboardingPending).toBe(false);
    readAll(zs.id, alpha.id);
    readAll(zs.id, beta.id);
    expect(getLearnerOverview(db, zs.id, NOW).onboardingPending).toBe(false);
    expect(db.select().from(roleAssignments).where(eq(roleAssignments.userId, zs.id)).get()!.onboarding).toBe('done');
  });
});

describe('trainer views and rollups', () => {
  it('rollups equal a recount after a random sequence of events', () => {
    const { refresh, alpha, beta } = ids();
    const trainer = w.person('trainer', w.zhushan);
    const people = [w.cgVillage, w.cgVillage2, w.bfVillage, w.hxVillage].flatMap((v) => [w.person('director', v), w.person('director', v)]);
    createLearningAssignment(db, { userId: trainer, scopePath: w.province.path }, { curriculumId: refresh.id, role: 'director', regionId: w.province.id, dueDate: '2026-07-01' }, NOW);
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const lessonIds = [...listLessons(db, alpha.id), ...listLessons(db, beta.id)].map((l) => l.id);
    for (let i = 0; i < 60; i++) {
      const p = people[Math.floor(rand() * people.length)]!;
      const l = lessonIds[Math.floor(rand() * lessonIds.length)]!;
      try {
        completeLesson(db, p, l, NOW + i * 1000);
      } catch {
        /* beta locked until alpha is done */
      }
    }
    // recount enrolment rollups from enrolments
    const recount = new Map<string, { enrolled: number; completed: number }>();
    for (const e of db.select().from(enrollments).all()) {
      for (const id of e.regionPath.split('/').filter(Boolean)) {
        const k = `${e.assignmentId}:${id}`;
        const r = recount.get(k) ?? { enrolled: 0, completed: 0 };
        r.enrolled++;
        if (e.completedAt) r.completed++;
        recount.set(k, r);
      }
    }
    const stored = new Map(db.select().from(regionAssignmentRollup).all().map((r) => [`${r.assignmentId}:${r.regionId}`, { enrolled: r.enrolled, completed: r.completed }]));
    expect(stored).toEqual(recount);
    // enrolment counters equal the completed courses
    for (const e of db.select().from(enrollments).all()) {
      const done = db.select().from(courseProgress).where(eq(courseProgress.userId, e.userId)).all().filter((p) => p.completedAt && p.courseId === alpha.id).length;
      expect(e.coursesDone).toBe(done);
    }
    // person summaries and region-course rollups equal a recount of course completions
    const completions = db.select().from(courseProgress).all().filter((p) => p.completedAt);
    const hours = db.select().from(learnerSummary).all().reduce((s, r) => s + r.hours, 0);
    expect(hours).toBe(completions.reduce((s, p) => s + p.hours, 0));
    const provinceRow = db.select().from(regionCourseRollup).where(eq(regionCourseRollup.regionId, w.province.id)).all();
    expect(provinceRow.reduce((s, r) => s + r.completed, 0)).toBe(completions.length);
  });

  it('shows progress by township, by course and by person inside the viewer’s jurisdiction only; reminds', () => {
    const { refresh, alpha } = ids();
    const trainer = w.person('trainer', w.zhushan);
    const d1 = w.person('director', w.cgVillage, '城关甲');
    w.person('director', w.bfVillage, '宝丰乙');
    w.person('director', w.hxVillage, '郝穴丙');
    const prov = w.person('official', w.province);
    const a = createLearningAssignment(db, { userId: prov, scopePath: w.province.path }, { curriculumId: refresh.id, role: 'director', regionId: w.province.id, dueDate: '2026-06-05' }, NOW);
    readAll(d1, alpha.id);
    const scope = { regionId: w.zhushan.id, regionPath: w.zhushan.path };
    const list = listAssignmentsForScope(db, scope, NOW);
    expect(list.map((s) => [s.enrolled, s.completed])).toEqual([[2, 1]]);
    const detail = getAssignmentDetail(db, scope, a.id, { now: NOW + 10 * DAY })!;
    expect(detail.byRegion.map((r) => [r.region.name, r.enrolled, r.completed, r.overdue])).toEqual([
      ['城关镇', 1, 1, 0],
      ['宝丰镇', 1, 0, 1],
    ]);
    expect(detail.byCourse.map((c) => c.completed)).toEqual([1]);
    expect(detail.learners.map((l) => l.name)).toEqual(['宝丰乙', '城关甲']);
    expect(getAssignmentDetail(db, { regionId: w.jiangling.id, regionPath: w.jiangling.path }, a.id, { now: NOW })!.learners.map((l) => l.name)).toEqual(['郝穴丙']);
    // an assignment made in 江陵县 is invisible to 竹山县
    const jl = w.person('trainer', w.jiangling);
    const b = createLearningAssignment(db, { userId: jl, scopePath: w.jiangling.path }, { curriculumId: refresh.id, role: 'director', regionId: w.jiangling.id, dueDate: '2026-07-01' }, NOW);
    expect(getAssignmentDetail(db, scope, b.id)).toBeNull();
    expect(() => remindLearners(db, { userId: trainer, scopePath: w.zhushan.path, regionId: w.zhushan.id }, b.id, false, NOW)).toThrow();
    const n = remindLearners(db, { userId: trainer, scopePath: w.zhushan.path, regionId: w.zhushan.id }, a.id, true, NOW + 10 * DAY);
    expect(n).toBe(1);
    const baofengDirector = detail.learners.find((l) => l.name === '宝丰乙')!.userId;
    const notes = listUnreadNotices(db, baofengDirector);
    expect(notes[0]!.title).toContain('已逾期');
    expect(markNoticeRead(db, d1, notes[0]!.id)).toBe(false);
    expect(markNoticeRead(db, baofengDirector, notes[0]!.id)).toBe(true);
    // the announcement of the assignment itself stays unread
    expect(listUnreadNotices(db, baofengDirector).map((x) => x.kind)).toEqual(['learning.assigned']);
  });
});

void enrolNewMember;
