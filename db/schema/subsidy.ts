import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { regions } from './org';
import { users, roleAssignments, ROLES } from './auth';
import { policies } from './policy';

export const RUN_STATUSES = ['draft', 'reviewing', 'approved'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * 通讯、交通补贴: one run per county and month. Draft (computed, recomputable) → reviewing (township
 * supervisors check their lists) → approved by the county official, after which nothing in it changes:
 * late verifications, corrections and upheld appeals become adjustment lines of a later run.
 */
export const subsidyRuns = sqliteTable(
  'subsidy_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    countyId: integer('county_id').notNull().references(() => regions.id),
    countyPath: text('county_path').notNull(),
    /** 'YYYY-MM' */
    month: text('month').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('draft'),
    policyId: integer('policy_id').notNull().references(() => policies.id),
    policyVersion: text('policy_version').notNull(),
    lineCount: integer('line_count').notNull().default(0),
    eligibleCount: integer('eligible_count').notNull().default(0),
    /** all amounts are in 分 (fen), integers */
    totalFen: integer('total_fen').notNull().default(0),
    adjustmentFen: integer('adjustment_fen').notNull().default(0),
    createdBy: integer('created_by').notNull().references(() => users.id),
    createdAt: integer('created_at').notNull(),
    computedBy: integer('computed_by').references(() => users.id),
    computedAt: integer('computed_at'),
    submittedAt: integer('submitted_at'),
    approvedBy: integer('approved_by').references(() => users.id),
    approvedAt: integer('approved_at'),
  },
  (t) => [uniqueIndex('subsidy_runs_uq').on(t.countyId, t.month), index('subsidy_runs_path_idx').on(t.countyPath, t.month)],
);

/**
 * One person's line in a run: itemised criteria and components with reasons in Chinese, the multiplier
 * from their latest annual rating, and the amount. `kind` 'adjustment' lines correct an earlier approved
 * month (`adjustsLineId`), with their reason.
 */
export const subsidyLines = sqliteTable(
  'subsidy_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => subsidyRuns.id),
    userId: integer('user_id').notNull().references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    roleAssignmentId: integer('role_assignment_id').notNull().references(() => roleAssignments.id),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    townshipId: integer('township_id').notNull().references(() => regions.id),
    /** the month the line pays for (an adjustment's month is the corrected month) */
    month: text('month').notNull(),
    kind: text('kind', { enum: ['regular', 'adjustment'] }).notNull().default('regular'),
    adjustsLineId: integer('adjusts_line_id'),
    appealId: integer('appeal_id'),
    daysInPost: integer('days_in_post').notNull(),
    daysInMonth: integer('days_in_month').notNull(),
    criteria: text('criteria', { mode: 'json' }).$type<unknown>().notNull(),
    components: text('components', { mode: 'json' }).$type<unknown>().notNull(),
    rating: text('rating'),
    multiplier: real('multiplier').notNull(),
    eligible: integer('eligible', { mode: 'boolean' }).notNull(),
    amountFen: integer('amount_fen').notNull(),
    reason: text('reason'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('subsidy_lines_run_idx').on(t.runId, t.townshipId),
    index('subsidy_lines_user_idx').on(t.userId, t.month),
    index('subsidy_lines_adjusts_idx').on(t.adjustsLineId),
  ],
);

/** A township supervisor's review of their township's lines in a run. */
export const subsidyReviews = sqliteTable(
  'subsidy_reviews',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => subsidyRuns.id),
    townshipId: integer('township_id').notNull().references(() => regions.id),
    reviewedBy: integer('reviewed_by').notNull().references(() => users.id),
    reviewedAt: integer('reviewed_at').notNull(),
    note: text('note'),
  },
  (t) => [uniqueIndex('subsidy_reviews_uq').on(t.runId, t.townshipId)],
);

export const APPEAL_STATUSES = ['open', 'upheld', 'rejected'] as const;
export type AppealStatus = (typeof APPEAL_STATUSES)[number];

/** A director disputes a line; the supervisor gives an opinion, the county official decides. */
export const subsidyAppeals = sqliteTable(
  'subsidy_appeals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    lineId: integer('line_id').notNull().references(() => subsidyLines.id),
    userId: integer('user_id').notNull().references(() => users.id),
    regionPath: text('region_path').notNull(),
    reason: text('reason').notNull(),
    createdAt: integer('created_at').notNull(),
    supervisorOpinion: text('supervisor_opinion'),
    supervisorId: integer('supervisor_id').references(() => users.id),
    supervisorAt: integer('supervisor_at'),
    status: text('status', { enum: APPEAL_STATUSES }).notNull().default('open'),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: integer('decided_at'),
    decision: text('decision'),
    /** upheld: the amount the line should have had (分); paid as an adjustment in the next run */
    correctedFen: integer('corrected_fen'),
    adjustmentLineId: integer('adjustment_line_id'),
  },
  (t) => [index('subsidy_appeals_line_idx').on(t.lineId), index('subsidy_appeals_path_idx').on(t.regionPath, t.status)],
);
