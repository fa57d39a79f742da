import { sqliteTable, integer, text, real, primaryKey } from 'drizzle-orm/sqlite-core';
import { regions } from './org';

/**
 * Dashboard rollups (ADR 0014): one row per region, figure ("metric") and period. `period` is '' for a
 * figure as it stands now (people in post, villages covered, valid certificates, overdue cases) and
 * 'YYYY-MM' (or a rating period such as '2026', '2026-Q1') for counts that belong to a month. Every row
 * holds the total for the region and everything under it, so a dashboard reads a handful of rows per
 * region and never counts people. Monthly rows stop at the township (a village has no monthly rows).
 * Kept by src/lib/dashboard/rollups.ts in the same transaction as the events; rebuildRollups recounts.
 */
export const regionStats = sqliteTable(
  'region_stats',
  {
    regionId: integer('region_id').notNull().references(() => regions.id),
    metric: text('metric').notNull(),
    period: text('period').notNull().default(''),
    value: real('value').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.regionId, t.metric, t.period] })],
);

/** Small key/value state of the rollups, e.g. the day "overdue now" was last counted for. */
export const rollupState = sqliteTable('rollup_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
