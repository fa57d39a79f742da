import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { regions } from './org';

/**
 * Versioned rules (onboarding gate now; visit norms, ratings and subsidies later). A province default and
 * county overrides, each effective from a date; the one in force for a region is the most specific
 * region's latest version effective on the day. Defaults come from content/policies.
 */
export const policies = sqliteTable(
  'policies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    version: text('version').notNull(),
    effectiveFrom: text('effective_from').notNull(),
    body: text('body', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    note: text('note'),
    createdBy: integer('created_by'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('policies_kind_idx').on(t.kind, t.regionPath), uniqueIndex('policies_uq').on(t.kind, t.regionId, t.version)],
);
