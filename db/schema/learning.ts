import { sqliteTable, integer, text, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { users, roleAssignments, ROLES } from './auth';
import { regions } from './org';

/** Synced from content/courses at start-up; `version` follows the course.yaml. */
export const courses = sqliteTable('courses', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  tier: text('tier').notNull(),
  /** JSON array of role codes */
  roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
  hours: real('hours').notNull(),
  required: integer('required', { mode: 'boolean' }).notNull(),
  /** completing the course alone earns a certificate */
  certifying: integer('certifying', { mode: 'boolean' }).notNull().default(false),
  version: text('version').notNull(),
  prerequisites: text('prerequisites', { mode: 'json' }).$type<string[]>().notNull(),
  summary: text('summary').notNull(),
  lessonCount: integer('lesson_count').notNull(),
  /** false once the course disappears from content/ (kept for history) */
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  updatedAt: integer('updated_at').notNull(),
});

/** Every version a course has had, with the changelog note and a hash of its text. */
export const courseVersions = sqliteTable(
  'course_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id').notNull().references(() => courses.id),
    version: text('version').notNull(),
    date: text('date').notNull(),
    note: text('note').notNull(),
    contentHash: text('content_hash').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [uniqueIndex('course_versions_uq').on(t.courseId, t.version)],
);

export const lessons = sqliteTable(
  'lessons',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    courseId: integer('course_id').notNull().references(() => courses.id),
    slug: text('slug').notNull(),
    ord: integer('ord').notNull(),
    title: text('title').notNull(),
    minutes: integer('minutes').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [uniqueIndex('lessons_course_slug_uq').on(t.courseId, t.slug)],
);

export const curricula = sqliteTable('curricula', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  description: text('description').notNull(),
  roles: text('roles', { mode: 'json' }).$type<string[]>().notNull(),
  onboarding: integer('onboarding', { mode: 'boolean' }).notNull(),
  requiredHours: real('required_hours').notNull(),
  validityMonths: integer('validity_months'),
  version: text('version').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  updatedAt: integer('updated_at').notNull(),
});

export const curriculumCourses = sqliteTable(
  'curriculum_courses',
  {
    curriculumId: integer('curriculum_id').notNull().references(() => curricula.id),
    courseId: integer('course_id').notNull().references(() => courses.id),
    ord: integer('ord').notNull(),
  },
  (t) => [primaryKey({ columns: [t.curriculumId, t.courseId] })],
);

/**
 * A cohort assignment: a curriculum or a course, for everyone holding `role` under `regionPath`, due on
 * `dueDate` (YYYY-MM-DD, China time) or `dueDays` after each person joins. People who later take that role
 * in that region are enrolled automatically. `newMembersOnly` cohorts (onboarding) skip people already there.
 */
export const learningAssignments = sqliteTable(
  'learning_assignments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    curriculumId: integer('curriculum_id').references(() => curricula.id),
    courseId: integer('course_id').references(() => courses.id),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    dueDate: text('due_date'),
    dueDays: integer('due_days'),
    newMembersOnly: integer('new_members_only', { mode: 'boolean' }).notNull().default(false),
    /** set for the standing onboarding cohort created from the onboarding policy */
    onboarding: integer('onboarding', { mode: 'boolean' }).notNull().default(false),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [index('la_role_path_idx').on(t.role, t.regionPath)],
);

/** One person in one cohort assignment. */
export const enrollments = sqliteTable(
  'enrollments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    assignmentId: integer('assignment_id').notNull().references(() => learningAssignments.id),
    roleAssignmentId: integer('role_assignment_id').notNull().references(() => roleAssignments.id),
    /** the learner's region path (their village, township…), for scoped lists without joins */
    regionPath: text('region_path').notNull(),
    dueDate: text('due_date').notNull(),
    enrolledAt: integer('enrolled_at').notNull(),
    coursesTotal: integer('courses_total').notNull(),
    coursesDone: integer('courses_done').notNull().default(0),
    completedAt: integer('completed_at'),
  },
  (t) => [
    uniqueIndex('enrollments_user_assignment_uq').on(t.userId, t.assignmentId),
    index('enrollments_assignment_idx').on(t.assignmentId, t.regionPath),
    index('enrollments_path_due_idx').on(t.regionPath, t.dueDate),
    // the reminders job: enrolments due within a window of days, across the province
    index('enrollments_due_idx').on(t.dueDate),
  ],
);

/** A person's progress in a course, whatever assigned it (one row per person and course). */
export const courseProgress = sqliteTable(
  'course_progress',
  {
    userId: integer('user_id').notNull().references(() => users.id),
    courseId: integer('course_id').notNull().references(() => courses.id),
    lessonsDone: integer('lessons_done').notNull().default(0),
    lessonsTotal: integer('lessons_total').notNull(),
    startedAt: integer('started_at'),
    completedAt: integer('completed_at'),
    /** the course version the person completed */
    completedVersion: text('completed_version'),
    /** when the course quiz was passed (a course with a quiz completes only after this) */
    quizPassedAt: integer('quiz_passed_at'),
    hours: real('hours').notNull().default(0),
    lastLessonId: integer('last_lesson_id'),
    lastActivityAt: integer('last_activity_at'),
  },
  (t) => [primaryKey({ columns: [t.userId, t.courseId] })],
);

/** Raw events: a lesson read to the end and confirmed. `clientId` makes offline re-sends harmless. */
export const lessonCompletions = sqliteTable(
  'lesson_completions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    lessonId: integer('lesson_id').notNull().references(() => lessons.id),
    completedAt: integer('completed_at').notNull(),
    clientId: text('client_id'),
  },
  (t) => [uniqueIndex('lesson_completions_uq').on(t.userId, t.lessonId)],
);

/** Per person: hours earned per year and courses completed — what /learn and lists show without summing. */
export const learnerSummary = sqliteTable(
  'learner_summary',
  {
    userId: integer('user_id').notNull().references(() => users.id),
    year: integer('year').notNull(),
    hours: real('hours').notNull().default(0),
    coursesCompleted: integer('courses_completed').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.userId, t.year] })],
);

/**
 * Per region (every ancestor of the learner's region) and cohort assignment: how many are enrolled and
 * how many completed. Maintained in the same transaction as enrolments and completions.
 */
export const regionAssignmentRollup = sqliteTable(
  'region_assignment_rollup',
  {
    regionId: integer('region_id').notNull().references(() => regions.id),
    assignmentId: integer('assignment_id').notNull().references(() => learningAssignments.id),
    enrolled: integer('enrolled').notNull().default(0),
    completed: integer('completed').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.assignmentId, t.regionId] })],
);

/** Per region and course: learners who completed it, and the hours earned, per year. */
export const regionCourseRollup = sqliteTable(
  'region_course_rollup',
  {
    regionId: integer('region_id').notNull().references(() => regions.id),
    courseId: integer('course_id').notNull().references(() => courses.id),
    year: integer('year').notNull(),
    completed: integer('completed').notNull().default(0),
    hours: real('hours').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.regionId, t.courseId, t.year] })],
);

