import { sql } from 'drizzle-orm';
import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { institutions } from './org';
import { policies } from './policy';

/**
 * 孤残儿童护理员 skill-level assessment records made by an assessor (a trainer): a practical (技能操作)
 * rubric with a score per skill area and their total, a 综合答辩 (defence) score, or offline classroom
 * training hours credited with a note. Append-only: a row is never updated; a correction is a new row whose
 * `corrects_id` points at the row it replaces (src/lib/skills/records.ts).
 */
export const skillAssessments = sqliteTable(
  'skill_assessments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** the caregiver assessed */
    userId: integer('user_id').notNull().references(() => users.id),
    /** level code: 5 五级/初级 … 1 一级/高级技师 */
    level: integer('level').notNull(),
    kind: text('kind', { enum: ['practical', 'defence', 'hours'] }).notNull(),
    /** practical only: points per rubric area key, as the policy in force defined the areas */
    areaScores: text('area_scores', { mode: 'json' }).$type<Record<string, number>>(),
    /** practical: the rubric total (out of 100); defence: the defence score */
    score: real('score'),
    /** hours: offline training hours credited */
    hours: real('hours'),
    note: text('note'),
    assessorId: integer('assessor_id').notNull().references(() => users.id),
    assessedAt: integer('assessed_at').notNull(),
    /** the caregiver's region path when recorded: the record's jurisdiction */
    regionPath: text('region_path').notNull(),
    institutionId: integer('institution_id').references(() => institutions.id),
    policyId: integer('policy_id').notNull().references(() => policies.id),
    policyVersion: text('policy_version').notNull(),
    correctsId: integer('corrects_id'),
  },
  (t) => [
    index('skill_assessments_user_idx').on(t.userId, t.kind, t.level),
    index('skill_assessments_path_idx').on(t.regionPath),
    // a row is corrected at most once (correct the correction to change it again)
    uniqueIndex('skill_assessments_corrects_uq').on(t.correctsId).where(sql`corrects_id is not null`),
  ],
);
