import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import { bump, M } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { regions, institutions } from '../../../db/schema/index';
import { pathIds, withinSql } from './scope';

export type Region = typeof regions.$inferSelect;
export type Institution = typeof institutions.$inferSelect;

export function getRegion(db: Db, id: number): Region | null {
  return db.select().from(regions).where(eq(regions.id, id)).get() ?? null;
}

export function getRegionByCode(db: Db, code: string): Region | null {
  return db.select().from(regions).where(eq(regions.code, code)).get() ?? null;
}

export function getChildren(db: Db, parentId: number): Region[] {
  return db.select().from(regions).where(eq(regions.parentId, parentId)).orderBy(asc(regions.code), asc(regions.id)).all();
}

/** Root first, the region itself last. */
export function getAncestors(db: Db, region: Region): Region[] {
  const ids = pathIds(region.path);
  const rows = db.select().from(regions).where(inArray(regions.id, ids)).all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is Region => !!r);
}

/** How many regions of each level lie under (and including) a region: one indexed range scan. */
export function countByLevel(db: Db, scopePath: string): Record<number, number> {
  const rows = db
    .select({ level: regions.level, n: sql<number>`count(*)` })
    .from(regions)
    .where(withinSql(regions.path, scopePath))
    .groupBy(regions.level)
    .all();
  return Object.fromEntries(rows.map((r) => [r.level, r.n]));
}

/** Regions in a scope whose name contains the query (for pickers), shallowest first. */
export function searchRegions(db: Db, scopePath: string, query: string, limit = 20): Region[] {
  const q = query.trim().replace(/[%_\\]/g, '');
  if (!q) return [];
  return db
    .select()
    .from(regions)
    .where(and(withinSql(regions.path, scopePath), like(regions.name, `%${q}%`)))
    .orderBy(asc(regions.level), asc(regions.id))
    .limit(limit)
    .all();
}

export function getInstitution(db: Db, id: number): Institution | null {
  return db.select().from(institutions).where(eq(institutions.id, id)).get() ?? null;
}

export function listInstitutions(db: Db, scopePath: string): Institution[] {
  return db.select().from(institutions).where(withinSql(institutions.regionPath, scopePath)).orderBy(asc(institutions.name)).all();
}

/** Institutions whose region lies on the path from the root to `regionPath` (a city's or county's own). */
export function institutionsForRegion(db: Db, regionId: number): Institution[] {
  return db.select().from(institutions).where(eq(institutions.regionId, regionId)).orderBy(asc(institutions.name)).all();
}

export interface NewRegion {
  code: string | null;
  name: string;
  level: number;
  parent: Region | null;
  isDemoName?: boolean;
  /** defaults to parent's full name + name */
  fullName?: string;
}

/** Inserts a region and sets its materialised path from the parent's. */
export function insertRegion(db: Db, r: NewRegion): Region {
  const row = db
    .insert(regions)
    .values({
      code: r.code,
      name: r.name,
      level: r.level,
      parentId: r.parent?.id ?? null,
      path: `pending:${Math.random()}`,
      fullName: r.fullName ?? (r.parent?.fullName ?? '') + r.name,
      isDemoName: r.isDemoName ?? false,
    })
    .returning()
    .get();
  const path = `${r.parent?.path ?? '/'}${row.id}/`;
  db.update(regions).set({ path }).where(eq(regions.id, row.id)).run();
  if (row.level === 4) bump(db, path, M.townships, '', 1);
  if (row.level === 5) bump(db, path, M.villages, '', 1);
  return { ...row, path };
}

export const LEVEL_KEYS = { 1: 'level.province', 2: 'level.city', 3: 'level.county', 4: 'level.township', 5: 'level.village' } as const;
