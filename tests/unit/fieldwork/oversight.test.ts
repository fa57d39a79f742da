import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, closeCase, listDueCases, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, verifyEntries, returnEntry, amendEntry, escalateUnreported, listUnreported, entryCounts, type EntryInput } from '../../../src/lib/fieldwork/entries';
import { fieldworkCounts, fieldworkByChild, daysOverdue, triageForDecision, getEntryDetail, NO_COUNTS, type FieldworkCounts } from '../../../src/lib/fieldwork/oversight';
import { isWithin } from '../../../src/lib/org/scope';
import { addDays, dayOf } from '../../../src/lib/time';
import { cases, workEntries } from '../../../db/schema/index';
import type { Region } from '../../../src/lib/org/regions';
import type { Db } from '../../../db/client';
import type { CaseCategory, RiskLevel } from '../../../db/schema/fieldwork';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 2); // 2026-06-01 10:00 China time
const TODAY = dayOf(NOW);

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'), NOW - 200 * DAY);
});
afterEach(() => t.cleanup());

function director(village: Region): FieldActor {
  const userId = w.person('director', village);
  return { userId, role: 'director', regionId: village.id, regionPath: village.path };
}
function supervisor(township: Region): FieldActor {
  const userId = w.person('supervisor', township);
  return { userId, role: 'supervisor', regionId: township.id, regionPath: township.path };
}

let seq = 0;
const cid = () => `client-${String(++seq).padStart(6, '0')}`;

function kase(actor: FieldActor, code: string, openedDaysAgo: number, category: CaseCategory = 'difficult', risk: RiskLevel = 'low') {
  return createCase(db, actor, { code, category, guardianSituation: 'parents', risk, openedOn: addDays(TODAY, -openedDaysAgo), note: '' }, NOW);
}

function visit(actor: FieldActor, caseId: number, daysAgo: number, situations: string[] = []) {
  const input: EntryInput = {
    type: 'visit',
    clientId: cid(),
    day: addDays(TODAY, -daysAgo),
    caseId,
    mode: 'in_person',
    findings: situations.length ? '孩子长期一人在家' : '监护人在家，孩子上学正常',
    guardianshipAdequate: situations.length === 0,
    followUp: false,
    followUpNote: '',
    confirmNoReport: false,
    situations,
  };
  return submitEntry(db, actor, input, NOW).entry;
}

function report(actor: FieldActor, visitId: number, daysAgo: number) {
  const at = addDays(TODAY, -daysAgo);
  return submitEntry(db, actor, { type: 'report', clientId: cid(), caseId: null, visitId, reportedTo: 'police', reportedAt: `${at}T09:00`, receipt: '', note: '', situations: [] }, NOW).entry;
}

function outreach(actor: FieldActor, daysAgo: number) {
  return submitEntry(db, actor, { type: 'outreach', clientId: cid(), day: addDays(TODAY, -daysAgo), place: '村委会', topic: '政策宣讲', attendance: 20 }, NOW).entry;
}

/**
 * A township's worth of varied work in three villages of two townships and one in another county:
 * overdue, due-soon and far-off cases, a closed case, visits verified, returned and pending, flagged
 * visits unreported, reported, reported-then-returned and escalated.
 */
function seedVaried() {
  const cg1 = director(w.cgVillage);
  const cg2 = director(w.cgVillage2);
  const bf = director(w.bfVillage);
  const hx = director(w.hxVillage);
  const cgSup = supervisor(w.chengguan);
  const bfSup = supervisor(w.baofeng);

  // 城关镇 测试一村
  const a1 = kase(cg1, 'A1-001', 60); // 30-day interval, never visited: overdue
  const a2 = kase(cg1, 'A1-002', 25); // due in 5 days
  const a3 = kase(cg1, 'A1-003', 10, 'left_behind'); // 90 days: far off
  const a4 = kase(cg1, 'A1-004', 40, 'difficult', 'high'); // 7 days: overdue unless visited
  const a5 = kase(cg1, 'A1-005', 50);
  closeCase(db, cg1, a5.id, { closedOn: addDays(TODAY, -1), closeReason: 'moved' }, NOW);
  const v1 = visit(cg1, a2.id, 20);
  const v2 = visit(cg1, a3.id, 5);
  const v3 = visit(cg1, a4.id, 3, ['abandoned_uncared']); // flagged, unreported, overdue → escalated
  const v4 = visit(cg1, a1.id, 10, ['abuse_injuries']); // flagged, reported
  const r4 = report(cg1, v4.id, 10);
  const o1 = outreach(cg1, 2);
  verifyEntries(db, cgSup, [v1.id, r4.id], NOW);
  returnEntry(db, cgSup, v2.id, '请补充走访情况', NOW);
  void o1;

  // 城关镇 测试二村
  const b1 = kase(cg2, 'B2-001', 31); // overdue by a day
  const b2 = kase(cg2, 'B2-002', 23); // due in 7 days (edge of the horizon)
  const b3 = kase(cg2, 'B2-003', 22); // due in 8 days (outside)
  const v5 = visit(cg2, b1.id, 4, ['missing_trafficked']); // flagged; its report gets returned → unreported again
  const r5 = report(cg2, v5.id, 4);
  returnEntry(db, cgSup, r5.id, '请补充回执编号', NOW);
  const v6 = visit(cg2, b3.id, 1, ['organised_begging']); // flagged, unreported, not yet due
  const v7 = visit(cg2, b2.id, 2, ['other_serious']); // flagged then returned itself: still owes a report
  returnEntry(db, cgSup, v7.id, '情形勾选有误', NOW);
  void v6;

  // 宝丰镇 测试三村
  const c1 = kase(bf, 'C3-001', 45, 'orphan');
  const v8 = visit(bf, c1.id, 6);
  verifyEntries(db, bfSup, [v8.id], NOW);
  const v9 = visit(bf, c1.id, 3, ['genital_injury']);
  void v9;

  // 江陵县 测试四村
  const d1 = kase(hx, 'D4-001', 70);
  visit(hx, d1.id, 8, ['abandoned_uncared']);

  escalateUnreported(db, NOW);
  return { cg1, cg2, bf, hx, cgSup, bfSup, v1, v2, v3, v4, v5, v6, v7, v9, r4, r5, a1, a4, b1 };
}

/** The same counts computed from scratch, row by row, in plain TypeScript. */
function fromScratch(scopePath: string): FieldworkCounts {
  const horizon = addDays(TODAY, 7);
  const allCases = db.select().from(cases).all().filter((c) => isWithin(scopePath, c.regionPath) && c.status === 'active');
  const all = db.select().from(workEntries).all();
  const byId = new Map(all.map((e) => [e.id, e]));
  const entries = all.filter((e) => isWithin(scopePath, e.regionPath));
  const unreported = entries.filter((e) => e.type === 'visit' && e.flagged && (e.linkedEntryId === null || byId.get(e.linkedEntryId)?.status === 'returned'));
  return {
    activeCases: allCases.length,
    overdue: allCases.filter((c) => c.nextDueDay !== null && c.nextDueDay < TODAY).length,
    dueSoon: allCases.filter((c) => c.nextDueDay !== null && c.nextDueDay >= TODAY && c.nextDueDay <= horizon).length,
    awaiting: entries.filter((e) => e.status === 'submitted').length,
    returned: entries.filter((e) => e.status === 'returned').length,
    flaggedUnreported: unreported.length,
    escalated: unreported.filter((e) => e.escalatedAt !== null).length,
  };
}

describe('field-work aggregates', () => {
  it('per child region (one grouped query per table) agree with a from-scratch count at every level', () => {
    seedVaried();
    for (const parent of [w.province, w.shiyan, w.zhushan, w.chengguan, w.baofeng, w.jingzhou, w.jiangling, w.haoxue]) {
      const rows = fieldworkByChild(db, parent, TODAY);
      expect(rows.map((r) => r.region.id)).toEqual(w.children(parent).map((c) => c.id));
      for (const r of rows) expect(r.counts, `${parent.name} › ${r.region.name}`).toEqual(fromScratch(r.region.path));
      // the children add up to the parent's total
      const sum = rows.reduce((s, r) => Object.fromEntries(Object.keys(NO_COUNTS).map((k) => [k, s[k as keyof FieldworkCounts] + r.counts[k as keyof FieldworkCounts]])) as unknown as FieldworkCounts, { ...NO_COUNTS });
      expect(sum).toEqual(fieldworkCounts(db, parent.path, TODAY));
    }
  });

  it('the township totals are what the seeded story says, and agree with the lib\'s own lists', () => {
    seedVaried();
    const cg = fieldworkCounts(db, w.chengguan.path, TODAY);
    expect(cg).toEqual(fromScratch(w.chengguan.path));
    // A1-001..004 and B2-001..003 are active (A1-005 is closed)
    expect(cg.activeCases).toBe(7);
    // flagged and unreported: v3 (escalated), v5 (its report returned), v6 (not yet due), v7 (returned for its
    // wording, but what it found still has to be reported); v4 is reported
    expect(cg.flaggedUnreported).toBe(4);
    expect(cg.flaggedUnreported).toBe(listUnreported(db, w.chengguan.path, NOW).length);
    expect(cg.escalated).toBe(listUnreported(db, w.chengguan.path, NOW, true).filter((e) => e.escalatedAt !== null).length);
    expect(cg.escalated).toBe(3); // v3, v5 and v7 are past their limit; v6 is not
    const counts = entryCounts(db, w.chengguan.path);
    expect(cg.awaiting).toBe(counts.submitted);
    expect(cg.returned).toBe(counts.returned);
    expect(cg.returned).toBe(3); // v2, r5, v7
    const due = listDueCases(db, w.chengguan.path, TODAY, 7);
    expect(cg.overdue + cg.dueSoon).toBe(due.length);
    expect(cg.overdue).toBe(due.filter((c) => c.nextDueDay! < TODAY).length);
  });

  it('a village (no children) has no rows; an empty scope counts zero', () => {
    seedVaried();
    expect(fieldworkByChild(db, w.cgVillage, TODAY)).toEqual([]);
    expect(fieldworkCounts(db, w.cgVillage.path, TODAY)).toEqual(fromScratch(w.cgVillage.path));
    expect(fieldworkCounts(db, w.shiyan.path + '999999/', TODAY)).toEqual(NO_COUNTS);
    const shiyanRows = fieldworkByChild(db, w.shiyan, TODAY);
    expect(shiyanRows.find((r) => r.region.id === w.zhushan.id)!.counts.activeCases).toBe(8);
    expect(shiyanRows.filter((r) => r.region.id !== w.zhushan.id).every((r) => JSON.stringify(r.counts) === JSON.stringify(NO_COUNTS))).toBe(true);
  });

  it('a sibling whose id starts with the same digits is not mixed in (prefix ends at the slash)', () => {
    seedVaried();
    // 测试一村 and 测试二村 have consecutive ids, e.g. /…/9001/ and /…/9002/; a path-prefix without the
    // closing slash would also be wrong for ids like 12 and 123, so compare each village with its own count
    const rows = fieldworkByChild(db, w.chengguan, TODAY);
    const one = rows.find((r) => r.region.id === w.cgVillage.id)!.counts;
    const two = rows.find((r) => r.region.id === w.cgVillage2.id)!.counts;
    expect(one.activeCases).toBe(4);
    expect(two.activeCases).toBe(3);
    expect(one.flaggedUnreported).toBe(1);
    expect(two.flaggedUnreported).toBe(3);
  });
});

describe('daysOverdue', () => {
  it('counts whole days from the due day to today', () => {
    expect(daysOverdue('2026-05-30', '2026-06-01')).toBe(2);
    expect(daysOverdue('2026-06-01', '2026-06-01')).toBe(0);
    expect(daysOverdue('2026-06-05', '2026-06-01')).toBe(-4);
    expect(daysOverdue('2025-12-31', '2026-01-01')).toBe(1);
  });
});

describe('triageForDecision', () => {
  it('says which ticked entries may be decided and why the others may not, like verifyEntries', () => {
    const s = seedVaried();
    const pending = [s.v3.id, s.v6.id];
    const other = supervisor(w.chengguan);
    const r = triageForDecision(db, other, [...pending, s.v1.id, s.v9.id, 999_999, s.v3.id]);
    expect(r.ok).toEqual(pending);
    expect(r.problems).toEqual([
      { id: s.v1.id, key: 'v.alreadyDecided', type: 'visit', day: s.v1.day, caseCode: 'A1-002' },
      { id: s.v9.id, key: 'v.notFound' }, // 宝丰镇: outside 城关镇, nothing about it is told
      { id: 999_999, key: 'v.notFound' },
    ]);
    // the ok ones really are decidable; a decided one really is refused
    expect(verifyEntries(db, other, r.ok, NOW)).toBe(2);
    expect(() => verifyEntries(db, other, [s.v1.id], NOW)).toThrow('v.alreadyDecided');
  });

  it('refuses a person\'s own entries and anyone who is not a supervisor', () => {
    const s = seedVaried();
    // a supervisor who also directs a village of the township cannot verify their own work
    const both: FieldActor = { ...s.cgSup };
    const own = submitEntry(db, { ...s.cg1, userId: both.userId }, { type: 'outreach', clientId: cid(), day: TODAY, place: '村委会', topic: '宣讲', attendance: 5 }, NOW).entry;
    expect(triageForDecision(db, both, [own.id]).problems).toEqual([{ id: own.id, key: 'v.ownEntry', type: 'outreach', day: TODAY, caseCode: null }]);
    expect(() => verifyEntries(db, both, [own.id], NOW)).toThrow('v.ownEntry');
    expect(triageForDecision(db, s.cg1, [s.v6.id]).problems).toEqual([{ id: s.v6.id, key: 'v.supervisorsOnly' }]);
    expect(triageForDecision(db, s.cgSup, [])).toEqual({ ok: [], problems: [] });
  });
});

describe('getEntryDetail', () => {
  it('gives the case, the situations in the policy\'s words and the report status of a flagged visit', () => {
    const s = seedVaried();
    const d = getEntryDetail(db, w.chengguan.path, s.v3.id, NOW)!;
    expect(d.entry.caseCode).toBe('A1-004');
    expect(d.kase?.code).toBe('A1-004');
    expect(d.situations).toEqual([{ code: 'abandoned_uncared', label: '未成年人被遗弃或长期处于无人照料状态' }]);
    expect(d.unreported).toBe(true);
    expect(d.reportOverdue).toBe(true);
    expect(d.entry.escalatedAt).toBe(NOW);
    expect(d.linked).toBeNull();

    const reported = getEntryDetail(db, w.chengguan.path, s.v4.id, NOW)!;
    expect(reported.linked).toEqual({ id: s.r4.id, type: 'report', status: 'verified', day: s.r4.day });
    expect(reported.unreported).toBe(false);
    const rep = getEntryDetail(db, w.chengguan.path, s.r4.id, NOW)!;
    expect(rep.linked?.id).toBe(s.v4.id);
    expect(rep.deciderName).toBe(db.query.users.findFirst({ where: (u, { eq }) => eq(u.id, s.cgSup.userId) }).sync()?.name);

    // a visit whose report was returned is unreported again
    expect(getEntryDetail(db, w.chengguan.path, s.v5.id, NOW)!.unreported).toBe(true);
  });

  it('keeps the return comment and counts revisions after the director amends', () => {
    const s = seedVaried();
    const before = getEntryDetail(db, w.chengguan.path, s.v2.id, NOW)!;
    expect(before.entry.status).toBe('returned');
    expect(before.entry.comment).toBe('请补充走访情况');
    amendEntry(db, s.cg1, s.v2.id, { type: 'visit', clientId: s.v2.clientId, day: s.v2.day, caseId: s.v2.caseId!, mode: 'phone', findings: '补充：监护人在家', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] }, NOW + 1000);
    const after = getEntryDetail(db, w.chengguan.path, s.v2.id, NOW)!;
    expect(after.entry.status).toBe('submitted');
    expect(after.entry.revision).toBe(2);
    expect(after.entry.comment).toBe('请补充走访情况');
  });

  it('is null outside the scope', () => {
    const s = seedVaried();
    expect(getEntryDetail(db, w.chengguan.path, s.v9.id, NOW)).toBeNull();
    expect(getEntryDetail(db, w.baofeng.path, s.v9.id, NOW)).not.toBeNull();
    expect(getEntryDetail(db, w.chengguan.path, 424_242, NOW)).toBeNull();
  });
});
