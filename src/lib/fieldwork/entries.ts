import { and, desc, eq, isNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { countVerified } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { cases, workEntries, regions, users, roleAssignments } from '../../../db/schema/index';
import { addNotices } from '../notify/notices';
import type { EntryType, EntryStatus } from '../../../db/schema/fieldwork';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { withinSql, isWithin, pathIds } from '../org/scope';
import { addDays, dayOf, parseLocalDateTime, toLocalDateTime } from '../time';
import { parseWith, type ParseResult } from '../validation/form';
import { mandatoryRulesFor } from './rules';
import { suggestSituations, reportDueAt } from './mandatory';
import { recomputeCaseSchedule, type FieldActor } from './cases';
import { visitSchema, agreementSchema, reportSchema, outreachSchema, infoUpdateSchema, tickedSituations } from './schemas';

export type WorkEntry = typeof workEntries.$inferSelect;

/** How far back a director may date an entry (late logging after a spell offline is normal). */
export const MAX_BACKDATE_DAYS = 92;

export type EntryInput =
  | { type: 'visit'; clientId: string; day: string; caseId: number; mode: string; findings: string; guardianshipAdequate: boolean; followUp: boolean; followUpNote: string; confirmNoReport: boolean; situations: string[] }
  | { type: 'agreement'; clientId: string; day: string; caseId: number; action: string; carer: string; validUntil: string | null; note: string }
  | { type: 'report'; clientId: string; caseId: number | null; visitId: number | null; reportedTo: string; reportedAt: string; receipt: string; note: string; situations: string[] }
  | { type: 'outreach'; clientId: string; day: string; place: string; topic: string; attendance: number }
  | { type: 'info_update'; clientId: string; day: string; caseId: number | null; note: string };

export interface SubmitResult {
  entry: WorkEntry;
  /** true when this clientId had been sent before: nothing new was written */
  duplicate: boolean;
}

interface Prepared {
  day: string;
  caseId: number | null;
  data: Record<string, unknown>;
  flagged: boolean;
  situations: string[];
  reportDueAt: number | null;
  /** report: the flagged visit it answers */
  visitId: number | null;
}

/** Checks an entry against the rules and the actor's village; throws FieldError naming the field. */
function prepare(db: Db, actor: FieldActor, input: EntryInput, now: number, self: WorkEntry | null): Prepared {
  const today = dayOf(now);
  let day: string;
  if (input.type === 'report') {
    const at = parseLocalDateTime(input.reportedAt);
    if (Number.isNaN(at)) throw new FieldError('reportedAt', 'v.dateTime');
    if (at > now + 5 * 60_000) throw new FieldError('reportedAt', 'v.dateInFuture');
    day = dayOf(at);
  } else day = input.day;
  if (day > today) throw new FieldError(input.type === 'report' ? 'reportedAt' : 'day', 'v.dateInFuture');
  if (day < addDays(today, -MAX_BACKDATE_DAYS)) throw new FieldError(input.type === 'report' ? 'reportedAt' : 'day', 'v.dateTooOld', { days: MAX_BACKDATE_DAYS });

  const caseId = 'caseId' in input ? input.caseId : null;
  let kase: typeof cases.$inferSelect | null = null;
  if (caseId !== null) {
    kase = db.select().from(cases).where(eq(cases.id, caseId)).get() ?? null;
    if (!kase || kase.villageId !== actor.regionId) throw new FieldError('caseId', 'v.choose');
    if ((input.type === 'visit' || input.type === 'agreement') && kase.status !== 'active') throw new FieldError('caseId', 'v.caseClosed');
    if (day < kase.openedOn) throw new FieldError(input.type === 'report' ? 'reportedAt' : 'day', 'v.beforeOpened', { day: kase.openedOn });
  }

  switch (input.type) {
    case 'visit': {
      const rules = mandatoryRulesFor(db, actor.regionPath, day).rules;
      const codes = new Set(rules.situations.map((s) => s.code));
      const situations = input.situations.filter((s) => codes.has(s));
      const suggested = suggestSituations(input.findings, rules).filter((s) => !situations.includes(s.code));
      if (situations.length === 0 && suggested.length > 0 && !input.confirmNoReport) {
        throw new FieldError('situations', 'v.situationsSuggested', { words: [...new Set(suggested.flatMap((s) => s.words))].join('、') });
      }
      const flagged = situations.length > 0;
      return {
        day,
        caseId,
        data: { mode: input.mode, findings: input.findings, guardianshipAdequate: input.guardianshipAdequate, followUp: input.followUp, followUpNote: input.followUpNote, confirmedNoReport: !flagged && suggested.length > 0 },
        flagged,
        situations,
        reportDueAt: flagged ? reportDueAt(day, rules.deadlineHours) : null,
        visitId: null,
      };
    }
    case 'agreement':
      if (input.validUntil && input.validUntil <= day) throw new FieldError('validUntil', 'v.validUntil');
      return { day, caseId, data: { action: input.action, carer: input.carer, validUntil: input.validUntil, note: input.note }, flagged: false, situations: [], reportDueAt: null, visitId: null };
    case 'report': {
      let situations = input.situations;
      let reportCase = caseId;
      if (input.visitId !== null) {
        const visit = db.select().from(workEntries).where(eq(workEntries.id, input.visitId)).get();
        if (!visit || visit.type !== 'visit' || !visit.flagged || visit.villageId !== actor.regionId) throw new FieldError('visitId', 'v.choose');
        if (visit.linkedEntryId !== null && visit.linkedEntryId !== self?.id) {
          const other = db.select({ status: workEntries.status }).from(workEntries).where(eq(workEntries.id, visit.linkedEntryId)).get();
          if (other && other.status !== 'returned') throw new FieldError('visitId', 'v.alreadyReported');
        }
        if (day < visit.day) throw new FieldError('reportedAt', 'v.beforeVisit', { day: visit.day });
        if (situations.length === 0) situations = visit.situations;
        reportCase = visit.caseId;
      }
      if (situations.length === 0) throw new FieldError('situations', 'v.chooseSituation');
      const at = parseLocalDateTime(input.reportedAt);
      return { day, caseId: reportCase, data: { reportedTo: input.reportedTo, reportedAt: at, receipt: input.receipt, note: input.note }, flagged: false, situations, reportDueAt: null, visitId: input.visitId };
    }
    case 'outreach':
      return { day, caseId: null, data: { place: input.place, topic: input.topic, attendance: input.attendance }, flagged: false, situations: [], reportDueAt: null, visitId: null };
    case 'info_update':
      return { day, caseId, data: { note: input.note }, flagged: false, situations: [], reportDueAt: null, visitId: null };
  }
}

function townshipPath(villagePath: string): string {
  const ids = pathIds(villagePath);
  return `/${ids.slice(0, 4).join('/')}/`;
}

function countyPath(path: string): string {
  const ids = pathIds(path);
  return `/${ids.slice(0, 3).join('/')}/`;
}

/** Active holders of a role at exactly the region of `path`. */
function holdersAt(db: Pick<Db, 'select'>, path: string, role: 'supervisor' | 'official'): number[] {
  return db
    .select({ userId: roleAssignments.userId })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(and(eq(roleAssignments.regionPath, path), eq(roleAssignments.role, role), eq(roleAssignments.active, true), eq(users.active, true)))
    .all()
    .map((r) => r.userId);
}

function notify(tx: Pick<Db, 'select' | 'insert'>, userIds: number[], n: { kind: string; title: string; body: string; link: string; createdBy: number | null; at: number }): void {
  addNotices(tx, userIds, { category: 'worklog', kind: n.kind, title: n.title, body: n.body, link: n.link, createdBy: n.createdBy, at: n.at });
}

/**
 * Records a work-log entry by a director for their village. Idempotent by (author, clientId): the same
 * entry sent twice (a retry, an offline outbox replaying) returns the first one and writes nothing.
 * A visit with a mandatory-report situation is flagged: the township's supervisors are alerted at once.
 */
export function submitEntry(db: Db, actor: FieldActor, input: EntryInput, now = Date.now()): SubmitResult {
  if (actor.role !== 'director') throw new FieldError('_form', 'v.directorsOnly');
  const existing = db.select().from(workEntries).where(and(eq(workEntries.userId, actor.userId), eq(workEntries.clientId, input.clientId))).get();
  if (existing) {
    if (existing.type !== input.type) throw new FieldError('clientId', 'v.invalid');
    return { entry: existing, duplicate: true };
  }
  const p = prepare(db, actor, input, now, null);
  return db.transaction((tx) => {
    // a concurrent request with the same clientId may have won the race since the check above
    const again = tx.select().from(workEntries).where(and(eq(workEntries.userId, actor.userId), eq(workEntries.clientId, input.clientId))).get();
    if (again) return { entry: again, duplicate: true };
    const entry = tx
      .insert(workEntries)
      .values({
        userId: actor.userId,
        clientId: input.clientId,
        type: input.type,
        caseId: p.caseId,
        villageId: actor.regionId,
        regionPath: actor.regionPath,
        day: p.day,
        data: p.data,
        flagged: p.flagged,
        situations: p.situations,
        reportDueAt: p.reportDueAt,
        linkedEntryId: p.visitId,
        status: 'submitted',
        submittedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    if (p.visitId !== null) tx.update(workEntries).set({ linkedEntryId: entry.id, updatedAt: now }).where(eq(workEntries.id, p.visitId)).run();
    if (entry.type === 'visit' && entry.caseId !== null) recomputeCaseSchedule(tx, entry.caseId);
    if (entry.flagged) {
      const code = entry.caseId ? tx.select({ code: cases.code }).from(cases).where(eq(cases.id, entry.caseId)).get()?.code : '';
      notify(tx, holdersAt(tx, townshipPath(entry.regionPath), 'supervisor'), {
        kind: 'fieldwork.flagged',
        title: `走访发现强制报告情形：${code}`,
        body: `${entry.day} 的走访记录了强制报告情形，请督促儿童主任立即报告并跟进。`,
        link: `/supervise/entries/${entry.id}`,
        createdBy: actor.userId,
        at: now,
      });
    }
    writeAudit(tx, { actorUserId: actor.userId, action: `work.${entry.type}`, entityType: 'work_entry', entityId: entry.id, regionPath: entry.regionPath, after: { day: entry.day, caseId: entry.caseId, flagged: entry.flagged, situations: entry.situations }, ip: actor.ip, at: now });
    return { entry, duplicate: false };
  });
}

/** The author amends an entry not yet verified (or returned to them) and sends it again for verification. */
export function amendEntry(db: Db, actor: FieldActor, id: number, input: EntryInput, now = Date.now()): WorkEntry {
  const e = db.select().from(workEntries).where(eq(workEntries.id, id)).get();
  if (!e || e.userId !== actor.userId || actor.role !== 'director' || e.villageId !== actor.regionId) throw new FieldError('_form', 'v.notFound');
  if (e.type !== input.type) throw new FieldError('_form', 'v.invalid');
  if (e.status === 'verified') throw new FieldError('_form', 'v.entryLocked');
  const p = prepare(db, actor, input, now, e);
  return db.transaction((tx) => {
    const row = tx
      .update(workEntries)
      .set({
        caseId: p.caseId,
        day: p.day,
        data: p.data,
        flagged: p.flagged,
        situations: p.situations,
        reportDueAt: p.reportDueAt,
        linkedEntryId: e.type === 'report' ? p.visitId : e.linkedEntryId,
        status: 'submitted',
        submittedAt: now,
        decidedAt: null,
        decidedBy: null,
        revision: e.revision + 1,
        updatedAt: now,
      })
      .where(eq(workEntries.id, id))
      .returning()
      .get();
    if (e.type === 'report' && p.visitId !== null) tx.update(workEntries).set({ linkedEntryId: id, updatedAt: now }).where(eq(workEntries.id, p.visitId)).run();
    for (const cid of new Set([e.caseId, row.caseId])) if (e.type === 'visit' && cid !== null) recomputeCaseSchedule(tx, cid);
    writeAudit(tx, { actorUserId: actor.userId, action: 'work.amend', entityType: 'work_entry', entityId: id, regionPath: e.regionPath, before: { day: e.day, data: e.data, status: e.status }, after: { day: row.day, data: row.data, revision: row.revision }, ip: actor.ip, at: now });
    return row;
  });
}

function decidable(db: Db, actor: FieldActor, id: number): WorkEntry {
  if (actor.role !== 'supervisor') throw new FieldError('_form', 'v.supervisorsOnly');
  const e = db.select().from(workEntries).where(eq(workEntries.id, id)).get();
  if (!e || !isWithin(actor.regionPath, e.regionPath)) throw new FieldError('_form', 'v.notFound');
  if (e.userId === actor.userId) throw new FieldError('_form', 'v.ownEntry');
  if (e.status !== 'submitted') throw new FieldError('_form', 'v.alreadyDecided');
  return e;
}

/** A supervisor confirms entries of their township; only verified entries count toward performance and subsidy. */
export function verifyEntries(db: Db, actor: FieldActor, ids: number[], now = Date.now()): number {
  const rows = ids.map((id) => decidable(db, actor, id));
  return db.transaction((tx) => {
    for (const e of rows) {
      const changed = tx.update(workEntries).set({ status: 'verified', decidedAt: now, decidedBy: actor.userId, updatedAt: now }).where(and(eq(workEntries.id, e.id), eq(workEntries.status, 'submitted'))).run();
      if (changed.changes > 0) countVerified(tx, e);
      if (e.type === 'visit' && e.caseId !== null) recomputeCaseSchedule(tx, e.caseId);
      writeAudit(tx, { actorUserId: actor.userId, action: 'work.verify', entityType: 'work_entry', entityId: e.id, regionPath: e.regionPath, before: { status: e.status }, after: { status: 'verified' }, ip: actor.ip, at: now });
    }
    return rows.length;
  });
}

/** A supervisor sends an entry back with a comment; the author amends and resubmits it. */
export function returnEntry(db: Db, actor: FieldActor, id: number, comment: string, now = Date.now()): WorkEntry {
  const e = decidable(db, actor, id);
  return db.transaction((tx) => {
    const row = tx.update(workEntries).set({ status: 'returned', decidedAt: now, decidedBy: actor.userId, comment, updatedAt: now }).where(eq(workEntries.id, id)).returning().get();
    if (e.type === 'visit' && e.caseId !== null) recomputeCaseSchedule(tx, e.caseId);
    notify(tx, [e.userId], { kind: 'fieldwork.returned', title: '工作记录被退回，请修改后重新提交', body: comment, link: `/work/entries/${id}`, createdBy: actor.userId, at: now });
    writeAudit(tx, { actorUserId: actor.userId, action: 'work.return', entityType: 'work_entry', entityId: id, regionPath: e.regionPath, before: { status: e.status }, after: { status: 'returned', comment }, ip: actor.ip, at: now });
    return row;
  });
}

/**
 * Flagged visits with no report recorded (or only a returned one), shared by lists, counts and escalation.
 * A flagged visit the supervisor returned for its wording still counts: what was found still has to be
 * reported (the director unflags it by amending it, if it was ticked by mistake).
 */
export function unreportedCond(): SQL {
  return and(
    eq(workEntries.type, 'visit'),
    eq(workEntries.flagged, true),
    or(isNull(workEntries.linkedEntryId), sql`exists (select 1 from work_entries rep where rep.id = ${workEntries.linkedEntryId} and rep.status = 'returned')`),
  )!;
}

/**
 * Escalates flagged visits still unreported past their limit to the county's officials (M13). Idempotent:
 * an escalated visit is stamped and never escalated again. Returns how many were escalated.
 */
export function escalateUnreported(db: Db, now = Date.now()): number {
  const due = db
    .select({ e: workEntries, code: cases.code })
    .from(workEntries)
    .leftJoin(cases, eq(cases.id, workEntries.caseId))
    .where(and(unreportedCond(), isNull(workEntries.escalatedAt), lt(workEntries.reportDueAt, now)))
    .limit(1000)
    .all();
  if (due.length === 0) return 0;
  return db.transaction((tx) => {
    for (const { e, code } of due) {
      tx.update(workEntries).set({ escalatedAt: now }).where(eq(workEntries.id, e.id)).run();
      notify(tx, holdersAt(tx, countyPath(e.regionPath), 'official'), {
        kind: 'fieldwork.escalated',
        title: `强制报告逾期未报：${code ?? ''}`,
        body: `${e.day} 走访发现强制报告情形，超过时限仍无报告记录，请立即督办。`,
        link: `/review/fieldwork`,
        createdBy: null,
        at: now,
      });
      writeAudit(tx, { actorUserId: null, action: 'work.escalate', entityType: 'work_entry', entityId: e.id, regionPath: e.regionPath, after: { reportDueAt: e.reportDueAt }, at: now });
    }
    return due.length;
  });
}

export interface EntryRow extends WorkEntry {
  authorName: string;
  villageName: string;
  caseCode: string | null;
}

export interface EntryFilter {
  status?: EntryStatus;
  type?: EntryType;
  userId?: number;
  caseId?: number;
  beforeId?: number;
  limit?: number;
}

export function listEntries(db: Db, scopePath: string, f: EntryFilter = {}): EntryRow[] {
  const conds: SQL[] = [withinSql(workEntries.regionPath, scopePath)];
  if (f.status) conds.push(eq(workEntries.status, f.status));
  if (f.type) conds.push(eq(workEntries.type, f.type));
  if (f.userId) conds.push(eq(workEntries.userId, f.userId));
  if (f.caseId) conds.push(eq(workEntries.caseId, f.caseId));
  if (f.beforeId) conds.push(lt(workEntries.id, f.beforeId));
  return db
    .select({ e: workEntries, authorName: users.name, villageName: regions.name, caseCode: cases.code })
    .from(workEntries)
    .innerJoin(users, eq(users.id, workEntries.userId))
    .innerJoin(regions, eq(regions.id, workEntries.villageId))
    .leftJoin(cases, eq(cases.id, workEntries.caseId))
    .where(and(...conds))
    .orderBy(desc(workEntries.id))
    .limit(Math.min(f.limit ?? 50, 200))
    .all()
    .map((r) => ({ ...r.e, authorName: r.authorName, villageName: r.villageName, caseCode: r.caseCode }));
}

export function getEntryInScope(db: Db, scopePath: string, id: number): EntryRow | null {
  const r = db
    .select({ e: workEntries, authorName: users.name, villageName: regions.name, caseCode: cases.code })
    .from(workEntries)
    .innerJoin(users, eq(users.id, workEntries.userId))
    .innerJoin(regions, eq(regions.id, workEntries.villageId))
    .leftJoin(cases, eq(cases.id, workEntries.caseId))
    .where(eq(workEntries.id, id))
    .get();
  if (!r || !isWithin(scopePath, r.e.regionPath)) return null;
  return { ...r.e, authorName: r.authorName, villageName: r.villageName, caseCode: r.caseCode };
}

/** Flagged visits still unreported in a scope; `overdueOnly` keeps those past their limit. */
export function listUnreported(db: Db, scopePath: string, now = Date.now(), overdueOnly = false): EntryRow[] {
  const conds: SQL[] = [withinSql(workEntries.regionPath, scopePath), unreportedCond()];
  if (overdueOnly) conds.push(lt(workEntries.reportDueAt, now));
  return db
    .select({ e: workEntries, authorName: users.name, villageName: regions.name, caseCode: cases.code })
    .from(workEntries)
    .innerJoin(users, eq(users.id, workEntries.userId))
    .innerJoin(regions, eq(regions.id, workEntries.villageId))
    .leftJoin(cases, eq(cases.id, workEntries.caseId))
    .where(and(...conds))
    .orderBy(workEntries.reportDueAt)
    .limit(200)
    .all()
    .map((r) => ({ ...r.e, authorName: r.authorName, villageName: r.villageName, caseCode: r.caseCode }));
}

/** Entry counts by status in a scope (the supervisor's queue). */
export function entryCounts(db: Db, scopePath: string): Record<EntryStatus, number> {
  const rows = db
    .select({ status: workEntries.status, n: sql<number>`count(*)` })
    .from(workEntries)
    .where(withinSql(workEntries.regionPath, scopePath))
    .groupBy(workEntries.status)
    .all();
  const out: Record<EntryStatus, number> = { submitted: 0, verified: 0, returned: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}



/**
 * An author's own entries by status inside a scope (the director's page: awaiting verification, returned
 * to fix). Entries they made in a village they no longer hold are left out.
 */
export function authorEntryCounts(db: Db, userId: number, scopePath: string): Record<EntryStatus, number> {
  const rows = db
    .select({ status: workEntries.status, n: sql<number>`count(*)` })
    .from(workEntries)
    .where(and(eq(workEntries.userId, userId), withinSql(workEntries.regionPath, scopePath)))
    .groupBy(workEntries.status)
    .all();
  const out: Record<EntryStatus, number> = { submitted: 0, verified: 0, returned: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

/**
 * A posted work-log form → the input of submitEntry/amendEntry. `codes` are the situation codes of the
 * mandatory-report policy in force: visits and reports carry the ticked ones (`situation_<code>`).
 */
export function parseEntryForm(type: EntryType, form: Record<string, string>, codes: readonly string[]): ParseResult<EntryInput> {
  const situations = tickedSituations(form, codes);
  switch (type) {
    case 'visit': {
      const r = parseWith(visitSchema, form);
      return r.ok ? { ok: true, data: { type, ...r.data, situations } } : r;
    }
    case 'agreement': {
      const r = parseWith(agreementSchema, form);
      return r.ok ? { ok: true, data: { type, ...r.data } } : r;
    }
    case 'report': {
      const r = parseWith(reportSchema, form);
      return r.ok ? { ok: true, data: { type, ...r.data, situations } } : r;
    }
    case 'outreach': {
      const r = parseWith(outreachSchema, form);
      return r.ok ? { ok: true, data: { type, ...r.data } } : r;
    }
    case 'info_update': {
      const r = parseWith(infoUpdateSchema, form);
      return r.ok ? { ok: true, data: { type, ...r.data } } : r;
    }
  }
}

/** A stored entry as the values of its form (the amend form opens prefilled with them). */
export function entryFormValues(e: WorkEntry): Record<string, string> {
  const d = e.data;
  const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const yn = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : '');
  const out: Record<string, string> = { clientId: e.clientId, day: e.day, caseId: str(e.caseId) };
  for (const s of e.situations) out[`situation_${s}`] = 'on';
  switch (e.type) {
    case 'visit':
      Object.assign(out, { mode: str(d.mode), findings: str(d.findings), guardianshipAdequate: yn(d.guardianshipAdequate), followUp: yn(d.followUp), followUpNote: str(d.followUpNote) });
      if (d.confirmedNoReport === true) out.confirmNoReport = 'yes';
      break;
    case 'agreement':
      Object.assign(out, { action: str(d.action), carer: str(d.carer), validUntil: str(d.validUntil), note: str(d.note) });
      break;
    case 'report':
      Object.assign(out, { visitId: str(e.linkedEntryId), reportedTo: str(d.reportedTo), reportedAt: typeof d.reportedAt === 'number' ? toLocalDateTime(d.reportedAt) : '', receipt: str(d.receipt), note: str(d.note) });
      break;
    case 'outreach':
      Object.assign(out, { place: str(d.place), topic: str(d.topic), attendance: str(d.attendance) });
      break;
    case 'info_update':
      out.note = str(d.note);
      break;
  }
  return out;
}
