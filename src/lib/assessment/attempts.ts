import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { attempts, attemptItems, questions, quizzes, courses, courseProgress, examWindows } from '../../../db/schema/index';
import { FieldError, NotFoundError } from '../errors';
import { learnerRegionPath, missingPrerequisites, onQuizPassed } from '../learning/progress';
import { cryptoRng, drawQuestions, isCorrect, keyForDisplay, normaliseResponse, optionOrderFor, scorePercent, type Rng } from './grading';
import type { QuestionType, ReviewPolicy } from './bank';
import { renewalSince, renewIfComplete } from '../certification/certificates';
import { dayOf } from '../time';

/** Answers arriving this long after the deadline still count (clock skew, a slow network at the end). */
export const GRACE_MS = 30_000;

export type Attempt = typeof attempts.$inferSelect;
type QuestionRow = typeof questions.$inferSelect;

export function getQuiz(db: Db, courseId: number) {
  return db.select().from(quizzes).where(and(eq(quizzes.courseId, courseId), eq(quizzes.active, true))).get() ?? null;
}

function activeQuestions(db: Db, courseId: number): QuestionRow[] {
  return db.select().from(questions).where(and(eq(questions.courseId, courseId), eq(questions.active, true))).orderBy(asc(questions.id)).all();
}

function ownAttempt(db: Db, userId: number, attemptId: number): Attempt {
  const a = db.select().from(attempts).where(and(eq(attempts.id, attemptId), eq(attempts.userId, userId))).get();
  if (!a) throw new NotFoundError('attempt');
  return a;
}

/** Inserts an attempt with freshly drawn, shuffled questions. */
function createAttempt(
  db: Db,
  a: { userId: number; courseId: number; examId: number | null; number: number; now: number; deadlineAt: number; perTopic: number; passMark: number },
  rng: Rng,
): number {
  const drawn = drawQuestions(activeQuestions(db, a.courseId), a.perTopic, rng);
  if (!drawn.length) throw new NotFoundError('questions');
  return db.transaction((tx) => {
    const row = tx
      .insert(attempts)
      .values({
        userId: a.userId,
        courseId: a.courseId,
        examId: a.examId,
        regionPath: learnerRegionPath(tx as unknown as Db, a.userId) ?? '/',
        number: a.number,
        startedAt: a.now,
        deadlineAt: a.deadlineAt,
        total: drawn.length,
        passMark: a.passMark,
      })
      .returning({ id: attempts.id })
      .get();
    drawn.forEach((q, ord) => {
      tx.insert(attemptItems).values({ attemptId: row.id, ord, questionId: q.id, optionOrder: optionOrderFor(q.type, q.options.length, rng) }).run();
    });
    return row.id;
  });
}

/**
 * Grades every item and closes the attempt, in one read and one transaction. `timedOut` when closed at the
 * deadline, not by the learner. `incoming` are answers sent with the submission (raw, checked here; a
 * malformed one counts as unanswered).
 */
function grade(db: Db, a: Attempt, now: number, timedOut: boolean, incoming: Record<number, unknown> | null = null): Attempt {
  const items = db
    .select({ ord: attemptItems.ord, response: attemptItems.response, optionOrder: attemptItems.optionOrder, type: questions.type, answer: questions.answer, options: questions.options })
    .from(attemptItems)
    .innerJoin(questions, eq(questions.id, attemptItems.questionId))
    .where(eq(attemptItems.attemptId, a.id))
    .all();
  let correct = 0;
  return db.transaction((tx) => {
    for (const it of items) {
      let response = it.response;
      const sent = incoming && Object.prototype.hasOwnProperty.call(incoming, it.ord) ? incoming[it.ord] : undefined;
      const changed = sent !== undefined;
      if (changed) response = sent === null || sent === '' ? null : normaliseResponse(it.type, it.options.length, sent);
      const ok = isCorrect(it.type, it.answer, it.optionOrder, response);
      if (ok) correct++;
      tx.update(attemptItems)
        .set(changed ? { correct: ok, response, savedAt: now } : { correct: ok })
        .where(and(eq(attemptItems.attemptId, a.id), eq(attemptItems.ord, it.ord)))
        .run();
    }
    const score = scorePercent(correct, a.total);
    const passed = score >= a.passMark;
    // the guard on submitted_at makes a concurrent second submission a no-op
    const updated = tx
      .update(attempts)
      .set({ submittedAt: timedOut ? Math.min(a.deadlineAt, now) : now, timedOut, correct, score, passed })
      .where(and(eq(attempts.id, a.id), isNull(attempts.submittedAt)))
      .returning()
      .get();
    if (updated && passed && a.examId === null) {
      const t = tx as unknown as Db;
      onQuizPassed(t, a.userId, a.courseId, now);
      // a fresh pass may complete a certificate's refresher path
      renewIfComplete(t, a.userId, (courseId, since) => passedSince(t, a.userId, courseId, since), now);
    }
    return updated ?? tx.select().from(attempts).where(eq(attempts.id, a.id)).get()!;
  });
}

/** Has the person passed the course quiz (not an exam) in an attempt started after `since`? */
export function passedSince(db: Db, userId: number, courseId: number, since: number): boolean {
  return !!db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(eq(attempts.userId, userId), eq(attempts.courseId, courseId), isNull(attempts.examId), eq(attempts.passed, true), sql`${attempts.startedAt} > ${since}`))
    .get();
}

/** Ends an unfinished attempt now (an exam closed early), grading what was saved. */
export function finalizeAttempt(db: Db, a: Attempt, now: number): Attempt {
  return a.submittedAt === null ? grade(db, a, now, true) : a;
}

/** Closes an attempt whose time ran out without a submission (graded as of its deadline). */
export function closeIfExpired(db: Db, a: Attempt, now: number): Attempt {
  if (a.submittedAt === null && now > a.deadlineAt + GRACE_MS) return grade(db, a, now, true);
  return a;
}

export interface QuizStatus {
  quiz: NonNullable<ReturnType<typeof getQuiz>>;
  /** every attempt ever (numbers attempts) */
  totalAttempts: number;
  /** attempts counted against the limit (since a renewal began, or all) */
  attemptsUsed: number;
  attemptsLeft: number;
  passed: boolean;
  bestScore: number | null;
  open: Attempt | null;
  last: Attempt | null;
}

/**
 * `since`: count attempts from this time only — a certificate renewal asks for a fresh pass of a quiz
 * passed before (see renewalSince in src/lib/certification/certificates.ts).
 */
export function getQuizStatus(db: Db, userId: number, courseId: number, now = Date.now(), since = 0): QuizStatus | null {
  const quiz = getQuiz(db, courseId);
  if (!quiz) return null;
  const rows = db
    .select()
    .from(attempts)
    .where(and(eq(attempts.userId, userId), eq(attempts.courseId, courseId), isNull(attempts.examId)))
    .orderBy(asc(attempts.number))
    .all()
    .map((a) => closeIfExpired(db, a, now));
  const all = rows;
  const counted = rows.filter((a) => a.startedAt >= since);
  const submitted = counted.filter((a) => a.submittedAt !== null);
  return {
    quiz,
    totalAttempts: all.length,
    attemptsUsed: counted.length,
    attemptsLeft: Math.max(0, quiz.maxAttempts - counted.length),
    passed: submitted.some((a) => a.passed),
    bestScore: submitted.length ? Math.max(...submitted.map((a) => a.score ?? 0)) : null,
    open: all.find((a) => a.submittedAt === null) ?? null,
    last: all.at(-1) ?? null,
  };
}

/**
 * Starts the next quiz attempt, or returns the one in progress (a reload or a dropped connection resumes
 * the same questions and the same deadline).
 */
export function startQuizAttempt(db: Db, userId: number, courseId: number, now = Date.now(), rng: Rng = cryptoRng): number {
  const course = db.select().from(courses).where(eq(courses.id, courseId)).get();
  if (!course) throw new NotFoundError('course');
  const status = getQuizStatus(db, userId, courseId, now, renewalSince(db, userId, courseId, dayOf(now)) ?? 0);
  if (!status) throw new NotFoundError('quiz');
  if (status.open) return status.open.id;
  if (missingPrerequisites(db, userId, course).length) throw new FieldError('quiz', 'v.prerequisites');
  if (status.passed) throw new FieldError('quiz', 'v.quizAlreadyPassed');
  if (status.attemptsLeft <= 0) throw new FieldError('quiz', 'v.noAttemptsLeft');
  try {
    return createAttempt(
      db,
      {
        userId,
        courseId,
        examId: null,
        number: status.totalAttempts + 1,
        now,
        deadlineAt: now + status.quiz.timeLimitMinutes * 60_000,
        perTopic: status.quiz.perTopic,
        passMark: status.quiz.passMark,
      },
      rng,
    );
  } catch (e) {
    // two tabs starting at once: the unique attempt number lets only one through; resume it
    const again = getQuizStatus(db, userId, courseId, now)?.open;
    if (again) return again.id;
    throw e;
  }
}

export interface AttemptQuestion {
  ord: number;
  type: QuestionType;
  topic: string;
  stem: string;
  /** options in display order */
  options: string[];
  response: unknown;
}

export interface AttemptView {
  attempt: Attempt;
  courseId: number;
  courseTitle: string;
  courseSlug: string;
  remainingMs: number;
  questions: AttemptQuestion[];
}

/** What the learner sees while answering: stems and shuffled options, never keys or explanations. */
export function getAttemptView(db: Db, userId: number, attemptId: number, now = Date.now()): AttemptView {
  const a = closeIfExpired(db, ownAttempt(db, userId, attemptId), now);
  const course = db.select().from(courses).where(eq(courses.id, a.courseId)).get()!;
  const rows = db
    .select({ ord: attemptItems.ord, optionOrder: attemptItems.optionOrder, response: attemptItems.response, type: questions.type, topic: questions.topic, stem: questions.stem, options: questions.options })
    .from(attemptItems)
    .innerJoin(questions, eq(questions.id, attemptItems.questionId))
    .where(eq(attemptItems.attemptId, a.id))
    .orderBy(asc(attemptItems.ord))
    .all();
  return {
    attempt: a,
    courseId: course.id,
    courseTitle: course.title,
    courseSlug: course.slug,
    remainingMs: Math.max(0, a.deadlineAt - now),
    questions: rows.map((r) => ({
      ord: r.ord,
      type: r.type,
      topic: r.topic,
      stem: r.stem,
      options: r.type === 'truefalse' || r.type === 'fill' ? [] : r.optionOrder.map((i) => r.options[i]!),
      response: r.response,
    })),
  };
}

/** Autosave of one answer. Refused once the attempt is submitted or its time (plus grace) is up. */
export function saveResponse(db: Db, userId: number, attemptId: number, ord: number, response: unknown, now = Date.now()): { remainingMs: number } {
  const a = ownAttempt(db, userId, attemptId);
  if (a.submittedAt !== null) throw new FieldError('answer', 'v.attemptClosed');
  if (now > a.deadlineAt + GRACE_MS) {
    closeIfExpired(db, a, now);
    throw new FieldError('answer', 'v.attemptClosed');
  }
  const item = db
    .select({ type: questions.type, n: sql<number>`json_array_length(${questions.options})` })
    .from(attemptItems)
    .innerJoin(questions, eq(questions.id, attemptItems.questionId))
    .where(and(eq(attemptItems.attemptId, a.id), eq(attemptItems.ord, ord)))
    .get();
  if (!item) throw new FieldError('answer', 'v.answer');
  const value = response === null || response === '' ? null : normaliseResponse(item.type, item.n, response);
  if (value === null && response !== null && response !== '') throw new FieldError('answer', 'v.answer');
  db.update(attemptItems).set({ response: value, savedAt: now }).where(and(eq(attemptItems.attemptId, a.id), eq(attemptItems.ord, ord))).run();
  return { remainingMs: Math.max(0, a.deadlineAt - now) };
}

/**
 * Submits an attempt, saving the answers sent with it first. Idempotent: a repeated submission returns
 * the stored result. After the deadline (plus grace) the answers sent are ignored and the attempt is
 * graded with what was saved in time.
 */
export function submitAttempt(db: Db, userId: number, attemptId: number, responses: Record<number, unknown> | null, now = Date.now()): Attempt {
  const a = ownAttempt(db, userId, attemptId);
  if (a.submittedAt !== null) return a;
  if (now > a.deadlineAt + GRACE_MS) return grade(db, a, now, true);
  return grade(db, a, now, false, responses);
}

export interface ResultItem {
  ord: number;
  type: QuestionType;
  stem: string;
  options: string[];
  response: unknown;
  correct: boolean;
  /** present only when the review policy allows */
  key?: unknown;
  explanation?: string;
  citation?: { source: string; article?: number } | null;
}

export interface AttemptResult {
  attempt: Attempt;
  /** false for exams until results are released */
  released: boolean;
  showDetails: boolean;
  items: ResultItem[];
  attemptsLeft: number;
}

/** May the learner see right answers and explanations now? */
export function reviewAllowed(policy: ReviewPolicy, passed: boolean, attemptsLeft: number): boolean {
  switch (policy) {
    case 'never':
      return false;
    case 'after_each':
      return true;
    case 'after_pass':
      return passed;
    case 'after_last':
      return passed || attemptsLeft === 0;
  }
}

export function getAttemptResult(db: Db, userId: number, attemptId: number, now = Date.now()): AttemptResult {
  const a = closeIfExpired(db, ownAttempt(db, userId, attemptId), now);
  if (a.submittedAt === null) throw new FieldError('attempt', 'v.attemptOpen');
  let released = true;
  let showDetails: boolean;
  let attemptsLeft = 0;
  if (a.examId !== null) {
    const exam = db.select().from(examWindows).where(eq(examWindows.id, a.examId)).get();
    released = !!exam?.releasedAt;
    showDetails = released;
  } else {
    const status = getQuizStatus(db, userId, a.courseId, now, renewalSince(db, userId, a.courseId, dayOf(now)) ?? 0)!;
    attemptsLeft = status.passed ? 0 : status.attemptsLeft;
    showDetails = reviewAllowed(status.quiz.review, !!a.passed, status.attemptsLeft);
  }
  const rows = db
    .select({ it: attemptItems, q: questions })
    .from(attemptItems)
    .innerJoin(questions, eq(questions.id, attemptItems.questionId))
    .where(eq(attemptItems.attemptId, a.id))
    .orderBy(asc(attemptItems.ord))
    .all();
  return {
    attempt: released ? a : { ...a, score: null, passed: null, correct: null },
    released,
    showDetails,
    attemptsLeft,
    items: released
      ? rows.map(({ it, q }) => ({
          ord: it.ord,
          type: q.type,
          stem: q.stem,
          options: q.type === 'truefalse' || q.type === 'fill' ? [] : it.optionOrder.map((i) => q.options[i]!),
          response: it.response,
          correct: !!it.correct,
          ...(showDetails ? { key: keyForDisplay(q.type, q.answer, it.optionOrder), explanation: q.explanation, citation: q.citation } : {}),
        }))
      : [],
  };
}

/** The learner's latest attempts of a course quiz, newest first. */
export function listQuizAttempts(db: Db, userId: number, courseId: number): Attempt[] {
  return db
    .select()
    .from(attempts)
    .where(and(eq(attempts.userId, userId), eq(attempts.courseId, courseId), isNull(attempts.examId)))
    .orderBy(desc(attempts.number))
    .all();
}

export { createAttempt as createAttemptInternal };
export const _progressTable = courseProgress;
