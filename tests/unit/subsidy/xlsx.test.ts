import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, verifyEntries } from '../../../src/lib/fieldwork/entries';
import { computeRun, submitRun, reviewTownship, approveRun, listLines, fileAppeal, appealOpinion, decideAppeal } from '../../../src/lib/subsidy/runs';
import { exportRunXlsx, approvedSummary, paymentRows, monthTitle } from '../../../src/lib/subsidy/xlsx';
import { roleAssignments, auditLog } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;
const JUNE_10 = at('2026-06-10');

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let director2: FieldActor;
let supervisor: FieldActor;
let official: FieldActor;
let jlOfficial: FieldActor;

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
  director2 = actorOf(w.person('director', w.cgVillage2, '王七'));
  supervisor = actorOf(w.person('supervisor', w.chengguan, '张三'));
  official = actorOf(w.person('official', w.zhushan, '刘五'));
  jlOfficial = actorOf(w.person('official', w.jiangling, '吴六'));
  db.update(roleAssignments).set({ createdAt: at('2025-01-01') }).run();
  // 李一: a case visited 25 April and 20 May; only the April visit is verified in time
  const c = createCase(db, director, { code: 'X-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
  const visits = ['2026-04-25', '2026-05-20'].map((day, i) =>
    submitEntry(db, director, { type: 'visit', clientId: `xlsx-visit-${i}-abc`, day, caseId: c.id, mode: 'in_person', findings: '孩子在家，生活正常。', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] }, at(day, 18)).entry.id,
  );
  verifyEntries(db, supervisor, [visits[0]!], at('2026-05-21'));
});
afterEach(() => t.cleanup());

function approve(month: string, now: number) {
  const run = computeRun(db, official, w.zhushan.id, month, now);
  submitRun(db, official, run.id, now);
  reviewTownship(db, supervisor, run.id, '', now);
  return approveRun(db, official, run.id, now);
}

async function readBack(buffer: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: false }, (row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
}

describe('payment list (XLSX)', () => {
  it('one row per person, a totals row equal to the run total, the signature block and the example note; audited', async () => {
    const may = approve('2026-05', JUNE_10);
    const out = (await exportRunXlsx(db, official, may.id, JUNE_10))!;
    expect(out.filename).toContain('2026年5月');
    const rows = await readBack(out.buffer);
    expect(String(rows[0]![0])).toBe(`${w.zhushan.name} ${monthTitle('2026-05')} 儿童主任通讯、交通补贴发放表`);
    expect(String(rows[1]![0])).toContain('示例默认标准，非正式公布标准');
    const header = rows[2]!;
    expect(header).toEqual(['序号', '乡镇', '村(社区)', '姓名', '在岗天数', '通讯补贴', '交通补贴', '系数', '本月应发', '调整', '合计', '未达标原因']);
    const people = rows.filter((r) => typeof r[0] === 'number');
    expect(people.map((r) => r[3]).sort()).toEqual(['李一', '王七'].sort());
    const li = people.find((r) => r[3] === '李一')!;
    // the May visit was not verified: transport not paid, the reason is in the last column
    expect(li[6]).toBe(0);
    expect(String(li[11])).toContain('走访');
    const totals = rows.find((r) => r[0] === '合计')!;
    expect(Math.round(Number(totals[10]) * 100)).toBe(may.totalFen);
    expect(Math.round(people.reduce((s, r) => s + Number(r[10]), 0) * 100)).toBe(may.totalFen);
    const flat = rows.map((r) => r.map(String).join('|')).join('\n');
    for (const s of ['制表人', '乡镇审核', '县民政局审批', '日期']) expect(flat).toContain(s);
    expect(flat).toContain(`补贴规则版本 ${may.policyVersion}`);
    const audits = db.select().from(auditLog).where(and(eq(auditLog.action, 'subsidy.export'), eq(auditLog.entityId, String(may.id)))).all();
    expect(audits).toHaveLength(1);
  });

  it('adjustment lines go to the person’s 调整 column with their reason', async () => {
    const may = approve('2026-05', JUNE_10);
    const line = listLines(db, official.regionPath, may.id).find((l) => l.userId === director.userId)!;
    const appeal = fileAppeal(db, director, line.id, '5月20日的走访已做', JUNE_10);
    appealOpinion(db, supervisor, appeal.id, '属实', JUNE_10);
    decideAppeal(db, official, appeal.id, { upheld: true, decision: '同意', correctedFen: 15000 }, JUNE_10);
    const june = approve('2026-06', at('2026-07-02'));
    const rows = paymentRows(listLines(db, official.regionPath, june.id)).rows;
    const li = rows.find((r) => r.name === '李一')!;
    expect(li.adjustmentFen).toBe(15000 - line.amountFen);
    expect(li.totalFen).toBe(li.regularFen + li.adjustmentFen);
    expect(li.reasons).toContain('申诉核定');
    const out = (await exportRunXlsx(db, official, june.id, at('2026-07-02')))!;
    const back = await readBack(out.buffer);
    const totals = back.find((r) => r[0] === '合计')!;
    expect(Math.round(Number(totals[9]) * 100)).toBe(june.adjustmentFen);
    expect(Math.round(Number(totals[10]) * 100)).toBe(june.totalFen);
  });

  it('officials outside the county get nothing; the summary counts approved runs only', async () => {
    const may = approve('2026-05', JUNE_10);
    expect(await exportRunXlsx(db, jlOfficial, may.id)).toBeNull();
    expect(await exportRunXlsx(db, supervisor, may.id)).toBeNull();
    computeRun(db, official, w.zhushan.id, '2026-06', at('2026-07-02'));
    const sum = approvedSummary(db, w.province.path);
    expect(sum).toHaveLength(1);
    expect(sum[0]).toMatchObject({ countyId: w.zhushan.id, month: '2026-05', people: may.lineCount, totalFen: may.totalFen });
    expect(approvedSummary(db, w.jiangling.path)).toHaveLength(0);
  });
});
