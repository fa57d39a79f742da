import { and, eq, inArray, sql, type SQL, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { cases, workEntries, users } from '../../../db/schema/index';
import type { EntryType, EntryStatus } from '../../../db/schema/fieldwork';
import { withinSql, isWithin } from '../org/scope';
import { getChildren, type Region } from '../org/regions';
import { addDays } from '../time';
import { mandatoryRulesFor } from './rules';
import { getCaseInScope, type Case, type FieldActor } from './cases';
import { getEntryInScope, unreportedCond, type EntryRow } from './entries';

/**
 * Oversight of field work for supervisors (a township) and officials (a county, city or province):
 * counts per region for the drill-down pages, the checks a batch verification needs, and everything a
 * supervisor reads before deciding on one entry. Aggregates only: a child is a case code here too.
 */

export interface FieldworkCounts {
  /** active cases */
  activeCases: number;
  /** active cases whose next visit was due before today */
  overdue: number;
  /** active cases due today or within the next 7 days */
  dueSoon: number;
  /** entries waiting for a supervisor (待核实) */
  awaiting: number;
  /** entries sent back, waiting for the director to amend them (已退回) */
  returned: number;
  /** flagged visits with no report recorded (or only a returned one), not themselves returned */
  flaggedUnreported: number;
  /** of those, the ones already escalated to the county */
  escalated: number;
}

export const NO_COUNTS: FieldworkCounts = Object.freeze({ activeCases: 0, overdue: 0, dueSoon: 0, awaiting: 0, returned: 0, flaggedUnreported: 0, escalated: 0 });

/**
 * The child region of `parentPath` a row belongs to, from its region path: '/1/14/203/9001/' under
 * '/1/14/' → '/1/14/203/'. Paths are ASCII, so character and byte lengths agree.
 */
function childPrefixSql(column: AnyColumn, parentPath: string): SQL<string> {
  const n = parentPath.length;
  return sql<string>`substr(${column}, 1, ${sql.raw(String(n))} + instr(substr(${column}, ${sql.raw(String(n + 1))}), '/'))`;
}

/**
 * One grouped query over cases and one over work entries, both range scans of the indexed region path.
 * Without `groupByChild`, a single total for the scope.
 */
function aggregate(db: Db, scopePath: string, groupByChild: boolean, today: string): Map<string, FieldworkCounts> {
  const horizon = addDays(today, 7);
  const out = new Map<string, FieldworkCounts>();
  const slot = (key: string) => {
    let c = out.get(key);
    if (!c) out.set(key, (c = { ...NO_COUNTS }));
    return c;
  };

  const caseKey = groupByChild ? childPrefixSql(cases.regionPath, scopePath) : sql<string>`${scopePath}`;
  const caseQuery = db
    .select({
      key: caseKey,
      active: sql<number>`count(*)`,
      overdue: sql<number>`coalesce(sum(case when ${cases.nextDueDay} < ${today} then 1 else 0 end), 0)`,
      dueSoon: sql<number>`coalesce(sum(case when ${cases.nextDueDay} >= ${today} and ${cases.nextDueDay} <= ${horizon} then 1 else 0 end), 0)`,
    })
    .from(cases)
    .where(and(withinSql(cases.regionPath, scopePath), eq(cases.status, 'active')));
  const caseRows = groupByChild ? caseQuery.groupBy(caseKey).all() : caseQuery.all();
  for (const r of caseRows) {
    if (r.active === 0) continue;
    const c = slot(r.key);
    c.activeCases = r.active;
    c.overdue = r.overdue;
    c.dueSoon = r.dueSoon;
  }

  const unreported = unreportedCond();
  const entryKey = groupByChild ? childPrefixSql(workEntries.regionPath, scopePath) : sql<string>`${scopePath}`;
  const entryQuery = db
    .select({
      key: entryKey,
      n: sql<number>`count(*)`,
      awaiting: sql<number>`coalesce(sum(case when ${workEntries.status} = 'submitted' then 1 else 0 end), 0)`,
      returned: sql<number>`coalesce(sum(case when ${workEntries.status} = 'returned' then 1 else 0 end), 0)`,
      flaggedUnreported: sql<number>`coalesce(sum(case when ${unreported} then 1 else 0 end), 0)`,
      escalated: sql<number>`coalesce(sum(case when ${unreported} and ${workEntries.escalatedAt} is not null then 1 else 0 end), 0)`,
    })
    .from(workEntries)
    .where(withinSql(workEntries.regionPath, scopePath));
  const entryRows = groupByChild ? entryQuery.groupBy(entryKey).all() : entryQuery.all();
  for (const r of entryRows) {
    if (r.n === 0) continue;
    const c = slot(r.key);
    c.awaiting = r.awaiting;
    c.returned = r.returned;
    c.flaggedUnreported = r.flaggedUnreported;
    c.escalated = r.escalated;
  }
  return out;
}

/** Field-work counts of a whole scope (a township for its supervisor, any region for an official). */
export function fieldworkCounts(db: Db, scopePath: string, today: string): FieldworkCounts {
  return aggregate(db, scopePath, false, today).get(scopePath) ?? { ...NO_COUNTS };
}

export interface ChildFieldwork {
  region: Region;
  counts: FieldworkCounts;
}

/**
 * The counts for each child region of `parent` (townships of a county, villages of a township …), every
 * child listed even when it has nothing yet. Two grouped queries whatever the number of children.
 */
export function fieldworkByChild(db: Db, parent: Region, today: string): ChildFieldwork[] {
  const children = getChildren(db, parent.id);
  if (children.length === 0) return [];
  const byPath = aggregate(db, parent.path, true, today);
  return children.map((region) => ({ region, counts: byPath.get(region.path) ?? { ...NO_COUNTS } }));
}

/** Whole days from a due day to today: positive when overdue, 0 when due today, negative when ahead. */
export function daysOverdue(dueDay: string, today: string): number {
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${dueDay}T00:00:00Z`)) / 86_400_000);
}

export interface DecisionProblem {
  id: number;
  /** a v.* catalog key, the same verifyEntries / returnEntry would throw */
  key: 'v.supervisorsOnly' | 'v.notFound' | 'v.ownEntry' | 'v.alreadyDecided';
  /** what the person may know of the entry (absent when it is not theirs to see) */
  type?: EntryType;
  day?: string;
  caseCode?: string | null;
}

/**
 * Sorts the ids a supervisor ticked into those they may decide now and those they may not, with the
 * reason for each, by the same rules as verifyEntries (which refuses the whole batch at the first
 * problem without saying which entry). Lets the queue say exactly which entries someone else already
 * handled and keep the rest ticked. At most 200 ids, duplicates dropped.
 */
export function triageForDecision(db: Db, actor: FieldActor, ids: number[]): { ok: number[]; problems: DecisionProblem[] } {
  const unique = [...new Set(ids)].slice(0, 200);
  if (unique.length === 0) return { ok: [], problems: [] };
  if (actor.role !== 'supervisor') return { ok: [], problems: unique.map((id) => ({ id, key: 'v.supervisorsOnly' as const })) };
  const rows = db
    .select({ id: workEntries.id, userId: workEntries.userId, regionPath: workEntries.regionPath, status: workEntries.status, type: workEntries.type, day: workEntries.day, caseCode: cases.code })
    .from(workEntries)
    .leftJoin(cases, eq(cases.id, workEntries.caseId))
    .where(inArray(workEntries.id, unique))
    .all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ok: number[] = [];
  const problems: DecisionProblem[] = [];
  for (const id of unique) {
    const r = byId.get(id);
    if (!r || !isWithin(actor.regionPath, r.regionPath)) {
      problems.push({ id, key: 'v.notFound' });
      continue;
    }
    const seen = { type: r.type, day: r.day, caseCode: r.caseCode };
    if (r.userId === actor.userId) problems.push({ id, key: 'v.ownEntry', ...seen });
    else if (r.status !== 'submitted') problems.push({ id, key: 'v.alreadyDecided', ...seen });
    else ok.push(id);
  }
  return { ok, problems };
}

export interface LinkedEntry {
  id: number;
  type: EntryType;
  status: EntryStatus;
  day: string;
}

export interface EntryDetail {
  entry: EntryRow;
  kase: Case | null;
  /** who verified or returned it last */
  deciderName: string | null;
  /** the mandatory-report situations recorded, with the policy's wording */
  situations: { code: string; label: string }[];
  /** visits: the report that answers the flag; reports: the visit they answer */
  linked: LinkedEntry | null;
  /** flagged visits only: no report yet, or only a returned one */
  unreported: boolean;
  /** flagged visits only: unreported and past the report's time limit */
  reportOverdue: boolean;
}

/** Everything a supervisor reads before deciding on one entry; null outside the scope. */
export function getEntryDetail(db: Db, scopePath: string, id: number, now = Date.now()): EntryDetail | null {
  const entry = getEntryInScope(db, scopePath, id);
  if (!entry) return null;
  const kase = entry.caseId !== null ? getCaseInScope(db, scopePath, entry.caseId) : null;
  const deciderName = entry.decidedBy !== null ? (db.select({ name: users.name }).from(users).where(eq(users.id, entry.decidedBy)).get()?.name ?? null) : null;
  let situations: { code: string; label: string }[] = [];
  if (entry.situations.length > 0) {
    let labels = new Map<string, string>();
    try {
      labels = new Map(mandatoryRulesFor(db, entry.regionPath, entry.day).rules.situations.map((s) => [s.code, s.label]));
    } catch {
      // no policy in force that day any more: show the codes as recorded
    }
    situations = entry.situations.map((code) => ({ code, label: labels.get(code) ?? code }));
  }
  const l = entry.linkedEntryId !== null ? getEntryInScope(db, scopePath, entry.linkedEntryId) : null;
  const linked: LinkedEntry | null = l ? { id: l.id, type: l.type, status: l.status, day: l.day } : null;
  const unreported = entry.type === 'visit' && entry.flagged && (linked === null || linked.status === 'returned');
  const reportOverdue = unreported && entry.reportDueAt !== null && entry.reportDueAt < now;
  return { entry, kase, deciderName, situations, linked, unreported, reportOverdue };
}
