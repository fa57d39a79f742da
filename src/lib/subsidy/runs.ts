import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { countApprovedRun } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { subsidyRuns, subsidyLines, subsidyReviews, subsidyAppeals, regions, users, roleAssignments } from '../../../db/schema/index';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { isWithin, withinSql } from '../org/scope';
import { getRegion } from '../org/regions';
import { dayOf } from '../time';
import type { FieldActor } from '../fieldwork/cases';
import { subsidyRulesFor, type SubsidyRules } from './rules';
import { computeCountyMonth, isMonthKey, monthBounds, type LineDraft } from './compute';
import { addNotice, addNotices } from '../notify/notices';

type Tx = Pick<Db, 'select' | 'insert'>;
const yuan = (fen: number) => (fen / 100).toFixed(2);

/** Active supervisors of the given townships. */
function townshipSupervisors(tx: Tx, townshipIds: number[]): number[] {
  if (townshipIds.length === 0) return [];
  return tx
    .select({ userId: roleAssignments.userId })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.role, 'supervisor'), eq(roleAssignments.active, true), inArray(roleAssignments.regionId, townshipIds)))
    .all()
    .map((r) => r.userId);
}

export type SubsidyRun = typeof subsidyRuns.$inferSelect;
export type SubsidyLine = typeof subsidyLines.$inferSelect;

function requireOfficial(actor: FieldActor): void {
  if (actor.role !== 'official') throw new FieldError('_form', 'v.subsidy.officialsOnly');
}

/** A run the actor may see: inside their jurisdiction (officials), or of their township (supervisors). */
export function getRunInScope(db: Db, scopePath: string, id: number): SubsidyRun | null {
  const r = db.select().from(subsidyRuns).where(eq(subsidyRuns.id, id)).get();
  if (!r) return null;
  // officials see runs of counties inside their jurisdiction; a supervisor (scope = township) sees runs
  // of the county their township belongs to, and only their township's lines (listLines filters)
  return isWithin(scopePath, r.countyPath) || isWithin(r.countyPath, scopePath) ? r : null;
}

function previousMonths(month: string, n: number): string[] {
  const out: string[] = [];
  let [y, m] = month.split('-').map(Number) as [number, number];
  for (let i = 0; i < n; i++) {
    m--;
    if (m === 0) {
      m = 12;
      y--;
    }
    out.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  return out;
}

interface Prepared {
  rules: SubsidyRules;
  policyId: number;
  policyVersion: string;
  regular: LineDraft[];
  adjustments: { draft: LineDraft; adjustsLineId: number; appealId: number | null; amountFen: number; reason: string }[];
}

/** Everything a run will hold, computed before any write. */
function prepareRun(db: Db, countyPath: string, month: string, now: number): Prepared {
  const { end } = monthBounds(month);
  const today = dayOf(now);
  const inForce = subsidyRulesFor(db, countyPath, end);
  if (!inForce) throw new FieldError('month', 'v.subsidy.noPolicy');
  const { rules, policy } = inForce;
  let regular: LineDraft[];
  if (rules.frequency === 'quarterly') {
    const m = Number(month.slice(5, 7));
    if (m % 3 !== 0) throw new FieldError('month', 'v.subsidy.notPaymentMonth');
    // a quarter's three months, summed per person
    const months = [...previousMonths(month, 2).reverse(), month];
    const byPerson = new Map<number, LineDraft>();
    for (const mm of months) {
      for (const l of computeCountyMonth(db, countyPath, mm, rules, today)) {
        const prev = byPerson.get(l.roleAssignmentId);
        if (!prev) byPerson.set(l.roleAssignmentId, { ...l, month });
        else {
          prev.daysInPost += l.daysInPost;
          prev.daysInMonth += l.daysInMonth;
          prev.criteria = [...prev.criteria, ...l.criteria.map((c) => ({ ...c, text: `${mm}：${c.text}` }))];
          prev.components = prev.components.map((c, i) => ({ ...c, baseFen: c.baseFen + l.components[i]!.baseFen, proratedFen: c.proratedFen + l.components[i]!.proratedFen, eligible: c.eligible && l.components[i]!.eligible }));
          prev.amountFen += l.amountFen;
          prev.eligible = prev.eligible && l.eligible;
        }
      }
    }
    regular = [...byPerson.values()];
  } else regular = computeCountyMonth(db, countyPath, month, rules, today);

  // adjustments: approved lines of the last months, recomputed with what is known now (late
  // verifications), or set by an upheld appeal; the difference from what was paid becomes a line
  const adjustments: Prepared['adjustments'] = [];
  const lookback = previousMonths(month, rules.lookbackMonths);
  if (lookback.length > 0) {
    const paid = db
      .select({ line: subsidyLines, runStatus: subsidyRuns.status })
      .from(subsidyLines)
      .innerJoin(subsidyRuns, eq(subsidyRuns.id, subsidyLines.runId))
      .where(and(eq(subsidyRuns.countyPath, countyPath), eq(subsidyRuns.status, 'approved'), inArray(subsidyLines.month, lookback)))
      .all();
    const originals = paid.filter((p) => p.line.kind === 'regular').map((p) => p.line);
    const paidFor = new Map<number, number>();
    for (const p of paid) {
      const key = p.line.kind === 'regular' ? p.line.id : p.line.adjustsLineId!;
      paidFor.set(key, (paidFor.get(key) ?? 0) + p.line.amountFen);
    }
    const appeals = originals.length
      ? db.select().from(subsidyAppeals).where(and(inArray(subsidyAppeals.lineId, originals.map((o) => o.id)), eq(subsidyAppeals.status, 'upheld'))).all()
      : [];
    const appealFor = new Map(appeals.map((a) => [a.lineId, a]));
    for (const mm of lookback) {
      const lines = originals.filter((o) => o.month === mm);
      if (lines.length === 0) continue;
      const inForceThen = subsidyRulesFor(db, countyPath, monthBounds(mm).end);
      if (!inForceThen) continue;
      const recomputed = new Map(computeCountyMonth(db, countyPath, mm, inForceThen.rules, today, lines.map((l) => l.userId)).map((d) => [d.roleAssignmentId, d]));
      for (const o of lines) {
        const d = recomputed.get(o.roleAssignmentId);
        if (!d) continue;
        const appeal = appealFor.get(o.id);
        const expected = appeal?.correctedFen ?? d.amountFen;
        const diff = expected - (paidFor.get(o.id) ?? 0);
        if (diff === 0) continue;
        const reason = appeal
          ? `申诉核定：${mm} 应发 ${(expected / 100).toFixed(2)} 元，已发 ${((paidFor.get(o.id) ?? 0) / 100).toFixed(2)} 元`
          : `补核实后重新计算：${mm} 应发 ${(expected / 100).toFixed(2)} 元，已发 ${((paidFor.get(o.id) ?? 0) / 100).toFixed(2)} 元`;
        adjustments.push({ draft: d, adjustsLineId: o.id, appealId: appeal?.id ?? null, amountFen: diff, reason });
      }
    }
  }
  return { rules, policyId: policy.id, policyVersion: policy.version, regular, adjustments };
}

/**
 * Creates or recomputes the draft run of a county and month (officials whose jurisdiction holds the
 * county). A run under review or approved is not recomputed: reopen it first (review) or leave it
 * (approved: later corrections become adjustments of a later month).
 */
export function computeRun(db: Db, actor: FieldActor, countyId: number, month: string, now = Date.now()): SubsidyRun {
  requireOfficial(actor);
  if (!isMonthKey(month)) throw new FieldError('month', 'v.subsidy.month');
  const county = getRegion(db, countyId);
  if (!county || county.level !== 3 || !isWithin(actor.regionPath, county.path)) throw new FieldError('regionId', 'v.subsidy.county');
  if (monthBounds(month).start > dayOf(now)) throw new FieldError('month', 'v.subsidy.futureMonth');
  const existing = db.select().from(subsidyRuns).where(and(eq(subsidyRuns.countyId, countyId), eq(subsidyRuns.month, month))).get();
  if (existing && existing.status !== 'draft') throw new FieldError('_form', existing.status === 'approved' ? 'v.subsidy.locked' : 'v.subsidy.underReview');
  const p = prepareRun(db, county.path, month, now);
  return db.transaction((tx) => {
    let run = existing;
    if (!run) {
      run = tx
        .insert(subsidyRuns)
        .values({ countyId, countyPath: county.path, month, status: 'draft', policyId: p.policyId, policyVersion: p.policyVersion, createdBy: actor.userId, createdAt: now })
        .returning()
        .get();
    } else {
      // a draft's lines are replaced; appeals are only ever filed against approved lines
      tx.delete(subsidyLines).where(eq(subsidyLines.runId, run.id)).run();
    }
    const base = (d: LineDraft) => ({
      runId: run!.id,
      userId: d.userId,
      role: d.role,
      roleAssignmentId: d.roleAssignmentId,
      regionId: d.regionId,
      regionPath: d.regionPath,
      townshipId: d.townshipId,
      daysInPost: d.daysInPost,
      daysInMonth: d.daysInMonth,
      criteria: d.criteria,
      components: d.components,
      rating: d.rating,
      multiplier: d.multiplier,
      eligible: d.eligible,
      createdAt: now,
    });
    for (const d of p.regular) tx.insert(subsidyLines).values({ ...base(d), month, kind: 'regular', amountFen: d.amountFen }).run();
    for (const a of p.adjustments) {
      tx.insert(subsidyLines).values({ ...base(a.draft), month: a.draft.month, kind: 'adjustment', adjustsLineId: a.adjustsLineId, appealId: a.appealId, amountFen: a.amountFen, reason: a.reason }).run();
    }
    const regularFen = p.regular.reduce((s, d) => s + d.amountFen, 0);
    const adjustmentFen = p.adjustments.reduce((s, a) => s + a.amountFen, 0);
    const updated = tx
      .update(subsidyRuns)
      .set({
        policyId: p.policyId,
        policyVersion: p.policyVersion,
        lineCount: p.regular.length,
        eligibleCount: p.regular.filter((d) => d.eligible).length,
        totalFen: regularFen + adjustmentFen,
        adjustmentFen,
        computedBy: actor.userId,
        computedAt: now,
      })
      .where(eq(subsidyRuns.id, run.id))
      .returning()
      .get();
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'subsidy.compute',
      entityType: 'subsidy_run',
      entityId: run.id,
      regionPath: county.path,
      after: { month, policyVersion: p.policyVersion, lines: p.regular.length, eligible: updated.eligibleCount, totalFen: updated.totalFen, adjustments: p.adjustments.length },
      ip: actor.ip,
      at: now,
    });
    return updated;
  });
}

/** Townships with lines in a run, and whether each has been reviewed (townships without a supervisor are flagged). */
export function runTownships(db: Db, runId: number) {
  const rows = db
    .select({ townshipId: subsidyLines.townshipId, name: regions.name, lines: sql<number>`count(*)`, totalFen: sql<number>`sum(${subsidyLines.amountFen})`, eligible: sql<number>`sum(case when ${subsidyLines.kind} = 'regular' and ${subsidyLines.eligible} then 1 else 0 end)` })
    .from(subsidyLines)
    .innerJoin(regions, eq(regions.id, subsidyLines.townshipId))
    .where(eq(subsidyLines.runId, runId))
    .groupBy(subsidyLines.townshipId)
    .orderBy(asc(regions.name))
    .all();
  const reviews = new Map(db.select().from(subsidyReviews).where(eq(subsidyReviews.runId, runId)).all().map((r) => [r.townshipId, r]));
  const withSupervisor = new Set(
    db
      .select({ regionId: roleAssignments.regionId })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.role, 'supervisor'), eq(roleAssignments.active, true), rows.length ? inArray(roleAssignments.regionId, rows.map((r) => r.townshipId)) : sql`0`))
      .all()
      .map((r) => r.regionId),
  );
  return rows.map((r) => ({ ...r, review: reviews.get(r.townshipId) ?? null, hasSupervisor: withSupervisor.has(r.townshipId) }));
}

/** Draft → reviewing: the township supervisors are asked to check their lists. */
export function submitRun(db: Db, actor: FieldActor, runId: number, now = Date.now()): SubsidyRun {
  requireOfficial(actor);
  const run = getRunInScope(db, actor.regionPath, runId);
  if (!run || !isWithin(actor.regionPath, run.countyPath)) throw new FieldError('_form', 'v.notFound');
  if (run.status !== 'draft') throw new FieldError('_form', 'v.subsidy.notDraft');
  return db.transaction((tx) => {
    const r = tx.update(subsidyRuns).set({ status: 'reviewing', submittedAt: now }).where(eq(subsidyRuns.id, runId)).returning().get();
    const townships = tx.selectDistinct({ id: subsidyLines.townshipId }).from(subsidyLines).where(eq(subsidyLines.runId, runId)).all().map((t) => t.id);
    addNotices(tx, townshipSupervisors(tx, townships), { category: 'subsidy', kind: 'subsidy.review', title: `请审核本乡镇 ${run.month} 补贴名单`, body: '县民政部门已计算本月通讯、交通补贴，请逐人核对后确认。', link: '/supervise/subsidy', createdBy: actor.userId, dedupeKey: `subsidy:run:${runId}:review:${now}`, at: now });
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.submit', entityType: 'subsidy_run', entityId: runId, regionPath: run.countyPath, after: { status: 'reviewing' }, ip: actor.ip, at: now });
    return r;
  });
}

/** A township supervisor confirms their township's lines (with an optional note). */
export function reviewTownship(db: Db, actor: FieldActor, runId: number, note: string, now = Date.now()): void {
  if (actor.role !== 'supervisor') throw new FieldError('_form', 'v.supervisorsOnly');
  const run = getRunInScope(db, actor.regionPath, runId);
  if (!run) throw new FieldError('_form', 'v.notFound');
  if (run.status !== 'reviewing') throw new FieldError('_form', 'v.subsidy.notReviewing');
  const has = db.select({ id: subsidyLines.id }).from(subsidyLines).where(and(eq(subsidyLines.runId, runId), eq(subsidyLines.townshipId, actor.regionId))).limit(1).get();
  if (!has) throw new FieldError('_form', 'v.notFound');
  db.transaction((tx) => {
    tx.insert(subsidyReviews)
      .values({ runId, townshipId: actor.regionId, reviewedBy: actor.userId, reviewedAt: now, note: note || null })
      .onConflictDoUpdate({ target: [subsidyReviews.runId, subsidyReviews.townshipId], set: { reviewedBy: actor.userId, reviewedAt: now, note: note || null } })
      .run();
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.review', entityType: 'subsidy_run', entityId: runId, regionPath: actor.regionPath, after: { townshipId: actor.regionId, note }, ip: actor.ip, at: now });
  });
}

/** Reviewing → draft (to recompute after a township found a problem); its reviews are cleared. */
export function reopenRun(db: Db, actor: FieldActor, runId: number, now = Date.now()): SubsidyRun {
  requireOfficial(actor);
  const run = getRunInScope(db, actor.regionPath, runId);
  if (!run || !isWithin(actor.regionPath, run.countyPath)) throw new FieldError('_form', 'v.notFound');
  if (run.status !== 'reviewing') throw new FieldError('_form', 'v.subsidy.notReviewing');
  return db.transaction((tx) => {
    tx.delete(subsidyReviews).where(eq(subsidyReviews.runId, runId)).run();
    const r = tx.update(subsidyRuns).set({ status: 'draft', submittedAt: null }).where(eq(subsidyRuns.id, runId)).returning().get();
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.reopen', entityType: 'subsidy_run', entityId: runId, regionPath: run.countyPath, after: { status: 'draft' }, ip: actor.ip, at: now });
    return r;
  });
}

/**
 * The county official approves a run under review once every township with a supervisor has reviewed
 * its list (townships without one are checked by the county directly). Approved runs are locked.
 */
export function approveRun(db: Db, actor: FieldActor, runId: number, now = Date.now()): SubsidyRun {
  requireOfficial(actor);
  const run = getRunInScope(db, actor.regionPath, runId);
  if (!run || !isWithin(actor.regionPath, run.countyPath)) throw new FieldError('_form', 'v.notFound');
  if (run.status !== 'reviewing') throw new FieldError('_form', 'v.subsidy.notReviewing');
  const waiting = runTownships(db, runId).filter((t) => t.hasSupervisor && !t.review);
  if (waiting.length > 0) throw new FieldError('_form', 'v.subsidy.reviewsMissing', { names: waiting.map((t) => t.name).join('、') });
  return db.transaction((tx) => {
    const r = tx.update(subsidyRuns).set({ status: 'approved', approvedBy: actor.userId, approvedAt: now }).where(and(eq(subsidyRuns.id, runId), eq(subsidyRuns.status, 'reviewing'))).returning().get();
    if (r) countApprovedRun(tx, r.id, r.month);
    // appeals paid by this run's adjustment lines are settled
    for (const l of tx.select({ id: subsidyLines.id, appealId: subsidyLines.appealId }).from(subsidyLines).where(and(eq(subsidyLines.runId, runId), sql`${subsidyLines.appealId} is not null`)).all()) {
      tx.update(subsidyAppeals).set({ adjustmentLineId: l.id }).where(eq(subsidyAppeals.id, l.appealId!)).run();
    }
    // every person with a line hears the outcome of their month (and of any correction paid with it)
    for (const l of tx.select({ id: subsidyLines.id, userId: subsidyLines.userId, role: subsidyLines.role, month: subsidyLines.month, kind: subsidyLines.kind, eligible: subsidyLines.eligible, amountFen: subsidyLines.amountFen }).from(subsidyLines).where(eq(subsidyLines.runId, runId)).all()) {
      const title = l.kind === 'adjustment' ? `${l.month} 补贴更正已审批：${Number(l.amountFen) >= 0 ? '补发' : '扣回'} ${yuan(Math.abs(l.amountFen))} 元` : l.eligible ? `${l.month} 补贴已审批：${yuan(l.amountFen)} 元` : `${l.month} 补贴已审批：本月未达标`;
      addNotice(tx, { userId: l.userId, category: 'subsidy', kind: 'subsidy.approved', title, body: '县民政部门已审批本月补贴名单，点击查看各项条件和原因；如有异议可提出申诉。', link: l.role === 'director' ? '/work/subsidy' : '/supervise/subsidy', createdBy: actor.userId, dedupeKey: `subsidy:line:${l.id}:approved`, at: now });
    }
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.approve', entityType: 'subsidy_run', entityId: runId, regionPath: run.countyPath, after: { status: 'approved', totalFen: run.totalFen, lines: run.lineCount }, ip: actor.ip, at: now });
    return r;
  });
}

export interface LineRow extends SubsidyLine {
  name: string;
  regionName: string;
  townshipName: string;
}

/** A run's lines; a supervisor's view is limited to their township. */
export function listLines(db: Db, scopePath: string, runId: number, opts: { townshipId?: number } = {}): LineRow[] {
  return db
    .select({ l: subsidyLines, name: users.name, regionName: regions.name, townshipName: sql<string>`(select name from regions t where t.id = ${subsidyLines.townshipId})` })
    .from(subsidyLines)
    .innerJoin(users, eq(users.id, subsidyLines.userId))
    .innerJoin(regions, eq(regions.id, subsidyLines.regionId))
    .where(and(eq(subsidyLines.runId, runId), withinSql(subsidyLines.regionPath, scopePath), opts.townshipId ? eq(subsidyLines.townshipId, opts.townshipId) : undefined))
    .orderBy(asc(subsidyLines.townshipId), asc(regions.name), asc(subsidyLines.kind), asc(subsidyLines.id))
    .all()
    .map((r) => ({ ...r.l, name: r.name, regionName: r.regionName, townshipName: r.townshipName }));
}

export function listRuns(db: Db, scopePath: string, limit = 50) {
  return db
    .select({ run: subsidyRuns, countyName: regions.name })
    .from(subsidyRuns)
    .innerJoin(regions, eq(regions.id, subsidyRuns.countyId))
    .where(withinSql(subsidyRuns.countyPath, scopePath))
    .orderBy(desc(subsidyRuns.month), asc(regions.name))
    .limit(limit)
    .all();
}

// ---- appeals ----------------------------------------------------------------------------------------

/** A director disputes a line of their own in an approved run, with a reason. One open appeal per line. */
export function fileAppeal(db: Db, actor: FieldActor, lineId: number, reason: string, now = Date.now()) {
  const line = db.select({ l: subsidyLines, status: subsidyRuns.status }).from(subsidyLines).innerJoin(subsidyRuns, eq(subsidyRuns.id, subsidyLines.runId)).where(eq(subsidyLines.id, lineId)).get();
  if (!line || line.l.userId !== actor.userId) throw new FieldError('_form', 'v.notFound');
  if (line.status !== 'approved') throw new FieldError('_form', 'v.subsidy.appealNotApproved');
  if (line.l.kind !== 'regular') throw new FieldError('_form', 'v.subsidy.appealAdjustment');
  const open = db.select({ id: subsidyAppeals.id }).from(subsidyAppeals).where(and(eq(subsidyAppeals.lineId, lineId), ne(subsidyAppeals.status, 'rejected'))).get();
  if (open) throw new FieldError('_form', 'v.subsidy.appealExists');
  return db.transaction((tx) => {
    const a = tx.insert(subsidyAppeals).values({ lineId, userId: actor.userId, regionPath: line.l.regionPath, reason, createdAt: now }).returning().get();
    addNotices(tx, townshipSupervisors(tx, [line.l.townshipId]), { category: 'subsidy', kind: 'subsidy.appeal', title: `新的补贴申诉（${line.l.month}），请提出意见`, body: reason, link: '/supervise/subsidy', createdBy: actor.userId, dedupeKey: `subsidy:appeal:${a.id}:filed`, at: now });
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.appeal', entityType: 'subsidy_appeal', entityId: a.id, regionPath: line.l.regionPath, after: { lineId, reason }, ip: actor.ip, at: now });
    return a;
  });
}

/** The township supervisor adds their opinion to an open appeal of their township. */
export function appealOpinion(db: Db, actor: FieldActor, appealId: number, opinion: string, now = Date.now()): void {
  if (actor.role !== 'supervisor') throw new FieldError('_form', 'v.supervisorsOnly');
  const a = db.select().from(subsidyAppeals).where(eq(subsidyAppeals.id, appealId)).get();
  if (!a || !isWithin(actor.regionPath, a.regionPath)) throw new FieldError('_form', 'v.notFound');
  if (a.status !== 'open') throw new FieldError('_form', 'v.subsidy.appealDecided');
  db.transaction((tx) => {
    tx.update(subsidyAppeals).set({ supervisorOpinion: opinion, supervisorId: actor.userId, supervisorAt: now }).where(eq(subsidyAppeals.id, appealId)).run();
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.appeal.opinion', entityType: 'subsidy_appeal', entityId: appealId, regionPath: a.regionPath, after: { opinion }, ip: actor.ip, at: now });
  });
}

/**
 * The county official decides an appeal. Upheld with a corrected amount: the difference is paid as an
 * adjustment line of the next run computed for the county (the approved line itself never changes).
 */
export function decideAppeal(db: Db, actor: FieldActor, appealId: number, d: { upheld: boolean; decision: string; correctedFen: number | null }, now = Date.now()): void {
  requireOfficial(actor);
  const a = db.select().from(subsidyAppeals).where(eq(subsidyAppeals.id, appealId)).get();
  if (!a || !isWithin(actor.regionPath, a.regionPath)) throw new FieldError('_form', 'v.notFound');
  if (a.status !== 'open') throw new FieldError('_form', 'v.subsidy.appealDecided');
  if (d.upheld && (d.correctedFen === null || d.correctedFen < 0)) throw new FieldError('correctedYuan', 'v.subsidy.amount');
  db.transaction((tx) => {
    tx.update(subsidyAppeals)
      .set({ status: d.upheld ? 'upheld' : 'rejected', decidedBy: actor.userId, decidedAt: now, decision: d.decision, correctedFen: d.upheld ? d.correctedFen : null })
      .where(and(eq(subsidyAppeals.id, appealId), eq(subsidyAppeals.status, 'open')))
      .run();
    addNotice(tx, {
      userId: a.userId,
      category: 'subsidy',
      kind: 'subsidy.appeal.decided',
      title: d.upheld ? `补贴申诉已支持：更正为 ${yuan(d.correctedFen ?? 0)} 元` : '补贴申诉未获支持',
      body: d.upheld ? `${d.decision}（差额在下一期补贴中以更正行发放）` : d.decision,
      link: '/work/subsidy',
      createdBy: actor.userId,
      dedupeKey: `subsidy:appeal:${appealId}:decided`,
      at: now,
    });
    writeAudit(tx, { actorUserId: actor.userId, action: 'subsidy.appeal.decide', entityType: 'subsidy_appeal', entityId: appealId, regionPath: a.regionPath, after: d, ip: actor.ip, at: now });
  });
}

export function listAppeals(db: Db, scopePath: string, opts: { userId?: number; openOnly?: boolean } = {}) {
  return db
    .select({ a: subsidyAppeals, month: subsidyLines.month, amountFen: subsidyLines.amountFen, name: users.name })
    .from(subsidyAppeals)
    .innerJoin(subsidyLines, eq(subsidyLines.id, subsidyAppeals.lineId))
    .innerJoin(users, eq(users.id, subsidyAppeals.userId))
    .where(and(withinSql(subsidyAppeals.regionPath, scopePath), opts.userId ? eq(subsidyAppeals.userId, opts.userId) : undefined, opts.openOnly ? eq(subsidyAppeals.status, 'open') : undefined))
    .orderBy(desc(subsidyAppeals.id))
    .limit(200)
    .all();
}

/** A person's own lines (approved and draft runs), newest first. */
export function listOwnLines(db: Db, userId: number, limit = 24) {
  return db
    .select({ l: subsidyLines, status: subsidyRuns.status })
    .from(subsidyLines)
    .innerJoin(subsidyRuns, eq(subsidyRuns.id, subsidyLines.runId))
    .where(and(eq(subsidyLines.userId, userId), inArray(subsidyRuns.status, ['reviewing', 'approved'])))
    .orderBy(desc(subsidyLines.month), desc(subsidyLines.id))
    .limit(limit)
    .all();
}

/**
 * This month so far for one person (not stored): whether the subsidy is on track and why, so they can
 * act before the month ends. Null when no subsidy policy covers their role.
 */
export function liveStatus(db: Db, a: { userId: number; role: string; regionPath: string }, now = Date.now()): LineDraft | null {
  const today = dayOf(now);
  const month = today.slice(0, 7);
  const countyPath = `/${a.regionPath.split('/').filter(Boolean).slice(0, 3).join('/')}/`;
  const inForce = subsidyRulesFor(db, countyPath, monthBounds(month).end);
  if (!inForce || !(inForce.rules.roles as string[]).includes(a.role)) return null;
  // only this person's region is read: their line counts nothing outside it
  return computeCountyMonth(db, countyPath, month, inForce.rules, today, [a.userId], a.regionPath).find((l) => l.regionPath === a.regionPath) ?? null;
}

