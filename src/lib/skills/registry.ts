import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { certificates, institutions, roleAssignments, users } from '../../../db/schema/index';
import { isWithin, withinSql } from '../org/scope';
import { getInstitution } from '../org/regions';
import { maskName } from '../privacy/mask';
import { LEVEL_CODES, levelCodeOfName } from './rules';

const NUMERAL: Record<number, string> = { 5: '五', 4: '四', 3: '三', 2: '二', 1: '一' };

export interface RegistryFilter {
  institutionId?: number | null;
  level?: number | null;
  limit?: number;
  offset?: number;
}

export interface RegistryHolder {
  certificateId: number;
  userId: number;
  holderMasked: string;
  level: string;
  code: number | null;
  serial: string;
  issuedOn: string;
  institutionId: number | null;
  institutionName: string | null;
}

export interface SkillRegistry {
  /** per institution in scope (and "unknown" as id null): holders of a valid certificate per level code */
  byInstitution: { institutionId: number | null; name: string | null; counts: Record<number, number>; total: number }[];
  totals: Record<number, number>;
  holders: RegistryHolder[];
  holdersTotal: number;
}

/** An institution id from a URL, accepted only when the institution lies in the caller's jurisdiction. */
export function getInstitutionInScope(db: Db, scopePath: string, id: number) {
  const i = getInstitution(db, id);
  return i && isWithin(scopePath, i.regionPath) ? i : null;
}

/**
 * The registry of certified caregivers in a jurisdiction: valid skill-level certificates, by the
 * institution of the holder's caregiver assignment and by level, plus a page of holders. Names are masked
 * as in the certificate registry. Counts are grouped in SQL (no scan of caregivers in JavaScript).
 */
export function getSkillRegistry(db: Db, scopePath: string, f: RegistryFilter = {}): SkillRegistry {
  const base: SQL[] = [eq(certificates.kind, 'skill-level'), eq(certificates.status, 'valid'), withinSql(certificates.regionPath, scopePath)];
  // the holder's institution: their active caregiver assignment
  const instCol = sql<number | null>`(select ${roleAssignments.institutionId} from ${roleAssignments} where ${roleAssignments.userId} = ${certificates.userId} and ${roleAssignments.role} = 'caregiver' order by ${roleAssignments.active} desc, ${roleAssignments.id} desc limit 1)`;
  const grouped = db
    .select({ institutionId: instCol, level: certificates.level, n: sql<number>`count(distinct ${certificates.userId})` })
    .from(certificates)
    .where(and(...base))
    .groupBy(sql`1`, certificates.level)
    .all();
  const names = new Map(
    db
      .select({ id: institutions.id, name: institutions.name })
      .from(institutions)
      .where(withinSql(institutions.regionPath, scopePath))
      .orderBy(asc(institutions.name))
      .all()
      .map((i) => [i.id as number | null, i.name as string | null]),
  );
  const empty = () => Object.fromEntries(LEVEL_CODES.map((c) => [c, 0])) as Record<number, number>;
  const rows = new Map<number | null, { counts: Record<number, number>; total: number }>([...names.keys()].map((id) => [id, { counts: empty(), total: 0 }]));
  const totals = empty();
  for (const g of grouped) {
    const code = levelCodeOfName(g.level);
    if (code === null) continue;
    if (!rows.has(g.institutionId)) rows.set(g.institutionId, { counts: empty(), total: 0 });
    const r = rows.get(g.institutionId)!;
    r.counts[code] = (r.counts[code] ?? 0) + g.n;
    r.total += g.n;
    totals[code] = (totals[code] ?? 0) + g.n;
  }
  if (!names.has(null)) names.set(null, null);

  const conds = [...base];
  if (f.level) conds.push(sql`${certificates.level} like ${NUMERAL[f.level] + '级%'}`);
  if (f.institutionId) conds.push(sql`${instCol} = ${f.institutionId}`);
  const where = and(...conds);
  const holdersTotal = db.select({ n: sql<number>`count(*)` }).from(certificates).where(where).get()?.n ?? 0;
  const holders = db
    .select({ c: certificates, name: users.name, institutionId: instCol })
    .from(certificates)
    .innerJoin(users, eq(users.id, certificates.userId))
    .where(where)
    .orderBy(desc(certificates.issuedAt), desc(certificates.id))
    .limit(f.limit ?? 50)
    .offset(f.offset ?? 0)
    .all()
    .map((r) => ({
      certificateId: r.c.id,
      userId: r.c.userId,
      holderMasked: maskName(r.name),
      level: r.c.level ?? '',
      code: levelCodeOfName(r.c.level),
      serial: r.c.serial,
      issuedOn: r.c.issuedOn,
      institutionId: r.institutionId,
      institutionName: r.institutionId !== null ? (names.get(r.institutionId) ?? getInstitution(db, r.institutionId)?.name ?? null) : null,
    }));
  return {
    byInstitution: [...rows.entries()].map(([id, r]) => ({ institutionId: id, name: names.get(id) ?? null, ...r })).filter((r) => r.institutionId !== null || r.total > 0),
    totals,
    holders,
    holdersTotal,
  };
}
