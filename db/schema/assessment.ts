import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { users, ROLES } from './auth';
import { regions } from './org';
import { courses } from './learning';

/** Synced from content/courses/<slug>/quiz.yaml. `qid` is the stable id written in the bank. */
export const questions = sqliteTable(
  'questions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id').notNull().references(() => courses.id),
    qid: text('qid').notNull(),
    type: text('type', { enum: ['single', 'multiple', 'truefalse', 'ordering', 'fill'] }).notNull(),
    topic: text('topic').notNull(),
    difficulty: integer('difficulty').notNull(),
    stem: text('stem').notNull(),
    options: text('options', { mode: 'json' }).$type<string[]>().notNull(),
    /** the key: number | number[] | boolean | string[]; never sent to a browser before submission */
    answer: text('answer', { mode: 'json' }).$type<unknown>(),
    explanation: text('explanation').notNull(),
    citation: text('citation', { mode: 'json' }).$type<{ source: string; article?: number } | null>(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [uniqueIndex('questions_course_qid_uq').on(t.courseId, t.qid)],
);

/** A course's quiz settings (perTopic, timeLimitMinutes, maxAttempts, passMark, review). */
export const quizzes = sqliteTable('quizzes', {
  courseId: integer('course_id').primaryKey().references(() => courses.id),
  perTopic: integer('per_topic').notNull(),
  timeLimitMinutes: integer('time_limit_minutes').notNull(),
  maxAttempts: integer('max_attempts').notNull(),
  passMark: integer('pass_mark').notNull(),
  review: text('review', { enum: ['never', 'after_each', 'after_pass', 'after_last'] }).notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
});

/** A certification theory exam: a window a trainer opens for a cohort; one attempt each; results released on close. */
export const examWindows = sqliteTable(
  'exam_windows',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id').notNull().references(() => courses.id),
    title: text('title').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    opensAt: integer('opens_at').notNull(),
    closesAt: integer('closes_at').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    perTopic: integer('per_topic').notNull(),
    passMark: integer('pass_mark').notNull(),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
    /** set when the trainer closes the window: results become visible */
    releasedAt: integer('released_at'),
  },
  (t) => [index('exam_windows_path_idx').on(t.regionPath)],
);

export const attempts = sqliteTable(
  'attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    courseId: integer('course_id').notNull().references(() => courses.id),
    examId: integer('exam_id').references(() => examWindows.id),
    /** the learner's region path when the attempt started (item analysis by township) */
    regionPath: text('region_path').notNull(),
    number: integer('number').notNull(),
    startedAt: integer('started_at').notNull(),
    deadlineAt: integer('deadline_at').notNull(),
    submittedAt: integer('submitted_at'),
    /** true when graded at the deadline rather than on the learner's submission */
    timedOut: integer('timed_out', { mode: 'boolean' }).notNull().default(false),
    correct: integer('correct'),
    total: integer('total').notNull(),
    score: real('score'),
    passed: integer('passed', { mode: 'boolean' }),
    passMark: integer('pass_mark').notNull(),
  },
  (t) => [
    index('attempts_user_course_idx').on(t.userId, t.courseId),
    index('attempts_course_path_idx').on(t.courseId, t.regionPath),
    uniqueIndex('attempts_exam_user_uq').on(t.examId, t.userId),
    // quiz attempts are numbered per person and course (exam attempts are one per exam, above)
    uniqueIndex('attempts_quiz_number_uq').on(t.userId, t.courseId, t.number).where(sql`exam_id is null`),
  ],
);

export const attemptItems = sqliteTable(
  'attempt_items',
  {
    attemptId: integer('attempt_id').notNull().references(() => attempts.id),
    ord: integer('ord').notNull(),
    questionId: integer('question_id').notNull().references(() => questions.id),
    /** display order of the options: optionOrder[i] = index in the bank of the option shown at position i */
    optionOrder: text('option_order', { mode: 'json' }).$type<number[]>().notNull(),
    /** the learner's answer in display terms (positions / boolean / text), as last saved */
    response: text('response', { mode: 'json' }).$type<unknown>(),
    savedAt: integer('saved_at'),
    correct: integer('correct', { mode: 'boolean' }),
  },
  (t) => [primaryKey({ columns: [t.attemptId, t.ord] }), index('attempt_items_question_idx').on(t.questionId)],
);
