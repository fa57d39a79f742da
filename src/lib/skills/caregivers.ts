import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { roleAssignments, users, institutions, regions } from '../../../db/schema/index';
import { isWithin, withinSql } from '../org/scope';

/** A caregiver (护理员) as the skill-level pages see them: assigned at the city or county of their institution. */
export interface Caregiver {
  userId: number;
  name: string;
  /** the caregiver assignment's region (the institution's city or county): the jurisdiction of their records */
  regionId: number;
  regionPath: string;
  regionFullName: string;
  institutionId: number | null;
  institutionName: string | null;
}

function caregiverQuery(db: Db) {
  return db
    .select({
      userId: users.id,
      name: users.name,
      regionId: roleAssignments.regionId,
      regionPath: roleAssignments.regionPath,
      regionFullName: regions.fullName,
      institutionId: roleAssignments.institutionId,
      institutionName: institutions.name,
    })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .leftJoin(institutions, eq(institutions.id, roleAssignments.institutionId));
}

/** The person's active caregiver assignment (the first, if several), or null when they are not a caregiver. */
export function getCaregiver(db: Db, userId: number): Caregiver | null {
  return (
    caregiverQuery(db)
      .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.role, 'caregiver'), eq(roleAssignments.active, true), eq(users.active, true)))
      .orderBy(asc(roleAssignments.id))
      .get() ?? null
  );
}

/**
 * A caregiver the caller may assess or view: their caregiver assignment lies inside the caller's
 * jurisdiction (a 十堰市 trainer sees the caregivers of 十堰市儿童福利院; a 竹山县 trainer does not).
 * Null otherwise — pages answer 404 without saying whether the person exists.
 */
export function getCaregiverInScope(db: Db, scopePath: string, userId: number): Caregiver | null {
  const c = getCaregiver(db, userId);
  return c && isWithin(scopePath, c.regionPath) ? c : null;
}

/** Active caregivers inside a jurisdiction, by institution and name. */
export function listCaregiversInScope(db: Db, scopePath: string, limit = 500): Caregiver[] {
  return caregiverQuery(db)
    .where(and(eq(roleAssignments.role, 'caregiver'), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, scopePath)))
    .orderBy(asc(institutions.name), asc(users.name), asc(users.id))
    .limit(limit)
    .all();
}
