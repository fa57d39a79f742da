import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { examWindows, attempts, roleAssignments, users, courses, regions } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { isWithin, withinSql } from '../org/scope';
import { getRegion } from '../org/regions';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { LEARNER_ROLES, type Actor } from '../learning/enrol';
import { createAttemptInternal, finalizeAttempt, getQuiz, type Attempt } from './attempts';
import { cryptoRng, type Rng } from './grading';
import { awardSkillLevels } from '../skills/award';
import { notifyExamOpened } from '../notify/reminders';
import { dayOf } from '../time';

/** Sanity bounds against typing slips (not rules): how far ahead a window may open, and how long it may stay open. */
const DAY_MS = 86_400_000;
const MAX_OPENS_AHEAD_DAYS = 366;
const MAX_WINDOW_DAYS = 92;

export type ExamWindow = typeof examWindows.$inferSelect;

export interface ExamInput {
  courseId: number;
  title: string;
  role: Role;
  regionId: number;
  opensAt: number;
  closesAt: number;
  durationMinutes: number;
  passMark: number;
}

/** A trainer opens a theory exam window for a cohort (role + region) of their jurisdiction. */
export function createExamWindow(db: Db, actor: Actor, input: ExamInput, now = Date.now()): number {
  const region = getRegion(db, input.regionId);
  if (!region || !isWithin(actor.scopePath, region.path)) throw new FieldError('regionId', 'v.regionOutOfScope');
  if (!(LEARNER_ROLES as readonly string[]).includes(input.role)) throw new FieldError('role', 'v.learnerRole');
  const quiz = getQuiz(db, input.courseId);
  const course = db.select().from(courses).where(eq(courses.id, input.courseId)).get();
  if (!quiz || !course) throw new FieldError('courseId', 'v.choose');
  if (!(input.closesAt > input.opensAt)) throw new FieldError('closesAt', 'v.closesAfterOpens');
  if (input.closesAt <= now) throw new FieldError('closesAt', 'v.dateInPast');
  // exams are planned months ahead at most, and a window stays open for days or weeks, not years
  if (input.opensAt > now + MAX_OPENS_AHEAD_DAYS * DAY_MS) throw new FieldError('opensAt', 'v.dateTooFar', { max: dayOf(now + MAX_OPENS_AHEAD_DAYS * DAY_MS) });
  if (input.closesAt - input.opensAt > MAX_WINDOW_DAYS * DAY_MS) throw new FieldError('closesAt', 'v.examWindowTooLong', { days: MAX_WINDOW_DAYS });
  if (input.durationMinutes < 5 || input.durationMinutes > 240) throw new FieldError('durationMinutes', 'v.duration');
  return db.transaction((tx) => {
    const row = tx
      .insert(examWindows)
      .values({ ...input, regionPath: region.path, perTopic: quiz.perTopic, createdBy: actor.userId, createdAt: now })
      .returning()
      .get();
    // a window that is open already is announced now; one that opens later, by the reminders job
    notifyExamOpened(tx, row, now);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'exam.open',
      entityType: 'exam',
      entityId: row.id,
      regionPath: region.path,
      after: { title: input.title, course: course.title, role: input.role, region: region.fullName, opensAt: input.opensAt, closesAt: input.closesAt, durationMinutes: input.durationMinutes },
      ip: actor.ip,
      at: now,
    });
    return row.id;
  });
}

export function canSeeExam(scopePath: string, e: ExamWindow): boolean {
  return isWithin(scopePath, e.regionPath) || isWithin(e.regionPath, scopePath);
}

export function getExamInScope(db: Db, scopePath: string, examId: number): ExamWindow | null {
  const e = db.select().from(examWindows).where(eq(examWindows.id, examId)).get();
  return e && canSeeExam(scopePath, e) ? e : null;
}

export function listExamsForScope(db: Db, scopePath: string): (ExamWindow & { courseTitle: string; submitted: number })[] {
  return db
    .select({ e: examWindows, courseTitle: courses.title })
    .from(examWindows)
    .innerJoin(courses, eq(courses.id, examWindows.courseId))
    .orderBy(desc(examWindows.id))
    .all()
    .filter((r) => canSeeExam(scopePath, r.e))
    .map((r) => ({
      ...r.e,
      courseTitle: r.courseTitle,
      submitted:
        db
          .select({ n: sql<number>`count(*)` })
          .from(attempts)
          .where(and(eq(attempts.examId, r.e.id), withinSql(attempts.regionPath, scopePath), sql`${attempts.submittedAt} is not null`))
          .get()?.n ?? 0,
    }));
}

/** Is the person in the exam's cohort (holds the role inside the region)? */
export function isEligible(db: Db, userId: number, e: ExamWindow): boolean {
  return !!db
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.role, e.role), eq(roleAssignments.active, true), withinSql(roleAssignments.regionPath, e.regionPath)))
    .get();
}

/** Exams the person may sit now or soon (open, not yet released), with their attempt if any. */
export function listExamsForLearner(db: Db, userId: number, now = Date.now()) {
  const rows = db.select().from(examWindows).where(and(isNull(examWindows.releasedAt), sql`${examWindows.closesAt} > ${now - 86_400_000}`)).orderBy(asc(examWindows.opensAt)).all();
  return rows
    .filter((e) => isEligible(db, userId, e))
    .map((e) => ({ exam: e, attempt: db.select().from(attempts).where(and(eq(attempts.examId, e.id), eq(attempts.userId, userId))).get() ?? null }));
}

export function getExamForLearner(db: Db, userId: number, examId: number): ExamWindow | null {
  const e = db.select().from(examWindows).where(eq(examWindows.id, examId)).get();
  return e && isEligible(db, userId, e) ? e : null;
}

/** One attempt per person, only while the window is open; the deadline never passes the window's close. */
export function startExamAttempt(db: Db, userId: number, examId: number, now = Date.now(), rng: Rng = cryptoRng): number {
  const e = getExamForLearner(db, userId, examId);
  if (!e) throw new NotFoundError('exam');
  const existing = db.select().from(attempts).where(and(eq(attempts.examId, e.id), eq(attempts.userId, userId))).get();
  if (existing) return existing.id;
  if (e.releasedAt || now < e.opensAt || now > e.closesAt) throw new FieldError('exam', 'v.examNotOpen');
  try {
    return createAttemptInternal(
      db,
      { userId, courseId: e.courseId, examId: e.id, number: 1, now, deadlineAt: Math.min(now + e.durationMinutes * 60_000, e.closesAt), perTopic: e.perTopic, passMark: e.passMark },
      rng,
    );
  } catch (err) {
    const again = db.select().from(attempts).where(and(eq(attempts.examId, e.id), eq(attempts.userId, userId))).get();
    if (again) return again.id;
    throw err;
  }
}

/** The trainer closes the window: unfinished attempts are graded as of their deadline and results are released. */
export function closeExam(db: Db, actor: Actor, examId: number, now = Date.now()): void {
  const e = getExamInScope(db, actor.scopePath, examId);
  if (!e || !isWithin(actor.scopePath, e.regionPath)) throw new NotFoundError('exam');
  if (e.releasedAt) return;
  const open = db.select().from(attempts).where(and(eq(attempts.examId, e.id), isNull(attempts.submittedAt))).all();
  // closing early ends everyone's time now
  for (const a of open) finalizeAttempt(db, a, now);
  db.transaction((tx) => {
    tx.update(examWindows).set({ releasedAt: now, closesAt: Math.min(e.closesAt, now) }).where(eq(examWindows.id, e.id)).run();
    writeAudit(tx, { actorUserId: actor.userId, action: 'exam.close', entityType: 'exam', entityId: e.id, regionPath: e.regionPath, after: { releasedAt: now, closedAttempts: open.length }, ip: actor.ip, at: now });
    // released results may complete a caregiver's skill level (the theory part): certify it now
    if (e.role === 'caregiver') {
      for (const { userId } of tx.selectDistinct({ userId: attempts.userId }).from(attempts).where(eq(attempts.examId, e.id)).all()) awardSkillLevels(tx as unknown as Db, userId, now);
    }
  });
}

export interface ExamResultRow {
  userId: number;
  name: string;
  regionFullName: string;
  attempt: Attempt | null;
}

/** Everyone in the cohort inside the viewer's jurisdiction, with their attempt (or none). */
export function examRoster(db: Db, scopePath: string, e: ExamWindow): ExamResultRow[] {
  const path = isWithin(scopePath, e.regionPath) ? e.regionPath : scopePath;
  const people = db
    .select({ userId: users.id, name: users.name, regionFullName: regions.fullName })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(eq(roleAssignments.role, e.role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, path)))
    .orderBy(asc(roleAssignments.regionPath))
    .all();
  const byUser = new Map(db.select().from(attempts).where(eq(attempts.examId, e.id)).all().map((a) => [a.userId, a]));
  return people.map((p) => ({ ...p, attempt: byUser.get(p.userId) ?? null }));
}
