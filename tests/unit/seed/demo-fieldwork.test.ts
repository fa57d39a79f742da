import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { seedDemo, type DemoSummary } from '../../../db/seed/demo';
import { loadContent } from '../../../src/lib/learning/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { getRegionByCode } from '../../../src/lib/org/regions';
import { withinSql } from '../../../src/lib/org/scope';
import { caseCounts, listCases } from '../../../src/lib/fieldwork/cases';
import { entryCounts } from '../../../src/lib/fieldwork/entries';
import { mandatoryRulesFor, visitNormsFor } from '../../../src/lib/fieldwork/rules';
import { suggestSituations } from '../../../src/lib/fieldwork/mandatory';
import { addDays, dayOf } from '../../../src/lib/time';
import { cases, workEntries, roleAssignments, users, notices } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

// One demo seed for the whole file, on a fixed day so the numbers are the same on every run.
const NOW = Date.parse('2026-11-29T10:00:00+08:00');
const TODAY = dayOf(NOW);
let db: Db;
let cleanup: () => void;
let summary: DemoSummary;

beforeAll(async () => {
  const t = createTestDb();
  db = t.db;
  cleanup = t.cleanup;
  syncContent(db, loadContent('content'), NOW);
  summary = await seedDemo(db, { policyDefaults: loadPolicyDefaults('content'), now: NOW });
}, 600_000);
afterAll(() => cleanup?.());

const county = (code: string) => getRegionByCode(db, code)!;

function directorVillage(phone: string) {
  return db
    .select({ userId: users.id, regionPath: roleAssignments.regionPath })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(and(eq(users.phone, phone), eq(roleAssignments.role, 'director')))
    .get()!;
}

describe('demo field work', () => {
  it('was made through the product without a single refusal', () => {
    const f = summary.fieldwork!;
    expect(f).toBeTruthy();
    expect(f.refusals).toEqual([]);
    expect(f.from).toBe('2026-01-01');
    expect(f.cases).toBeGreaterThan(summary.directors * 3 - 1);
    expect(f.flagged).toBeGreaterThanOrEqual(4);
    expect(f.escalated).toBeGreaterThanOrEqual(1);
  });

  it('gives every director 3–12 cases with codes V<village>-NNN', () => {
    const rows = db
      .select({ userId: roleAssignments.userId, villageId: roleAssignments.regionId, n: sql<number>`(select count(*) from cases c where c.village_id = ${roleAssignments.regionId})` })
      .from(roleAssignments)
      .where(and(eq(roleAssignments.role, 'director'), eq(roleAssignments.active, true)))
      .all();
    expect(rows.length).toBe(summary.directors);
    for (const r of rows) {
      expect(r.n, `village ${r.villageId}`).toBeGreaterThanOrEqual(3);
      expect(r.n, `village ${r.villageId}`).toBeLessThanOrEqual(12);
    }
    const bad = db.select({ code: cases.code, villageId: cases.villageId }).from(cases).all().filter((c) => !new RegExp(`^V${c.villageId}-\\d{3}$`).test(c.code));
    expect(bad).toEqual([]);
  });

  it('leaves overdue and due-soon cases in every county', () => {
    for (const code of ['420323', '421024']) {
      const c = caseCounts(db, county(code).path, TODAY);
      expect(c.overdue, code).toBeGreaterThan(0);
      expect(c.dueSoon, code).toBeGreaterThan(0);
      expect(c.active, code).toBeGreaterThan(c.overdue);
    }
  });

  it('has every entry type and status, closed cases, and returned entries with a comment', () => {
    const all = entryCounts(db, county('420323').path);
    const jl = entryCounts(db, county('421024').path);
    for (const s of ['submitted', 'verified', 'returned'] as const) {
      expect(all[s], s).toBeGreaterThan(0);
      expect(jl[s], s).toBeGreaterThan(0);
    }
    const types = db.select({ type: workEntries.type, n: sql<number>`count(*)` }).from(workEntries).groupBy(workEntries.type).all();
    expect(types.map((t) => t.type).sort()).toEqual(['agreement', 'info_update', 'outreach', 'report', 'visit']);
    const returned = db.select().from(workEntries).where(eq(workEntries.status, 'returned')).all();
    for (const e of returned) expect(e.comment ?? '').toMatch(/请/);
    expect(db.select({ n: sql<number>`count(*)` }).from(workEntries).where(sql`${workEntries.revision} > 1`).get()!.n).toBeGreaterThan(0);
    expect(db.select({ n: sql<number>`count(*)` }).from(cases).where(eq(cases.status, 'closed')).get()!.n).toBeGreaterThan(0);
    // about 3 % of decided entries were sent back
    const decided = all.verified + all.returned + jl.verified + jl.returned;
    const everReturned = db.select({ n: sql<number>`count(*)` }).from(workEntries).where(sql`${workEntries.status} = 'returned' or ${workEntries.revision} > 1`).get()!.n;
    expect(everReturned / decided).toBeGreaterThan(0.01);
    expect(everReturned / decided).toBeLessThan(0.06);
  });

  it('leaves the last two weeks partly unverified, and the township without a supervisor entirely', () => {
    const recent = db
      .select({ status: workEntries.status, n: sql<number>`count(*)` })
      .from(workEntries)
      .where(sql`${workEntries.day} >= ${addDays(TODAY, -14)}`)
      .groupBy(workEntries.status)
      .all();
    const by = Object.fromEntries(recent.map((r) => [r.status, r.n]));
    expect(by.submitted).toBeGreaterThan(0);
    expect(by.verified).toBeGreaterThan(0);
    const vacant = db
      .select({ status: workEntries.status, n: sql<number>`count(*)` })
      .from(workEntries)
      .where(sql`not exists (select 1 from role_assignments s where s.role = 'supervisor' and s.active = 1 and ${workEntries.regionPath} like s.region_path || '%')`)
      .groupBy(workEntries.status)
      .all();
    expect(vacant.length).toBe(1);
    expect(vacant[0]!.status).toBe('submitted');
    expect(vacant[0]!.n).toBeGreaterThan(0);
  });

  it('shows every state in 李春燕’s village', () => {
    const me = directorVillage('13900000005');
    const active = listCases(db, me.regionPath, { status: 'active' });
    expect(active.length).toBeGreaterThanOrEqual(5);
    expect(active.length).toBeLessThanOrEqual(8);
    expect(active.some((c) => c.nextDueDay! < TODAY)).toBe(true);
    expect(active.some((c) => c.nextDueDay! >= TODAY && c.nextDueDay! <= addDays(TODAY, 7))).toBe(true);
    const mine = db.select().from(workEntries).where(eq(workEntries.userId, me.userId)).all();
    expect(mine.filter((e) => e.status === 'verified').length).toBeGreaterThan(10);
    const returned = mine.filter((e) => e.status === 'returned');
    expect(returned.length).toBe(1);
    expect(returned[0]!.comment).toContain('请补充');
    expect(mine.filter((e) => e.status === 'submitted').length).toBeGreaterThanOrEqual(1);
    // the return reached her as a notice
    const n = db.select().from(notices).where(and(eq(notices.userId, me.userId), eq(notices.kind, 'fieldwork.returned'))).all();
    expect(n.length).toBe(1);
  });

  it('spreads diligence: verified visit counts differ between directors', () => {
    const rows = db
      .select({ userId: workEntries.userId, n: sql<number>`count(*)` })
      .from(workEntries)
      .where(and(eq(workEntries.type, 'visit'), eq(workEntries.status, 'verified')))
      .groupBy(workEntries.userId)
      .all();
    const counts = rows.map((r) => r.n).sort((a, b) => a - b);
    expect(new Set(counts).size).toBeGreaterThan(15);
    expect(counts[counts.length - 1]!).toBeGreaterThan(3 * counts[Math.floor(counts.length / 10)]!);
    // outreach sessions: none for some directors, up to six for others
    const talks = (
      db.$client
        .prepare(`select (select count(*) from work_entries w where w.user_id = a.user_id and w.type = 'outreach') n from role_assignments a where a.role = 'director' and a.active = 1`)
        .all() as { n: number }[]
    ).map((r) => r.n);
    expect(Math.min(...talks)).toBe(0);
    expect(Math.max(...talks)).toBeLessThanOrEqual(6);
    expect(Math.max(...talks)).toBeGreaterThanOrEqual(5);
  });

  it('writes no ID number and no mandatory-report word outside flagged or confirmed visits', () => {
    const idLike = /\d{17}[\dXx]|\d{15}/;
    for (const e of db.select({ data: workEntries.data, comment: workEntries.comment }).from(workEntries).all()) {
      expect(JSON.stringify(e.data)).not.toMatch(idLike);
      expect(e.comment ?? '').not.toMatch(idLike);
    }
    for (const c of db.select({ note: cases.note }).from(cases).all()) expect(c.note ?? '').not.toMatch(idLike);
    const rules = mandatoryRulesFor(db, county('420323').path, TODAY).rules;
    const visits = db.select().from(workEntries).where(and(eq(workEntries.type, 'visit'), eq(workEntries.flagged, false))).all();
    const confirmed = visits.filter((v) => (v.data as { confirmedNoReport?: boolean }).confirmedNoReport);
    for (const v of visits) {
      if ((v.data as { confirmedNoReport?: boolean }).confirmedNoReport) continue;
      expect(suggestSituations(String((v.data as { findings: string }).findings), rules)).toEqual([]);
    }
    expect(confirmed.length).toBeGreaterThan(0);
    // findings vary: no text is used for more than a few percent of the visits
    const texts = new Map<string, number>();
    for (const v of visits) texts.set(String((v.data as { findings: string }).findings), (texts.get(String((v.data as { findings: string }).findings)) ?? 0) + 1);
    expect(Math.max(...texts.values()) / visits.length).toBeLessThan(0.03);
  });

  it('flags a few visits per county: most reported in time, one late, one never (both escalated)', () => {
    for (const code of ['420323', '421024']) {
      const flagged = db.select().from(workEntries).where(and(eq(workEntries.flagged, true), withinSql(workEntries.regionPath, county(code).path))).all();
      expect(flagged.length, code).toBeGreaterThanOrEqual(3);
      const escalated = flagged.filter((v) => v.escalatedAt !== null);
      // the daily job escalated what was not reported in time: the late report came after it
      expect(escalated.filter((v) => v.linkedEntryId === null).length, code).toBeGreaterThanOrEqual(1);
      expect(escalated.filter((v) => v.linkedEntryId !== null).length, code).toBeGreaterThanOrEqual(1);
      for (const v of escalated) expect(v.escalatedAt!).toBeGreaterThan(v.reportDueAt!);
      const inTime = flagged.filter((v) => v.escalatedAt === null);
      expect(inTime.length, code).toBeGreaterThanOrEqual(1);
      for (const v of inTime) {
        const report = db.select().from(workEntries).where(eq(workEntries.id, v.linkedEntryId!)).get()!;
        expect(report.type).toBe('report');
        expect((report.data as { reportedAt: number }).reportedAt).toBeLessThanOrEqual(v.reportDueAt!);
      }
    }
  });

  it('gives 江陵县 its own visit norm from mid-year, applied to its 留守 cases', () => {
    const jl = county('421024');
    const before = visitNormsFor(db, jl.path, '2026-03-01');
    const after = visitNormsFor(db, jl.path, TODAY);
    expect(before.policy.regionPath).not.toBe(after.policy.regionPath);
    expect(after.rules.intervals.left_behind).toBeLessThan(before.rules.intervals.left_behind);
    const lb = db.select().from(cases).where(and(eq(cases.category, 'left_behind'), eq(cases.status, 'active'), eq(cases.risk, 'low'), withinSql(cases.regionPath, jl.path))).all();
    expect(lb.length).toBeGreaterThan(0);
    for (const c of lb) expect(c.intervalDays).toBe(after.rules.intervals.left_behind);
  });
});
