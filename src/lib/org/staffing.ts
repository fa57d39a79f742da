import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { regions, roleAssignments, users } from '../../../db/schema/index';
import { withinSql } from './scope';
import { getChildren, type Region } from './regions';

export interface Staffing {
  villages: number;
  villagesCovered: number;
  townships: number;
  townshipsCovered: number;
  directors: number;
  supervisors: number;
}

function coveredCount(db: Db, scopePath: string, role: 'director' | 'supervisor'): { regions: number; people: number } {
  const r = db
    .select({
      regions: sql<number>`count(distinct ${roleAssignments.regionId})`,
      people: sql<number>`count(distinct ${roleAssignments.userId})`,
    })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(and(eq(roleAssignments.role, role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, scopePath)))
    .get();
  return { regions: r?.regions ?? 0, people: r?.people ?? 0 };
}

function levelCount(db: Db, scopePath: string, level: number): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(regions)
      .where(and(eq(regions.level, level), withinSql(regions.path, scopePath)))
      .get()?.n ?? 0
  );
}

/** 配备 figures for a region: villages with an active director, townships with an active supervisor. */
export function getStaffing(db: Db, scopePath: string): Staffing {
  const d = coveredCount(db, scopePath, 'director');
  const s = coveredCount(db, scopePath, 'supervisor');
  return {
    villages: levelCount(db, scopePath, 5),
    villagesCovered: d.regions,
    townships: levelCount(db, scopePath, 4),
    townshipsCovered: s.regions,
    directors: d.people,
    supervisors: s.people,
  };
}

/** The same figures for each child region of `region` (one indexed range scan per child). */
export function getStaffingByChild(db: Db, region: Region): { region: Region; staffing: Staffing }[] {
  return getChildren(db, region.id).map((c) => ({ region: c, staffing: getStaffing(db, c.path) }));
}

/** Villages in scope without an active director. */
export function listVacantVillages(db: Db, scopePath: string, limit = 100): Region[] {
  return db
    .select()
    .from(regions)
    .where(
      and(
        eq(regions.level, 5),
        withinSql(regions.path, scopePath),
        sql`not exists (select 1 from ${roleAssignments} ra join ${users} u on u.id = ra.user_id
              where ra.region_id = ${regions.id} and ra.role = 'director' and ra.active = 1 and u.active = 1)`,
      ),
    )
    .orderBy(asc(regions.path))
    .limit(limit)
    .all();
}

export interface VillageRow {
  village: Region;
  directors: { id: number; name: string; phone: string }[];
}

/** Each village of a township with its director(s): the supervisor's roster. */
export function listVillageDirectors(db: Db, townshipId: number): VillageRow[] {
  const villages = getChildren(db, townshipId);
  const rows = db
    .select({ regionId: roleAssignments.regionId, id: users.id, name: users.name, phone: users.phone })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(eq(regions.parentId, townshipId), eq(roleAssignments.role, 'director'), eq(roleAssignments.active, true), eq(users.active, true)))
    .all();
  return villages.map((v) => ({ village: v, directors: rows.filter((r) => r.regionId === v.id).map(({ id, name, phone }) => ({ id, name, phone })) }));
}

/** Active people holding `role` at exactly this region (e.g. a township's supervisor). */
export function listRoleHolders(db: Db, regionId: number, role: 'supervisor' | 'director' | 'official' | 'trainer') {
  return db
    .select({ id: users.id, name: users.name, phone: users.phone })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(and(eq(roleAssignments.regionId, regionId), eq(roleAssignments.role, role), eq(roleAssignments.active, true), eq(users.active, true)))
    .all();
}

export function percent(n: number, d: number): string {
  if (d === 0) return '—';
  return `${Math.round((n / d) * 1000) / 10}%`;
}
