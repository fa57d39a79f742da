import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { regions } from './org';
import { users, ROLES } from './auth';
import { policies } from './policy';

/** 儿童类别 of a followed child (M12). */
export const CASE_CATEGORIES = ['difficult', 'unsupported', 'orphan', 'left_behind', 'other'] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];
/** 监护情况 */
export const GUARDIAN_SITUATIONS = ['parents', 'single_parent', 'entrusted', 'relatives', 'none'] as const;
export type GuardianSituation = (typeof GUARDIAN_SITUATIONS)[number];
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/**
 * A child a director follows (一人一档), known only by a case code: never a name or an ID number (PIPL; a
 * child's data is sensitive). Belongs to a village, not to a person, so it stays when the director
 * changes. The schedule columns are a rollup kept by src/lib/fieldwork when visits are logged, verified,
 * returned or the case changes.
 */
export const cases = sqliteTable(
  'cases',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code').notNull(),
    villageId: integer('village_id').notNull().references(() => regions.id),
    /** the village's path: jurisdiction filters need no join */
    regionPath: text('region_path').notNull(),
    category: text('category', { enum: CASE_CATEGORIES }).notNull(),
    guardianSituation: text('guardian_situation', { enum: GUARDIAN_SITUATIONS }).notNull(),
    risk: text('risk', { enum: RISK_LEVELS }).notNull(),
    status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
    openedOn: text('opened_on').notNull(),
    closedOn: text('closed_on'),
    closeReason: text('close_reason'),
    note: text('note'),
    /** schedule rollup: latest visit not returned, latest verified visit, interval in force, next due day */
    lastVisitDay: text('last_visit_day'),
    lastVerifiedVisitDay: text('last_verified_visit_day'),
    intervalDays: integer('interval_days').notNull(),
    /** the interval's history ({from, days}, oldest first): a risk change applies from the day it is made */
    intervalHistory: text('interval_history', { mode: 'json' }).$type<{ from: string; days: number }[]>().notNull(),
    nextDueDay: text('next_due_day'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('cases_village_code_uq').on(t.villageId, t.code),
    index('cases_path_due_idx').on(t.regionPath, t.status, t.nextDueDay),
    // the reminders job: visits due within a window of days, across the province
    index('cases_due_idx').on(t.nextDueDay),
  ],
);

export const ENTRY_TYPES = ['visit', 'agreement', 'report', 'outreach', 'info_update'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];
export const ENTRY_STATUSES = ['submitted', 'verified', 'returned'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

/**
 * One work-log entry (家庭走访, 委托照护协议, 强制报告, 政策宣讲, 信息系统更新). `clientId` is made by the
 * client (the form, or later the offline outbox), unique per author: sending the same entry twice never
 * creates a second row. Only verified entries count toward performance and subsidy.
 */
export const workEntries = sqliteTable(
  'work_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    clientId: text('client_id').notNull(),
    type: text('type', { enum: ENTRY_TYPES }).notNull(),
    caseId: integer('case_id').references(() => cases.id),
    villageId: integer('village_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    /** the day the work was done (China time) */
    day: text('day').notNull(),
    data: text('data', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    /** visits: findings match one of the nine mandatory-report situations */
    flagged: integer('flagged', { mode: 'boolean' }).notNull().default(false),
    situations: text('situations', { mode: 'json' }).$type<string[]>().notNull(),
    /** visits: the report entry that answers the flag; reports: the visit they answer */
    linkedEntryId: integer('linked_entry_id'),
    /** flagged visits: the report must be recorded by then (policy time limit after the end of the visit's day) */
    reportDueAt: integer('report_due_at'),
    /** flagged visit left unreported past the policy's limit: when it was escalated to the county */
    escalatedAt: integer('escalated_at'),
    status: text('status', { enum: ENTRY_STATUSES }).notNull().default('submitted'),
    submittedAt: integer('submitted_at').notNull(),
    decidedAt: integer('decided_at'),
    decidedBy: integer('decided_by').references(() => users.id),
    /** the supervisor's comment when returning */
    comment: text('comment'),
    revision: integer('revision').notNull().default(1),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('work_entries_client_uq').on(t.userId, t.clientId),
    index('work_entries_path_status_idx').on(t.regionPath, t.status, t.submittedAt),
    index('work_entries_case_idx').on(t.caseId, t.type, t.day),
    index('work_entries_user_idx').on(t.userId, t.day),
    // covering for the subsidy's county read (verified visits and updates of a county over a year): no row lookups
    index('work_entries_path_type_day_idx').on(t.regionPath, t.type, t.day, t.status, t.caseId),
    index('work_entries_flag_idx').on(t.flagged, t.escalatedAt, t.reportDueAt),
  ],
);

export const PERIOD_KINDS = ['month', 'quarter', 'year'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];
export const RATINGS = ['excellent', 'qualified', 'basic', 'unqualified'] as const;
export type Rating = (typeof RATINGS)[number];

/**
 * A person's computed performance for one period: the indicators, the score, the rating and the policy
 * version that turned one into the other, so anyone can see exactly why.
 */
export const performanceRatings = sqliteTable(
  'performance_ratings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    periodKind: text('period_kind', { enum: PERIOD_KINDS }).notNull(),
    /** '2026-03', '2026-Q1' or '2026' */
    period: text('period').notNull(),
    policyId: integer('policy_id').notNull().references(() => policies.id),
    policyVersion: text('policy_version').notNull(),
    indicators: text('indicators', { mode: 'json' }).$type<unknown>().notNull(),
    score: real('score').notNull(),
    rating: text('rating', { enum: RATINGS }).notNull(),
    computedAt: integer('computed_at').notNull(),
    computedBy: integer('computed_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('performance_uq').on(t.userId, t.role, t.period),
    index('performance_path_idx').on(t.periodKind, t.period, t.regionPath),
  ],
);

/** 评先评优: an official nominates, the official of the level above approves or declines. */
export const commendations = sqliteTable(
  'commendations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    year: integer('year').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    /** the nominating official's jurisdiction (the approver's must strictly contain it) */
    nominatorPath: text('nominator_path').notNull(),
    nominatedBy: integer('nominated_by').notNull().references(() => users.id),
    nominatedAt: integer('nominated_at').notNull(),
    reason: text('reason').notNull(),
    /** score, rating, rank and indicators at nomination time */
    evidence: text('evidence', { mode: 'json' }).$type<unknown>().notNull(),
    status: text('status', { enum: ['nominated', 'approved', 'declined'] }).notNull().default('nominated'),
    decidedBy: integer('decided_by').references(() => users.id),
    decidedAt: integer('decided_at'),
    decisionNote: text('decision_note'),
  },
  (t) => [uniqueIndex('commendations_uq').on(t.year, t.userId), index('commendations_path_idx').on(t.year, t.regionPath)],
);

export const ADJUSTMENT_ACTIONS = ['retraining', 'replacement', 'other'] as const;
export type AdjustmentAction = (typeof ADJUSTMENT_ACTIONS)[number];

/** 调整: what an official did about a person rated 不合格 in consecutive periods. */
export const adjustments = sqliteTable(
  'adjustments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    role: text('role', { enum: ROLES }).notNull(),
    regionPath: text('region_path').notNull(),
    /** the consecutive 不合格 periods that raised the flag, latest last */
    periods: text('periods', { mode: 'json' }).$type<string[]>().notNull(),
    action: text('action', { enum: ADJUSTMENT_ACTIONS }).notNull(),
    note: text('note').notNull(),
    recordedBy: integer('recorded_by').notNull().references(() => users.id),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [uniqueIndex('adjustments_uq').on(t.userId, t.role, t.periods), index('adjustments_path_idx').on(t.regionPath)],
);
