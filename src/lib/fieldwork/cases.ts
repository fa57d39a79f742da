import { and, asc, eq, ne, sql, desc } from 'drizzle-orm';
import { trackCase } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { cases, regions, workEntries } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { withinSql, isWithin } from '../org/scope';
import { addDays, dayOf } from '../time';
import { intervalFor, visitNormsFor } from './rules';
import { nextDueAfter } from './schedule';
import type { CaseForm } from './schemas';

export type Case = typeof cases.$inferSelect;

/** Who is acting: the person and the role assignment they act in (its region is their jurisdiction). */
export interface FieldActor {
  userId: number;
  role: Role;
  regionId: number;
  regionPath: string;
  ip?: string | null;
}

type Tx = Pick<Db, 'select' | 'insert' | 'update'>;

function requireDirector(actor: FieldActor): void {
  if (actor.role !== 'director') throw new FieldError('_form', 'v.directorsOnly');
}

/** A case the actor may see (inside their jurisdiction), or null. */
export function getCaseInScope(db: Db, scopePath: string, id: number): Case | null {
  const c = db.select().from(cases).where(eq(cases.id, id)).get();
  return c && isWithin(scopePath, c.regionPath) ? c : null;
}

/** How far back a case's opening day may lie: 18 years (leap days included). */
export const OPENED_WITHIN_DAYS = 18 * 366;

export function createCase(db: Db, actor: FieldActor, input: CaseForm, now = Date.now()): Case {
  requireDirector(actor);
  const today = dayOf(now);
  if (input.openedOn > today) throw new FieldError('openedOn', 'v.dateInFuture');
  // a case is about a child (under 18, 未成年人保护法第二条): one opened 18 years ago is a typing error (0000-01-01)
  const earliest = addDays(today, -OPENED_WITHIN_DAYS);
  if (input.openedOn < earliest) throw new FieldError('openedOn', 'v.openedTooEarly', { day: earliest });
  const norms = visitNormsFor(db, actor.regionPath, today).rules;
  const days = intervalFor(norms, input.category, input.risk);
  const history = [{ from: input.openedOn, days }];
  return db.transaction((tx) => {
    const clash = tx.select({ id: cases.id }).from(cases).where(and(eq(cases.villageId, actor.regionId), eq(cases.code, input.code))).get();
    if (clash) throw new FieldError('code', 'v.caseCodeTaken');
    const row = tx
      .insert(cases)
      .values({
        code: input.code,
        villageId: actor.regionId,
        regionPath: actor.regionPath,
        category: input.category,
        guardianSituation: input.guardianSituation,
        risk: input.risk,
        openedOn: input.openedOn,
        note: input.note || null,
        intervalDays: days,
        intervalHistory: history,
        nextDueDay: nextDueAfter(history, input.openedOn),
        createdBy: actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    trackCase(tx, null, row);
    writeAudit(tx, { actorUserId: actor.userId, action: 'case.create', entityType: 'case', entityId: row.id, regionPath: row.regionPath, after: { code: row.code, category: row.category, guardianSituation: row.guardianSituation, risk: row.risk, openedOn: row.openedOn }, ip: actor.ip, at: now });
    return row;
  });
}

export function updateCase(db: Db, actor: FieldActor, id: number, input: Pick<CaseForm, 'category' | 'guardianSituation' | 'risk' | 'note'>, now = Date.now()): Case {
  requireDirector(actor);
  const c = getCaseInScope(db, actor.regionPath, id);
  if (!c) throw new FieldError('_form', 'v.notFound');
  if (c.status !== 'active') throw new FieldError('_form', 'v.caseClosed');
  const today = dayOf(now);
  const norms = visitNormsFor(db, c.regionPath, today).rules;
  const days = intervalFor(norms, input.category, input.risk);
  const history = [...c.intervalHistory];
  if (days !== c.intervalDays) {
    // a change made today applies from today (replacing an earlier change made the same day)
    if (history.length > 1 && history[history.length - 1]!.from === today) history.pop();
    history.push({ from: today, days });
  }
  return db.transaction((tx) => {
    tx.update(cases)
      .set({ category: input.category, guardianSituation: input.guardianSituation, risk: input.risk, note: input.note || null, intervalDays: days, intervalHistory: history, updatedAt: now })
      .where(eq(cases.id, id))
      .run();
    const row = recomputeCaseSchedule(tx, id);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'case.update',
      entityType: 'case',
      entityId: id,
      regionPath: c.regionPath,
      before: { category: c.category, guardianSituation: c.guardianSituation, risk: c.risk, intervalDays: c.intervalDays },
      after: { category: input.category, guardianSituation: input.guardianSituation, risk: input.risk, intervalDays: days },
      ip: actor.ip,
      at: now,
    });
    return row;
  });
}

export function closeCase(db: Db, actor: FieldActor, id: number, input: { closedOn: string; closeReason: string }, now = Date.now()): Case {
  requireDirector(actor);
  const c = getCaseInScope(db, actor.regionPath, id);
  if (!c) throw new FieldError('_form', 'v.notFound');
  if (c.status !== 'active') throw new FieldError('_form', 'v.caseClosed');
  if (input.closedOn > dayOf(now)) throw new FieldError('closedOn', 'v.dateInFuture');
  if (input.closedOn < c.openedOn) throw new FieldError('closedOn', 'v.beforeOpened');
  return db.transaction((tx) => {
    tx.update(cases).set({ status: 'closed', closedOn: input.closedOn, closeReason: input.closeReason, nextDueDay: null, updatedAt: now }).where(eq(cases.id, id)).run();
    writeAudit(tx, { actorUserId: actor.userId, action: 'case.close', entityType: 'case', entityId: id, regionPath: c.regionPath, after: input, ip: actor.ip, at: now });
    const after = tx.select().from(cases).where(eq(cases.id, id)).get()!;
    trackCase(tx, c, after);
    return after;
  });
}

/**
 * Refreshes a case's schedule rollup from its visits: the latest visit that was not returned, the latest
 * verified visit, and the next due day (from the latest visit, or the opening day). Called in the same
 * transaction as every change to a visit or the case.
 */
export function recomputeCaseSchedule(db: Tx, caseId: number): Case {
  const c = db.select().from(cases).where(eq(cases.id, caseId)).get();
  if (!c) throw new Error(`case ${caseId} not found`);
  const last = db
    .select({ day: sql<string | null>`max(${workEntries.day})` })
    .from(workEntries)
    .where(and(eq(workEntries.caseId, caseId), eq(workEntries.type, 'visit'), ne(workEntries.status, 'returned')))
    .get()?.day ?? null;
  const lastVerified = db
    .select({ day: sql<string | null>`max(${workEntries.day})` })
    .from(workEntries)
    .where(and(eq(workEntries.caseId, caseId), eq(workEntries.type, 'visit'), eq(workEntries.status, 'verified')))
    .get()?.day ?? null;
  const anchor = last && last > c.openedOn ? last : c.openedOn;
  const nextDueDay = c.status === 'active' ? nextDueAfter(c.intervalHistory, anchor) : null;
  const after = db.update(cases).set({ lastVisitDay: last, lastVerifiedVisitDay: lastVerified, nextDueDay }).where(eq(cases.id, caseId)).returning().get();
  trackCase(db, c, after);
  return after;
}

export interface CaseListRow extends Case {
  villageName: string;
}

export function listCases(db: Db, scopePath: string, opts: { status?: 'active' | 'closed'; limit?: number } = {}): CaseListRow[] {
  const conds = [withinSql(cases.regionPath, scopePath)];
  if (opts.status) conds.push(eq(cases.status, opts.status));
  return db
    .select({ c: cases, villageName: regions.name })
    .from(cases)
    .innerJoin(regions, eq(regions.id, cases.villageId))
    .where(and(...conds))
    .orderBy(asc(sql`coalesce(${cases.nextDueDay}, '9999')`), asc(cases.code))
    .limit(opts.limit ?? 500)
    .all()
    .map((r) => ({ ...r.c, villageName: r.villageName }));
}

/** Active cases whose next visit is due within `withinDays` days (overdue ones first). */
export function listDueCases(db: Db, scopePath: string, today: string, withinDays = 7, limit = 200): CaseListRow[] {
  const horizon = addDays(today, withinDays);
  return db
    .select({ c: cases, villageName: regions.name })
    .from(cases)
    .innerJoin(regions, eq(regions.id, cases.villageId))
    .where(and(withinSql(cases.regionPath, scopePath), eq(cases.status, 'active'), sql`${cases.nextDueDay} <= ${horizon}`))
    .orderBy(asc(cases.nextDueDay), asc(cases.code))
    .limit(limit)
    .all()
    .map((r) => ({ ...r.c, villageName: r.villageName }));
}

/** Counts of active cases in a scope: all, overdue (due before today), due within 7 days. */
export function caseCounts(db: Db, scopePath: string, today: string): { active: number; overdue: number; dueSoon: number } {
  const horizon = addDays(today, 7);
  const r = db
    .select({
      active: sql<number>`count(*)`,
      overdue: sql<number>`sum(case when ${cases.nextDueDay} < ${today} then 1 else 0 end)`,
      dueSoon: sql<number>`sum(case when ${cases.nextDueDay} >= ${today} and ${cases.nextDueDay} <= ${horizon} then 1 else 0 end)`,
    })
    .from(cases)
    .where(and(withinSql(cases.regionPath, scopePath), eq(cases.status, 'active')))
    .get();
  return { active: r?.active ?? 0, overdue: r?.overdue ?? 0, dueSoon: r?.dueSoon ?? 0 };
}

/** Suggested code for a new case of a village: V<village id>-<next number>. */
export function suggestCaseCode(db: Db, villageId: number): string {
  const taken = new Set(db.select({ code: cases.code }).from(cases).where(eq(cases.villageId, villageId)).all().map((r) => r.code));
  for (let n = taken.size + 1; ; n++) {
    const code = `V${villageId}-${String(n).padStart(3, '0')}`;
    if (!taken.has(code)) return code;
  }
}

export function listCaseEntries(db: Db, caseId: number, limit = 100) {
  return db.select().from(workEntries).where(eq(workEntries.caseId, caseId)).orderBy(desc(workEntries.day), desc(workEntries.id)).limit(limit).all();
}

export interface AgreementOnRecord {
  entry: typeof workEntries.$inferSelect;
  /** 'YYYY-MM-DD' or null when open-ended */
  validUntil: string | null;
  /** not past its validity on `today` */
  current: boolean;
}

/**
 * The case's latest 委托照护协议 entry that was not returned (a returned one is not on record until fixed),
 * and whether it is still valid on `today`; null when none was ever recorded.
 */
export function agreementOnRecord(db: Pick<Db, 'select'>, caseId: number, today: string): AgreementOnRecord | null {
  const entry = db
    .select()
    .from(workEntries)
    .where(and(eq(workEntries.caseId, caseId), eq(workEntries.type, 'agreement'), ne(workEntries.status, 'returned')))
    .orderBy(desc(workEntries.day), desc(workEntries.id))
    .limit(1)
    .get();
  if (!entry) return null;
  const v = entry.data.validUntil;
  const validUntil = typeof v === 'string' && v ? v : null;
  return { entry, validUntil, current: validUntil === null || !(validUntil < today) };
}
