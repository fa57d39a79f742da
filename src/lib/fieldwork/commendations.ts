import { and, desc, asc, eq, ne, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../../db/client';
import { commendations, performanceRatings, regions, users } from '../../../db/schema/index';
import type { Rating } from '../../../db/schema/fieldwork';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { getRegion, type Region } from '../org/regions';
import { isWithin, pathIds, withinSql } from '../org/scope';
import type { IndicatorKey } from './rules';
import { PERFORMANCE_KIND, performanceRulesFor } from './rules';
import { getPolicyInForce } from '../policy/policy';
import type { FieldActor } from './cases';
import type { Breakdown } from './performance';
import { ratingRank } from './performance';
import type { RatedRole } from './indicators';

/**
 * 评先评优. Candidates come from the stored annual ratings of a county: the top share of its rated people
 * by score (ties share a rank), of at least the policy's minimum rating. A county or city official
 * nominates a candidate in their jurisdiction with a reason; an official whose jurisdiction strictly
 * contains the nominator's (the level above) approves or declines. Nobody decides their own nomination.
 */
export type Commendation = typeof commendations.$inferSelect;

export interface Evidence {
  period: string;
  score: number;
  rating: Rating;
  rank: number;
  /** how many people of the county were rated */
  of: number;
  policyVersion: string;
  indicators: Partial<Record<IndicatorKey, number | null>>;
}

export interface Candidate {
  userId: number;
  role: RatedRole;
  name: string;
  regionId: number;
  regionPath: string;
  regionFullName: string;
  evidence: Evidence;
  /** the nomination already made for this person and year, if any */
  nomination: { id: number; status: Commendation['status'] } | null;
}

export interface CandidateList {
  county: Region;
  year: number;
  rated: number;
  /** ceil(topShare × rated) */
  cutoff: number;
  topShare: number;
  minRating: Rating;
  /** null when no performance policy applied in that year */
  policyVersion: string | null;
  candidates: Candidate[];
}

const MIN_REASON = 4;
const MAX_REASON = 200;

/** The county (level 3) a path lies in, or null above county level. */
export function countyPathOf(path: string): string | null {
  const ids = pathIds(path);
  return ids.length >= 3 ? `/${ids.slice(0, 3).join('/')}/` : null;
}

/** The county a region lies in (itself when it is one), or null above county level. */
export function countyOf(db: Db, path: string): Region | null {
  const cp = countyPathOf(path);
  return cp ? (db.select().from(regions).where(eq(regions.path, cp)).get() ?? null) : null;
}

/** The commendation candidates of a county for a year, from its stored annual ratings. */
export function commendationCandidates(db: Db, county: Region, year: number): CandidateList {
  if (county.level !== 3) throw new Error('commendation candidates are drawn per county');
  if (!getPolicyInForce(db, PERFORMANCE_KIND, county.path, `${year}-12-31`)) return { county, year, rated: 0, cutoff: 0, topShare: 0, minRating: 'excellent', policyVersion: null, candidates: [] };
  const { policy, rules } = performanceRulesFor(db, county.path, `${year}-12-31`);
  const { topShare, minRating } = rules.commendation;
  const rows = db
    .select({ r: performanceRatings, name: users.name, regionFullName: regions.fullName })
    .from(performanceRatings)
    .innerJoin(users, eq(users.id, performanceRatings.userId))
    .innerJoin(regions, eq(regions.id, performanceRatings.regionId))
    .where(and(eq(performanceRatings.period, String(year)), withinSql(performanceRatings.regionPath, county.path)))
    .orderBy(desc(performanceRatings.score), asc(performanceRatings.userId))
    .all();
  const cutoff = Math.ceil(topShare * rows.length);
  const nominations = new Map(
    db
      .select({ id: commendations.id, userId: commendations.userId, status: commendations.status })
      .from(commendations)
      .where(and(eq(commendations.year, year), withinSql(commendations.regionPath, county.path)))
      .all()
      .map((n) => [n.userId, { id: n.id, status: n.status }]),
  );
  const candidates: Candidate[] = [];
  let rank = 0;
  let prev: number | null = null;
  rows.forEach((row, i) => {
    // competition ranking: people with equal scores share the better rank
    if (row.r.score !== prev) {
      rank = i + 1;
      prev = row.r.score;
    }
    if (rank > cutoff || ratingRank(row.r.rating) > ratingRank(minRating)) return;
    candidates.push({
      userId: row.r.userId,
      role: row.r.role as RatedRole,
      name: row.name,
      regionId: row.r.regionId,
      regionPath: row.r.regionPath,
      regionFullName: row.regionFullName,
      evidence: evidenceOf(row.r, rank, rows.length),
      nomination: nominations.get(row.r.userId) ?? null,
    });
  });
  return { county, year, rated: rows.length, cutoff, topShare, minRating, policyVersion: policy.version, candidates };
}

function evidenceOf(r: typeof performanceRatings.$inferSelect, rank: number, of: number): Evidence {
  const b = r.indicators as Breakdown;
  const indicators: Evidence['indicators'] = {};
  for (const [k, line] of Object.entries(b.lines ?? {})) indicators[k as IndicatorKey] = line?.value ?? null;
  return { period: r.period, score: r.score, rating: r.rating, rank, of, policyVersion: r.policyVersion, indicators };
}

export interface NominateInput {
  year: number;
  userId: number;
  role: RatedRole;
  reason: string;
}

/** A county or city official nominates a candidate of their jurisdiction, with the evidence at that moment. */
export function nominate(db: Db, actor: FieldActor, input: NominateInput, now = Date.now()): Commendation {
  if (actor.role !== 'official') throw new FieldError('_form', 'v.perf.officialsOnly');
  const own = getRegion(db, actor.regionId);
  if (!own || (own.level !== 2 && own.level !== 3)) throw new FieldError('_form', 'v.perf.nominateLevel');
  const reason = input.reason.trim();
  if ([...reason].length < MIN_REASON || [...reason].length > MAX_REASON) throw new FieldError('nomReason', 'v.perf.reason', { min: MIN_REASON, max: MAX_REASON });
  const rating = db
    .select()
    .from(performanceRatings)
    .where(and(eq(performanceRatings.userId, input.userId), eq(performanceRatings.role, input.role), eq(performanceRatings.period, String(input.year))))
    .get();
  if (!rating || !isWithin(actor.regionPath, rating.regionPath)) throw new FieldError('_form', 'v.notFound');
  const county = countyOf(db, rating.regionPath);
  if (!county) throw new FieldError('_form', 'v.notFound');
  const list = commendationCandidates(db, county, input.year);
  const cand = list.candidates.find((c) => c.userId === input.userId && c.role === input.role);
  if (!cand) throw new FieldError('_form', 'v.perf.notCandidate');
  if (cand.nomination) throw new FieldError('_form', 'v.perf.alreadyNominated');
  return db.transaction((tx) => {
    const clash = tx.select({ id: commendations.id }).from(commendations).where(and(eq(commendations.year, input.year), eq(commendations.userId, input.userId))).get();
    if (clash) throw new FieldError('_form', 'v.perf.alreadyNominated');
    const row = tx
      .insert(commendations)
      .values({
        year: input.year,
        userId: input.userId,
        role: input.role,
        regionId: rating.regionId,
        regionPath: rating.regionPath,
        nominatorPath: actor.regionPath,
        nominatedBy: actor.userId,
        nominatedAt: now,
        reason,
        evidence: cand.evidence,
        status: 'nominated',
      })
      .returning()
      .get();
    writeAudit(tx, { actorUserId: actor.userId, action: 'commendation.nominate', entityType: 'commendation', entityId: row.id, regionPath: row.regionPath, after: { year: row.year, userId: row.userId, role: row.role, reason, evidence: cand.evidence }, ip: actor.ip, at: now });
    return row;
  });
}

/** True when the actor may decide this nomination: the level above the nominator, and not its author. */
export function canDecide(actor: Pick<FieldActor, 'userId' | 'role' | 'regionPath'>, c: Pick<Commendation, 'nominatorPath' | 'nominatedBy'>): boolean {
  return actor.role === 'official' && isWithin(actor.regionPath, c.nominatorPath) && actor.regionPath !== c.nominatorPath && actor.userId !== c.nominatedBy;
}

/** The official of the level above approves or declines a nomination (a decline needs a note). */
export function decideCommendation(db: Db, actor: FieldActor, id: number, input: { approve: boolean; note: string }, now = Date.now()): Commendation {
  if (actor.role !== 'official') throw new FieldError('_form', 'v.perf.officialsOnly');
  const c = db.select().from(commendations).where(eq(commendations.id, id)).get();
  if (!c || !isWithin(actor.regionPath, c.regionPath)) throw new FieldError('_form', 'v.notFound');
  if (c.nominatedBy === actor.userId) throw new FieldError('_form', 'v.perf.ownNomination');
  if (!canDecide(actor, c)) throw new FieldError('_form', 'v.perf.levelAbove');
  if (c.status !== 'nominated') throw new FieldError('_form', 'v.perf.alreadyDecided');
  const note = input.note.trim();
  if ([...note].length > MAX_REASON) throw new FieldError('decisionNote', 'v.maxLength', { max: MAX_REASON });
  if (!input.approve && [...note].length < 2) throw new FieldError('decisionNote', 'v.perf.declineNote');
  return db.transaction((tx) => {
    const status = input.approve ? 'approved' : 'declined';
    const row = tx
      .update(commendations)
      .set({ status, decidedBy: actor.userId, decidedAt: now, decisionNote: note || null })
      .where(and(eq(commendations.id, id), eq(commendations.status, 'nominated')))
      .returning()
      .get();
    if (!row) throw new FieldError('_form', 'v.perf.alreadyDecided');
    writeAudit(tx, { actorUserId: actor.userId, action: `commendation.${input.approve ? 'approve' : 'decline'}`, entityType: 'commendation', entityId: id, regionPath: c.regionPath, before: { status: c.status }, after: { status, note }, ip: actor.ip, at: now });
    return row;
  });
}

export interface CommendationRow extends Commendation {
  name: string;
  regionFullName: string;
  nominatorName: string;
  deciderName: string | null;
}

function commendationRows(db: Db, where: SQL): CommendationRow[] {
  const nominator = alias(users, 'nominator');
  const decider = alias(users, 'decider');
  return db
    .select({ c: commendations, name: users.name, regionFullName: regions.fullName, nominatorName: nominator.name, deciderName: decider.name })
    .from(commendations)
    .innerJoin(users, eq(users.id, commendations.userId))
    .innerJoin(regions, eq(regions.id, commendations.regionId))
    .innerJoin(nominator, eq(nominator.id, commendations.nominatedBy))
    .leftJoin(decider, eq(decider.id, commendations.decidedBy))
    .where(where)
    .orderBy(desc(commendations.year), desc(commendations.id))
    .limit(500)
    .all()
    .map((r) => ({ ...r.c, name: r.name, regionFullName: r.regionFullName, nominatorName: r.nominatorName, deciderName: r.deciderName }));
}

/** Every nomination of a year in a jurisdiction, newest first. */
export function listCommendations(db: Db, scopePath: string, year: number): CommendationRow[] {
  return commendationRows(db, and(eq(commendations.year, year), withinSql(commendations.regionPath, scopePath))!);
}

/** Nominations waiting for this official: made at a level strictly below theirs, not by them. */
export function listAwaitingDecision(db: Db, actor: Pick<FieldActor, 'userId' | 'regionPath'>): CommendationRow[] {
  return commendationRows(
    db,
    and(eq(commendations.status, 'nominated'), withinSql(commendations.nominatorPath, actor.regionPath), ne(commendations.nominatorPath, actor.regionPath), ne(commendations.nominatedBy, actor.userId))!,
  );
}

export interface PublicCommended {
  year: number;
  name: string;
  regionFullName: string;
}

/** The public list (/commended): approved names, their village (or township) and year — nothing else. */
export function listPublicCommended(db: Db, year?: number): PublicCommended[] {
  const conds: SQL[] = [eq(commendations.status, 'approved')];
  if (year) conds.push(eq(commendations.year, year));
  return db
    .select({ year: commendations.year, name: users.name, regionFullName: regions.fullName })
    .from(commendations)
    .innerJoin(users, eq(users.id, commendations.userId))
    .innerJoin(regions, eq(regions.id, commendations.regionId))
    .where(and(...conds))
    .orderBy(desc(commendations.year), asc(commendations.regionPath), asc(commendations.id))
    .limit(2000)
    .all();
}

/** Years with approved commendations (for the public page's year links). */
export function publicCommendedYears(db: Db): number[] {
  return db
    .select({ year: commendations.year })
    .from(commendations)
    .where(eq(commendations.status, 'approved'))
    .groupBy(commendations.year)
    .orderBy(desc(commendations.year))
    .all()
    .map((r) => r.year);
}

