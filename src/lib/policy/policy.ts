import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { policies, regions } from '../../../db/schema/index';
import { pathIds } from '../org/scope';

export type Policy = typeof policies.$inferSelect;

/**
 * The policy of a kind in force for a region on a day: among policies attached to the region or any of
 * its ancestors and effective on or before the day, the one of the deepest region, latest effective date
 * and version. Returns null when none applies.
 */
export function getPolicyInForce(db: Db, kind: string, regionPath: string, day: string): Policy | null {
  const ids = pathIds(regionPath);
  if (ids.length === 0) return null;
  const rows = db
    .select()
    .from(policies)
    .where(and(eq(policies.kind, kind), lte(policies.effectiveFrom, day), sql`${policies.regionId} in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`))
    .orderBy(desc(sql`length(${policies.regionPath})`), desc(policies.effectiveFrom), desc(policies.id))
    .all();
  return rows[0] ?? null;
}

export interface PolicyInput {
  kind: string;
  regionId: number;
  version: string;
  effectiveFrom: string;
  body: Record<string, unknown>;
  note?: string | null;
  createdBy?: number | null;
}

/** Adds a policy version; an existing (kind, region, version) is left as it is (versions are immutable). */
export function addPolicyVersion(db: Db, p: PolicyInput, now = Date.now()): Policy {
  const existing = db
    .select()
    .from(policies)
    .where(and(eq(policies.kind, p.kind), eq(policies.regionId, p.regionId), eq(policies.version, p.version)))
    .get();
  if (existing) return existing;
  const region = db.select({ path: regions.path }).from(regions).where(eq(regions.id, p.regionId)).get();
  if (!region) throw new Error(`policy: region ${p.regionId} not found`);
  return db
    .insert(policies)
    .values({ ...p, regionPath: region.path, note: p.note ?? null, createdBy: p.createdBy ?? null, createdAt: now })
    .returning()
    .get();
}
