import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { refreshForPath, countFirstCompletion } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import {
  courses,
  lessons,
  lessonCompletions,
  courseProgress,
  learnerSummary,
  regionCourseRollup,
  regionAssignmentRollup,
  enrollments,
  learningAssignments,
  roleAssignments,
  curricula,
  notices,
  users,
  regions,
  quizzes,
} from '../../../db/schema/index';
import { isWithin, pathIds, withinSql } from '../org/scope';
import { getChildren, getRegion, type Region } from '../org/regions';
import { addNotice } from '../notify/notices';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { dayOf, yearOf } from '../time';
import { assignmentCourseIds, coursesBySlugs, curriculumCourseList, type Course } from './catalog';
import type { Actor, LearningAssignment } from './enrol';
import { issueForCurriculum, issueForCourse } from '../certification/certificates';

/** The region a person's learning counts under: their first active role assignment. */
export function learnerRegionPath(db: Db, userId: number): string | null {
  return (
    db
      .select({ path: roleAssignments.regionPath })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.active, true)))
      .orderBy(asc(roleAssignments.id))
      .get()?.path ?? null
  );
}

/** Prerequisite courses the person has not completed yet. */
export function missingPrerequisites(db: Db, userId: number, course: Course): Course[] {
  const pre = coursesBySlugs(db, course.prerequisites);
  if (!pre.length) return [];
  const done = new Set(
    db
      .select({ courseId: courseProgress.courseId })
      .from(courseProgress)
      .where(and(eq(courseProgress.userId, userId), inArray(courseProgress.courseId, pre.map((c) => c.id)), sql`${courseProgress.completedAt} is not null`))
      .all()
      .map((r) => r.courseId),
  );
  return pre.filter((c) => !done.has(c.id));
}

export interface LessonResult {
  recorded: boolean;
  courseCompleted: boolean;
}

/**
 * A learner read a lesson to the end and confirmed. Idempotent (a second confirmation, or an offline
 * re-send with the same client id, changes nothing). Completing the last lesson completes the course,
 * which updates the person's summary, the region rollups and every cohort enrolment it belongs to — all in
 * one transaction.
 */
export function completeLesson(db: Db, userId: number, lessonId: number, now = Date.now(), clientId: string | null = null): LessonResult {
  const lesson = db.select().from(lessons).where(and(eq(lessons.id, lessonId), eq(lessons.active, true))).get();
  if (!lesson) throw new NotFoundError('lesson');
  const course = db.select().from(courses).where(eq(courses.id, lesson.courseId)).get();
  if (!course || !course.active) throw new NotFoundError('course');
  if (missingPrerequisites(db, userId, course).length) throw new FieldError('lesson', 'v.prerequisites');
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const inserted = t.insert(lessonCompletions).values({ userId, lessonId, completedAt: now, clientId }).onConflictDoNothing().returning({ id: lessonCompletions.id }).all();
    if (!inserted.length) return { recorded: false, courseCompleted: false };
    t.insert(courseProgress).values({ userId, courseId: course.id, lessonsTotal: course.lessonCount }).onConflictDoNothing().run();
    const done =
      t
        .select({ n: sql<number>`count(*)` })
        .from(lessonCompletions)
        .innerJoin(lessons, eq(lessons.id, lessonCompletions.lessonId))
        .where(and(eq(lessonCompletions.userId, userId), eq(lessons.courseId, course.id), eq(lessons.active, true)))
        .get()?.n ?? 0;
    const progress = t.select().from(courseProgress).where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, course.id))).get()!;
    t.update(courseProgress)
      .set({ lessonsDone: done, lessonsTotal: course.lessonCount, startedAt: progress.startedAt ?? now, lastLessonId: lessonId, lastActivityAt: now })
      .where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, course.id)))
      .run();
    let courseCompleted = false;
    if (!progress.completedAt && done >= course.lessonCount && (progress.quizPassedAt !== null || !hasQuiz(t, course.id))) {
      completeCourse(t, userId, course, now);
      courseCompleted = true;
    }
    return { recorded: true, courseCompleted };
  });
}

function hasQuiz(db: Db, courseId: number): boolean {
  return !!db.select({ id: quizzes.courseId }).from(quizzes).where(and(eq(quizzes.courseId, courseId), eq(quizzes.active, true))).get();
}

/**
 * The course quiz was passed (called by the assessment functions inside the grading transaction). The
 * course completes now if every lesson is read; otherwise when the last lesson is.
 */
export function onQuizPassed(db: Db, userId: number, courseId: number, now: number): boolean {
  const course = db.select().from(courses).where(eq(courses.id, courseId)).get();
  if (!course) return false;
  db.insert(courseProgress).values({ userId, courseId, lessonsTotal: course.lessonCount }).onConflictDoNothing().run();
  const p = db.select().from(courseProgress).where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, courseId))).get()!;
  db.update(courseProgress)
    .set({ quizPassedAt: p.quizPassedAt ?? now, lastActivityAt: now })
    .where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, courseId)))
    .run();
  if (!p.completedAt && p.lessonsDone >= course.lessonCount) {
    completeCourse(db, userId, course, now);
    return true;
  }
  return false;
}

function completeCourse(db: Db, userId: number, course: Course, now: number) {
  const year = yearOf(now);
  db.update(courseProgress)
    .set({ completedAt: now, completedVersion: course.version, hours: course.hours })
    .where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, course.id)))
    .run();
  const summary = db
    .insert(learnerSummary)
    .values({ userId, year, hours: course.hours, coursesCompleted: 1 })
    .onConflictDoUpdate({
      target: [learnerSummary.userId, learnerSummary.year],
      set: { hours: sql`${learnerSummary.hours} + ${course.hours}`, coursesCompleted: sql`${learnerSummary.coursesCompleted} + 1` },
    })
    .returning({ coursesCompleted: learnerSummary.coursesCompleted })
    .get();
  if (summary?.coursesCompleted === 1) countFirstCompletion(db, userId, year);
  const path = learnerRegionPath(db, userId);
  if (path) {
    for (const regionId of pathIds(path)) {
      db.insert(regionCourseRollup)
        .values({ regionId, courseId: course.id, year, completed: 1, hours: course.hours })
        .onConflictDoUpdate({
          target: [regionCourseRollup.regionId, regionCourseRollup.courseId, regionCourseRollup.year],
          set: { completed: sql`${regionCourseRollup.completed} + 1`, hours: sql`${regionCourseRollup.hours} + ${course.hours}` },
        })
        .run();
    }
  }
  // every open enrolment that includes this course moves on; finished ones complete
  const open = db
    .select({ e: enrollments, a: learningAssignments })
    .from(enrollments)
    .innerJoin(learningAssignments, eq(learningAssignments.id, enrollments.assignmentId))
    .where(and(eq(enrollments.userId, userId), isNull(enrollments.completedAt)))
    .all();
  for (const { e, a } of open) {
    const ids = assignmentCourseIds(db, a);
    if (!ids.includes(course.id)) continue;
    const done = e.coursesDone + 1;
    const complete = done >= e.coursesTotal;
    db.update(enrollments).set({ coursesDone: done, completedAt: complete ? now : null }).where(eq(enrollments.id, e.id)).run();
    if (complete) {
      for (const regionId of pathIds(e.regionPath)) {
        db.update(regionAssignmentRollup)
          .set({ completed: sql`${regionAssignmentRollup.completed} + 1` })
          .where(and(eq(regionAssignmentRollup.assignmentId, a.id), eq(regionAssignmentRollup.regionId, regionId)))
          .run();
      }
      if (a.onboarding) {
        db.update(roleAssignments).set({ onboarding: 'done' }).where(eq(roleAssignments.id, e.roleAssignmentId)).run();
        refreshForPath(db, e.regionPath, ['staffing']);
      }
      // completing a curriculum earns its certificate (once; renewed when expired or owing an update)
      if (a.curriculumId) issueForCurriculum(db, userId, a.curriculumId, e.regionPath, now);
    }
  }
  if (course.certifying && path) issueForCourse(db, userId, course.id, path, now);
}

// ---------------------------------------------------------------- what a learner sees

export interface CourseLine {
  id: number;
  slug: string;
  title: string;
  hours: number;
  lessonsDone: number;
  lessonsTotal: number;
  completed: boolean;
  locked: boolean;
}

export interface EnrollmentLine {
  id: number;
  title: string;
  kind: 'curriculum' | 'course';
  onboarding: boolean;
  dueDate: string;
  overdue: boolean;
  coursesDone: number;
  coursesTotal: number;
  completedAt: number | null;
  courses: CourseLine[];
}

export interface LearnerOverview {
  enrollments: EnrollmentLine[];
  hoursThisYear: number;
  coursesCompletedThisYear: number;
  continueAt: { courseSlug: string; courseTitle: string; lessonSlug: string; lessonTitle: string } | null;
  onboardingPending: boolean;
}

function targetTitle(db: Db, a: LearningAssignment): string {
  if (a.curriculumId) return db.select({ t: curricula.title }).from(curricula).where(eq(curricula.id, a.curriculumId)).get()?.t ?? '';
  return db.select({ t: courses.title }).from(courses).where(eq(courses.id, a.courseId!)).get()?.t ?? '';
}

type ProgressRow = typeof courseProgress.$inferSelect;

/** Course lines from the person's progress rows, read once per page (no query per course). */
function courseLines(list: Course[], prog: Map<number, ProgressRow>, completedSlugs: Set<string>): CourseLine[] {
  return list.map((c) => {
    const p = prog.get(c.id);
    return {
      id: c.id,
      slug: c.slug,
      title: c.title,
      hours: c.hours,
      lessonsDone: p?.lessonsDone ?? 0,
      lessonsTotal: c.lessonCount,
      completed: !!p?.completedAt,
      locked: c.prerequisites.some((s) => !completedSlugs.has(s)),
    };
  });
}

export function getLearnerOverview(db: Db, userId: number, now = Date.now()): LearnerOverview {
  const today = dayOf(now);
  const rows = db
    .select({ e: enrollments, a: learningAssignments })
    .from(enrollments)
    .innerJoin(learningAssignments, eq(learningAssignments.id, enrollments.assignmentId))
    .where(eq(enrollments.userId, userId))
    .orderBy(sql`${enrollments.completedAt} is not null`, asc(enrollments.dueDate))
    .all();
  const progressRows = db
    .select({ p: courseProgress, slug: courses.slug })
    .from(courseProgress)
    .innerJoin(courses, eq(courses.id, courseProgress.courseId))
    .where(eq(courseProgress.userId, userId))
    .all();
  const prog = new Map(progressRows.map((r) => [r.p.courseId, r.p]));
  const completedSlugs = new Set(progressRows.filter((r) => r.p.completedAt).map((r) => r.slug));
  const lines: EnrollmentLine[] = rows.map(({ e, a }) => {
    const list = a.curriculumId ? curriculumCourseList(db, a.curriculumId) : db.select().from(courses).where(eq(courses.id, a.courseId!)).all();
    return {
      id: e.id,
      title: targetTitle(db, a),
      kind: a.curriculumId ? 'curriculum' : 'course',
      onboarding: a.onboarding,
      dueDate: e.dueDate,
      overdue: !e.completedAt && e.dueDate < today,
      coursesDone: e.coursesDone,
      coursesTotal: e.coursesTotal,
      completedAt: e.completedAt,
      courses: courseLines(list, prog, completedSlugs),
    };
  });
  const summary = db.select().from(learnerSummary).where(and(eq(learnerSummary.userId, userId), eq(learnerSummary.year, yearOf(now)))).get();
  const last = db
    .select({ p: courseProgress, c: courses })
    .from(courseProgress)
    .innerJoin(courses, eq(courses.id, courseProgress.courseId))
    .where(and(eq(courseProgress.userId, userId), isNull(courseProgress.completedAt), sql`${courseProgress.lastActivityAt} is not null`, eq(courses.active, true)))
    .orderBy(desc(courseProgress.lastActivityAt))
    .get();
  let continueAt: LearnerOverview['continueAt'] = null;
  const pick = last?.c ?? lines.flatMap((l) => (l.completedAt ? [] : l.courses)).find((c) => !c.completed && !c.locked);
  if (pick) {
    const next = nextLessonFor(db, userId, pick.id);
    const title = 'title' in pick ? pick.title : '';
    if (next) continueAt = { courseSlug: pick.slug, courseTitle: title, lessonSlug: next.slug, lessonTitle: next.title };
  }
  const pending = db
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.active, true), eq(roleAssignments.onboarding, 'pending')))
    .get();
  return {
    enrollments: lines,
    hoursThisYear: summary?.hours ?? 0,
    coursesCompletedThisYear: summary?.coursesCompleted ?? 0,
    continueAt,
    onboardingPending: !!pending,
  };
}

/** The first lesson of a course the person has not completed (or the first lesson when all are done). */
export function nextLessonFor(db: Db, userId: number, courseId: number) {
  const list = db.select().from(lessons).where(and(eq(lessons.courseId, courseId), eq(lessons.active, true))).orderBy(asc(lessons.ord)).all();
  const done = completedLessonIds(db, userId, courseId);
  return list.find((l) => !done.has(l.id)) ?? list[0] ?? null;
}

export function completedLessonIds(db: Db, userId: number, courseId: number): Set<number> {
  return new Set(
    db
      .select({ id: lessonCompletions.lessonId })
      .from(lessonCompletions)
      .innerJoin(lessons, eq(lessons.id, lessonCompletions.lessonId))
      .where(and(eq(lessonCompletions.userId, userId), eq(lessons.courseId, courseId)))
      .all()
      .map((r) => r.id),
  );
}

export function getCourseProgress(db: Db, userId: number, courseId: number) {
  return db.select().from(courseProgress).where(and(eq(courseProgress.userId, userId), eq(courseProgress.courseId, courseId))).get() ?? null;
}

// ---------------------------------------------------------------- what trainers and officials see

export interface AssignmentSummary {
  assignment: LearningAssignment;
  title: string;
  regionFullName: string;
  /** figures at the viewer's level: the assignment's region or the viewer's, whichever is deeper */
  enrolled: number;
  completed: number;
  overdue: number;
}

/** The viewer may see an assignment made inside their jurisdiction, or one from above that covers it. */
export function canSeeAssignment(scopePath: string, a: { regionPath: string }): boolean {
  return isWithin(scopePath, a.regionPath) || isWithin(a.regionPath, scopePath);
}

function focusRegion(db: Db, scope: { regionId: number; regionPath: string }, a: LearningAssignment): Region {
  return isWithin(scope.regionPath, a.regionPath) ? getRegion(db, a.regionId)! : getRegion(db, scope.regionId)!;
}

function overdueCount(db: Db, assignmentId: number, path: string, today: string): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(enrollments)
      .where(and(eq(enrollments.assignmentId, assignmentId), withinSql(enrollments.regionPath, path), isNull(enrollments.completedAt), sql`${enrollments.dueDate} < ${today}`))
      .get()?.n ?? 0
  );
}

export function listAssignmentsForScope(db: Db, scope: { regionId: number; regionPath: string }, now = Date.now()): AssignmentSummary[] {
  const today = dayOf(now);
  const all = db.select().from(learningAssignments).where(eq(learningAssignments.active, true)).orderBy(desc(learningAssignments.id)).all();
  return all
    .filter((a) => canSeeAssignment(scope.regionPath, a))
    .map((a) => {
      const focus = focusRegion(db, scope, a);
      const r = db
        .select()
        .from(regionAssignmentRollup)
        .where(and(eq(regionAssignmentRollup.assignmentId, a.id), eq(regionAssignmentRollup.regionId, focus.id)))
        .get();
      return {
        assignment: a,
        title: targetTitle(db, a),
        regionFullName: getRegion(db, a.regionId)?.fullName ?? '',
        enrolled: r?.enrolled ?? 0,
        completed: r?.completed ?? 0,
        overdue: overdueCount(db, a.id, focus.path, today),
      };
    });
}

export interface AssignmentDetail {
  summary: AssignmentSummary;
  focus: Region;
  byRegion: { region: Region; enrolled: number; completed: number; overdue: number }[];
  byCourse: { course: Course; completed: number }[];
  learners: {
    userId: number;
    name: string;
    regionFullName: string;
    dueDate: string;
    overdue: boolean;
    coursesDone: number;
    coursesTotal: number;
    /** lessons read across the assignment's courses */
    lessonsDone: number;
    lessonsTotal: number;
    completedAt: number | null;
  }[];
  learnersTotal: number;
}

/**
 * Progress of one cohort assignment inside the viewer's jurisdiction: by child region (from rollup rows,
 * no scan of learners), by course, and a page of learners (optionally only overdue ones).
 */
export function getAssignmentDetail(
  db: Db,
  scope: { regionId: number; regionPath: string },
  assignmentId: number,
  opts: { onlyOverdue?: boolean; page?: number; pageSize?: number; now?: number } = {},
): AssignmentDetail | null {
  const a = db.select().from(learningAssignments).where(eq(learningAssignments.id, assignmentId)).get();
  if (!a || !canSeeAssignment(scope.regionPath, a)) return null;
  const now = opts.now ?? Date.now();
  const today = dayOf(now);
  const focus = focusRegion(db, scope, a);
  const summary = listAssignmentsForScope(db, scope, now).find((s) => s.assignment.id === a.id) ?? {
    assignment: a,
    title: targetTitle(db, a),
    regionFullName: getRegion(db, a.regionId)?.fullName ?? '',
    enrolled: 0,
    completed: 0,
    overdue: 0,
  };
  const children = focus.level < 5 ? getChildren(db, focus.id) : [];
  const rollups = new Map(
    children.length
      ? db
          .select()
          .from(regionAssignmentRollup)
          .where(and(eq(regionAssignmentRollup.assignmentId, a.id), inArray(regionAssignmentRollup.regionId, children.map((c) => c.id))))
          .all()
          .map((r) => [r.regionId, r])
      : [],
  );
  const byRegion = children
    .filter((c) => rollups.has(c.id))
    .map((c) => ({ region: c, enrolled: rollups.get(c.id)!.enrolled, completed: rollups.get(c.id)!.completed, overdue: overdueCount(db, a.id, c.path, today) }));
  const courseList = a.curriculumId ? curriculumCourseList(db, a.curriculumId) : db.select().from(courses).where(eq(courses.id, a.courseId!)).all();
  const byCourse = courseList.map((course) => ({
    course,
    completed:
      db
        .select({ n: sql<number>`count(*)` })
        .from(enrollments)
        .innerJoin(courseProgress, and(eq(courseProgress.userId, enrollments.userId), eq(courseProgress.courseId, course.id)))
        .where(and(eq(enrollments.assignmentId, a.id), withinSql(enrollments.regionPath, focus.path), sql`${courseProgress.completedAt} is not null`))
        .get()?.n ?? 0,
  }));
  const conds = [eq(enrollments.assignmentId, a.id), withinSql(enrollments.regionPath, focus.path)];
  if (opts.onlyOverdue) conds.push(isNull(enrollments.completedAt), sql`${enrollments.dueDate} < ${today}`);
  const pageSize = Math.min(Math.max(opts.pageSize ?? 50, 1), 200);
  const page = Math.max(opts.page ?? 1, 1);
  const learnersTotal = db.select({ n: sql<number>`count(*)` }).from(enrollments).where(and(...conds)).get()?.n ?? 0;
  const courseIdList = sql.join(courseList.map((c) => sql`${c.id}`), sql`, `);
  const lessonsTotal = courseList.reduce((s, c) => s + c.lessonCount, 0);
  const learners = db
    .select({
      userId: users.id,
      name: users.name,
      regionFullName: regions.fullName,
      dueDate: enrollments.dueDate,
      coursesDone: enrollments.coursesDone,
      coursesTotal: enrollments.coursesTotal,
      completedAt: enrollments.completedAt,
      lessonsDone: sql<number>`(select coalesce(sum(cp.lessons_done), 0) from ${courseProgress} cp where cp.user_id = ${enrollments.userId} and cp.course_id in (${courseIdList}))`,
    })
    .from(enrollments)
    .innerJoin(users, eq(users.id, enrollments.userId))
    .innerJoin(roleAssignments, eq(roleAssignments.id, enrollments.roleAssignmentId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(...conds))
    .orderBy(sql`${enrollments.completedAt} is not null`, asc(enrollments.regionPath), asc(users.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .all()
    .map((l) => ({ ...l, lessonsTotal, overdue: !l.completedAt && l.dueDate < today }));
  return { summary, focus, byRegion, byCourse, learners, learnersTotal };
}

/**
 * Sends an in-app reminder to every learner of the assignment in the viewer's jurisdiction who has not
 * finished (or only the overdue ones). Returns how many were reminded.
 */
export function remindLearners(db: Db, actor: Actor & { regionId: number }, assignmentId: number, onlyOverdue: boolean, now = Date.now()): number {
  const a = db.select().from(learningAssignments).where(eq(learningAssignments.id, assignmentId)).get();
  if (!a || !canSeeAssignment(actor.scopePath, a)) throw new NotFoundError('assignment');
  const today = dayOf(now);
  const focus = focusRegion(db, { regionId: actor.regionId, regionPath: actor.scopePath }, a);
  const conds = [eq(enrollments.assignmentId, a.id), withinSql(enrollments.regionPath, focus.path), isNull(enrollments.completedAt)];
  if (onlyOverdue) conds.push(sql`${enrollments.dueDate} < ${today}`);
  const targets = db.select({ userId: enrollments.userId, dueDate: enrollments.dueDate }).from(enrollments).where(and(...conds)).all();
  const title = targetTitle(db, a);
  return db.transaction((tx) => {
    for (const t of targets) {
      const overdue = t.dueDate < today;
      addNotice(tx, {
        userId: t.userId,
        category: 'assignment',
        kind: 'learning.reminder',
        title: overdue ? `学习任务已逾期：${title}` : `请按时完成学习：${title}`,
        body: overdue ? `截止日期 ${t.dueDate} 已过，请尽快完成。` : `截止日期 ${t.dueDate}，请合理安排时间完成。`,
        link: '/learn',
        createdBy: actor.userId,
        at: now,
      });
    }
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'learning.remind',
      entityType: 'learning_assignment',
      entityId: a.id,
      regionPath: focus.path,
      after: { reminded: targets.length, onlyOverdue },
      ip: actor.ip,
      at: now,
    });
    return targets.length;
  });
}

export function listUnreadNotices(db: Db, userId: number, limit = 20) {
  return db.select().from(notices).where(and(eq(notices.userId, userId), isNull(notices.readAt))).orderBy(desc(notices.id)).limit(limit).all();
}

export function markNoticeRead(db: Db, userId: number, noticeId: number, now = Date.now()): boolean {
  const r = db.update(notices).set({ readAt: now }).where(and(eq(notices.id, noticeId), eq(notices.userId, userId), isNull(notices.readAt))).run();
  return r.changes > 0;
}

/** Region-level learning figures from rollups: completions and hours this year (for dashboards). */
export function getRegionLearning(db: Db, regionId: number, year: number) {
  return db
    .select({ completed: sql<number>`coalesce(sum(${regionCourseRollup.completed}), 0)`, hours: sql<number>`coalesce(sum(${regionCourseRollup.hours}), 0)` })
    .from(regionCourseRollup)
    .where(and(eq(regionCourseRollup.regionId, regionId), eq(regionCourseRollup.year, year)))
    .get() ?? { completed: 0, hours: 0 };
}
