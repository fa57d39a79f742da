import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, updateCase, getCaseInScope, listDueCases, caseCounts, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, amendEntry, verifyEntries, returnEntry, escalateUnreported, listUnreported, listEntries, entryCounts, type EntryInput } from '../../../src/lib/fieldwork/entries';
import { reportDueAt } from '../../../src/lib/fieldwork/mandatory';
import { FieldError } from '../../../src/lib/errors';
import { notices, workEntries, auditLog, roleAssignments } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 15, 2); // 2026-06-15 10:00 China time
const HOUR = 3600_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let otherDirector: FieldActor;
let supervisor: FieldActor;
let foreignSupervisor: FieldActor;
let countyOfficial: number;

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  otherDirector = actorOf(w.person('director', w.hxVillage, '王二'));
  supervisor = actorOf(w.person('supervisor', w.chengguan, '张三'));
  foreignSupervisor = actorOf(w.person('supervisor', w.baofeng, '赵四'));
  countyOfficial = w.person('official', w.zhushan, '刘五');
});
afterEach(() => t.cleanup());

const newCase = (actor = director, over: Partial<Parameters<typeof createCase>[2]> = {}) =>
  createCase(db, actor, { code: `C-${Math.random().toString(36).slice(2, 8).toUpperCase()}`, category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-05-01', note: '', ...over }, NOW - 40 * 24 * HOUR);

let seq = 0;
const visit = (caseId: number, over: Partial<Extract<EntryInput, { type: "visit" }>> = {}): Extract<EntryInput, { type: "visit" }> => ({
  type: 'visit',
  clientId: `client-${++seq}-abcdef`,
  day: '2026-06-14',
  caseId,
  mode: 'in_person',
  findings: '孩子在家，学习正常，祖母身体尚可。',
  guardianshipAdequate: true,
  followUp: false,
  followUpNote: '',
  confirmNoReport: false,
  situations: [],
  ...over,
});

function fieldErr(fn: () => unknown): FieldError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FieldError) return e;
    throw e;
  }
  throw new Error('expected a FieldError');
}

describe('cases', () => {
  it('takes the visit interval from the policy and schedules the first visit', () => {
    const c = newCase(director, { category: 'left_behind', guardianSituation: 'entrusted' });
    expect(c.intervalDays).toBe(90);
    expect(c.nextDueDay).toBe('2026-07-30');
    const high = newCase(director, { risk: 'high' });
    expect(high.intervalDays).toBe(7);
    expect(high.nextDueDay).toBe('2026-05-08');
  });

  it('refuses a duplicate code in the same village, a future opening day, and non-directors', () => {
    newCase(director, { code: 'V1-001' });
    expect(fieldErr(() => newCase(director, { code: 'V1-001' })).key).toBe('v.caseCodeTaken');
    // another village may use the same code
    expect(newCase(otherDirector, { code: 'V1-001' }).code).toBe('V1-001');
    expect(fieldErr(() => newCase(director, { openedOn: '2027-01-01' })).key).toBe('v.dateInFuture');
    expect(fieldErr(() => newCase(supervisor)).key).toBe('v.directorsOnly');
  });

  it('a higher risk shortens the schedule from the day of the change', () => {
    const c = newCase(director, { category: 'left_behind', guardianSituation: 'entrusted' });
    const u = updateCase(db, director, c.id, { category: 'left_behind', guardianSituation: 'entrusted', risk: 'high', note: '' }, NOW);
    expect(u.intervalDays).toBe(7);
    expect(u.nextDueDay).toBe('2026-06-22');
    expect(getCaseInScope(db, otherDirector.regionPath, c.id)).toBeNull();
    expect(getCaseInScope(db, supervisor.regionPath, c.id)?.id).toBe(c.id);
  });
});

describe('work-log entries', () => {
  it('sending the same entry twice records it once', () => {
    const c = newCase();
    const input = visit(c.id);
    const a = submitEntry(db, director, input, NOW);
    const b = submitEntry(db, director, input, NOW + 1000);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(b.entry.id).toBe(a.entry.id);
    expect(db.select().from(workEntries).all()).toHaveLength(1);
    // the same clientId from another person is another entry
    const c2 = newCase(otherDirector);
    expect(submitEntry(db, otherDirector, { ...input, caseId: c2.id }, NOW).duplicate).toBe(false);
  });

  it('a visit moves the case schedule on; a returned visit no longer counts', () => {
    const c = newCase();
    expect(c.nextDueDay).toBe('2026-05-31');
    const { entry } = submitEntry(db, director, visit(c.id, { day: '2026-06-10' }), NOW);
    expect(getCaseInScope(db, director.regionPath, c.id)!.nextDueDay).toBe('2026-07-10');
    expect(caseCounts(db, w.chengguan.path, '2026-06-15')).toEqual({ active: 1, overdue: 0, dueSoon: 0 });
    returnEntry(db, supervisor, entry.id, '请补充监护人情况', NOW + HOUR);
    const back = getCaseInScope(db, director.regionPath, c.id)!;
    expect(back.nextDueDay).toBe('2026-05-31');
    expect(back.lastVisitDay).toBeNull();
    expect(listDueCases(db, w.chengguan.path, '2026-06-15').map((x) => x.id)).toEqual([c.id]);
  });

  it('refuses a case of another village, a future day and a day too long ago', () => {
    const foreign = newCase(otherDirector);
    expect(fieldErr(() => submitEntry(db, director, visit(foreign.id), NOW)).field).toBe('caseId');
    const c = newCase();
    expect(fieldErr(() => submitEntry(db, director, visit(c.id, { day: '2026-06-16' }), NOW)).key).toBe('v.dateInFuture');
    expect(fieldErr(() => submitEntry(db, director, visit(c.id, { day: '2026-04-30' }), NOW)).key).toBe('v.beforeOpened');
    const old = createCase(db, director, { code: 'OLD-1', category: 'other', guardianSituation: 'parents', risk: 'low', openedOn: '2025-01-01', note: '' }, NOW);
    expect(fieldErr(() => submitEntry(db, director, visit(old.id, { day: '2026-01-01' }), NOW)).key).toBe('v.dateTooOld');
  });
});

describe('mandatory reporting', () => {
  it('findings that suggest a situation must be ticked or confirmed as not one', () => {
    const c = newCase();
    const e = fieldErr(() => submitEntry(db, director, visit(c.id, { findings: '孩子手臂有多处淤青，说是被打的' }), NOW));
    expect(e.field).toBe('situations');
    expect(e.key).toBe('v.situationsSuggested');
    expect(String(e.params.words)).toContain('淤青');
    // nothing was written
    expect(db.select().from(workEntries).all()).toHaveLength(0);
    const confirmed = submitEntry(db, director, visit(c.id, { findings: '孩子摔倒，膝盖有淤青，已就医', confirmNoReport: true }), NOW);
    expect(confirmed.entry.flagged).toBe(false);
    expect(confirmed.entry.data.confirmedNoReport).toBe(true);
  });

  it('a flagged visit alerts the township supervisor, is due for a report, and leaves the list once reported', () => {
    const c = newCase();
    const { entry } = submitEntry(db, director, visit(c.id, { findings: '孩子手臂有多处淤青', situations: ['abuse_injuries', 'not_a_code'] }), NOW);
    expect(entry.flagged).toBe(true);
    expect(entry.situations).toEqual(['abuse_injuries']);
    expect(entry.reportDueAt).toBe(reportDueAt('2026-06-14', 24));
    expect(new Date(entry.reportDueAt!).toISOString()).toBe('2026-06-15T16:00:00.000Z'); // 16 June 00:00 China time
    const alerts = db.select().from(notices).where(eq(notices.kind, 'fieldwork.flagged')).all();
    expect(alerts.map((n) => n.userId)).toEqual([supervisor.userId]);
    expect(listUnreported(db, w.zhushan.path, NOW).map((e) => e.id)).toEqual([entry.id]);

    const report = submitEntry(db, director, { type: 'report', clientId: 'report-000001', caseId: null, visitId: entry.id, reportedTo: 'police', reportedAt: '2026-06-15T09:00', receipt: '接警号 123', note: '', situations: [] }, NOW);
    expect(report.entry.situations).toEqual(['abuse_injuries']);
    expect(report.entry.caseId).toBe(c.id);
    expect(db.select().from(workEntries).where(eq(workEntries.id, entry.id)).get()!.linkedEntryId).toBe(report.entry.id);
    expect(listUnreported(db, w.zhushan.path, NOW)).toHaveLength(0);
    // a second report for the same visit is refused
    expect(fieldErr(() => submitEntry(db, director, { type: 'report', clientId: 'report-000002', caseId: null, visitId: entry.id, reportedTo: 'police', reportedAt: '2026-06-15T09:30', receipt: '', note: '', situations: [] }, NOW)).key).toBe('v.alreadyReported');
  });

  it('an unreported flagged visit escalates to the county once its limit passes, and only once', () => {
    const c = newCase();
    const { entry } = submitEntry(db, director, visit(c.id, { findings: '孩子长期无人照料', situations: ['abandoned_uncared'] }), NOW);
    expect(escalateUnreported(db, entry.reportDueAt! - 1)).toBe(0);
    expect(escalateUnreported(db, entry.reportDueAt! + 1)).toBe(1);
    expect(escalateUnreported(db, entry.reportDueAt! + HOUR)).toBe(0);
    const esc = db.select().from(notices).where(eq(notices.kind, 'fieldwork.escalated')).all();
    expect(esc.map((n) => n.userId)).toEqual([countyOfficial]);
    expect(listUnreported(db, w.zhushan.path, entry.reportDueAt! + 1, true)).toHaveLength(1);
    expect(listUnreported(db, w.jiangling.path, entry.reportDueAt! + 1, true)).toHaveLength(0);
  });

  it('a report whose visit was returned to the director is still refused for other villages', () => {
    const c = newCase();
    const { entry } = submitEntry(db, director, visit(c.id, { findings: '走失两天后找回', situations: ['missing_trafficked'] }), NOW);
    expect(fieldErr(() => submitEntry(db, otherDirector, { type: 'report', clientId: 'report-x-0001', caseId: null, visitId: entry.id, reportedTo: 'police', reportedAt: '2026-06-15T09:00', receipt: '', note: '', situations: [] }, NOW)).field).toBe('visitId');
  });
});

describe('verification', () => {
  it('the township supervisor verifies and returns; the director amends and resubmits; verified entries are locked', () => {
    const c = newCase();
    const a = submitEntry(db, director, visit(c.id), NOW).entry;
    const b = submitEntry(db, director, { type: 'outreach', clientId: 'outreach-0001', day: '2026-06-12', place: '村委会', topic: '未成年人保护法宣讲', attendance: 35 }, NOW).entry;
    expect(verifyEntries(db, supervisor, [a.id], NOW + HOUR)).toBe(1);
    expect(getCaseInScope(db, director.regionPath, c.id)!.lastVerifiedVisitDay).toBe('2026-06-14');
    returnEntry(db, supervisor, b.id, '请补充宣讲照片说明和签到人数', NOW + HOUR);
    expect(entryCounts(db, w.chengguan.path)).toEqual({ submitted: 0, verified: 1, returned: 1 });
    const n = db.select().from(notices).where(and(eq(notices.kind, 'fieldwork.returned'), eq(notices.userId, director.userId))).get();
    expect(n?.body).toBe('请补充宣讲照片说明和签到人数');
    expect(n).toMatchObject({ category: 'worklog', link: `/work/entries/${b.id}` });

    expect(fieldErr(() => verifyEntries(db, supervisor, [a.id], NOW)).key).toBe('v.alreadyDecided');
    expect(fieldErr(() => amendEntry(db, director, a.id, visit(c.id), NOW)).key).toBe('v.entryLocked');
    const amended = amendEntry(db, director, b.id, { type: 'outreach', clientId: 'outreach-0001', day: '2026-06-12', place: '村委会', topic: '未成年人保护法宣讲', attendance: 36 }, NOW + 2 * HOUR);
    expect(amended.status).toBe('submitted');
    expect(amended.revision).toBe(2);
    expect(listEntries(db, w.chengguan.path, { status: 'submitted' }).map((e) => e.id)).toEqual([b.id]);
    const actions = db.select({ action: auditLog.action }).from(auditLog).all().map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['work.visit', 'work.outreach', 'work.verify', 'work.return', 'work.amend']));
  });

  it('a supervisor of another township sees nothing and decides nothing; nobody verifies their own entry', () => {
    const c = newCase();
    const a = submitEntry(db, director, visit(c.id), NOW).entry;
    expect(fieldErr(() => verifyEntries(db, foreignSupervisor, [a.id], NOW)).key).toBe('v.notFound');
    expect(fieldErr(() => returnEntry(db, foreignSupervisor, a.id, '不行', NOW)).key).toBe('v.notFound');
    expect(listEntries(db, w.baofeng.path)).toHaveLength(0);
    // another person cannot amend the director's entry
    expect(fieldErr(() => amendEntry(db, otherDirector, a.id, visit(c.id), NOW)).key).toBe('v.notFound');
    expect(fieldErr(() => verifyEntries(db, director, [a.id], NOW)).key).toBe('v.supervisorsOnly');
  });
});

describe('visit norms as versioned data', () => {
  it('a county version coming into force moves open cases to the new interval from that day only', async () => {
    const { addPolicyVersion } = await import('../../../src/lib/policy/policy');
    const { applyVisitNorms } = await import('../../../src/lib/fieldwork/norms-sync');
    const c = newCase(director, { category: 'left_behind', guardianSituation: 'entrusted' });
    expect(c.intervalDays).toBe(90);
    addPolicyVersion(db, { kind: 'visit-norms', regionId: w.zhushan.id, version: '1.1.0', effectiveFrom: '2026-07-01', body: { intervals: { difficult: 30, unsupported: 30, orphan: 30, left_behind: 60, other: 90 }, highRiskDays: 7, verifyWithinDays: 7 } });
    expect(applyVisitNorms(db, '2026-06-30')).toBe(0);
    expect(applyVisitNorms(db, '2026-07-01')).toBe(1);
    expect(applyVisitNorms(db, '2026-07-01')).toBe(0);
    const after = getCaseInScope(db, director.regionPath, c.id)!;
    expect(after.intervalDays).toBe(60);
    expect(after.intervalHistory).toEqual([{ from: '2026-05-01', days: 90 }, { from: '2026-07-01', days: 60 }]);
    // the first visit stays due on 30 July (old due day, earlier than 1 July + 60)
    expect(after.nextDueDay).toBe('2026-07-30');
    // 江陵县 keeps the province default
    const jl = newCase(otherDirector, { category: 'left_behind', guardianSituation: 'entrusted' });
    applyVisitNorms(db, '2026-07-02');
    expect(getCaseInScope(db, otherDirector.regionPath, jl.id)!.intervalDays).toBe(90);
  });
});
