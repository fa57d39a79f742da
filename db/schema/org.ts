import { sqliteTable, integer, text, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The five-level region tree 省 → 市州 → 县(市、区) → 乡镇(街道) → 村(社区).
 * `path` is the materialised path of ids ("/1/14/203/"), so "everything under 竹山县" is a single
 * indexed range query on path (see src/lib/org/scope.ts).
 */
export const regions = sqliteTable(
  'regions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    code: text('code'),
    name: text('name').notNull(),
    /** 1 省, 2 市州, 3 县, 4 乡镇, 5 村 */
    level: integer('level').notNull(),
    parentId: integer('parent_id'),
    path: text('path').notNull(),
    /** Full human name, e.g. 湖北省十堰市竹山县宝丰镇 — denormalised for display */
    fullName: text('full_name').notNull(),
    /** Demo-only names are flagged so nobody mistakes them for official data. */
    isDemoName: integer('is_demo_name', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    uniqueIndex('regions_path_uq').on(t.path),
    uniqueIndex('regions_code_uq').on(t.code),
    index('regions_parent_idx').on(t.parentId, t.name),
    index('regions_level_path_idx').on(t.level, t.path),
  ],
);

/** 儿童福利机构: hang off a city or county; caregivers belong to one. */
export const institutions = sqliteTable(
  'institutions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    /** copy of the region's path, so scope filters need no join */
    regionPath: text('region_path').notNull(),
  },
  (t) => [index('institutions_path_idx').on(t.regionPath)],
);
