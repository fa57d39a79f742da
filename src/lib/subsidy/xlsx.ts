import ExcelJS from 'exceljs';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { policies, regions, subsidyRuns } from '../../../db/schema/index';
import { withinSql } from '../org/scope';
import { getRegion } from '../org/regions';
import { isWithin } from '../org/scope';
import { writeAudit } from '../audit/audit';
import type { FieldActor } from '../fieldwork/cases';
import { getRunInScope, listLines, type LineRow, type SubsidyRun } from './runs';
import type { ComponentResult, CriterionResult } from './compute';

/**
 * The printable payment list (发放表) of one run: one row per person, adjustments in their own column
 * with the reason, a totals row, a signature block and the policy version. Amounts are written in 元
 * (numbers with two decimals) computed from integer 分, so the sheet totals equal the run's totals.
 */
export interface PaymentRow {
  no: number;
  township: string;
  village: string;
  name: string;
  daysInPost: number | null;
  /** per component, after proration, before the multiplier (分); 0 when not met */
  componentFen: number[];
  multiplier: number | null;
  regularFen: number;
  adjustmentFen: number;
  totalFen: number;
  reasons: string;
}

export const EXAMPLE_NOTE = '示例默认标准，非正式公布标准';

export function monthTitle(month: string): string {
  const [y, m] = month.split('-');
  return `${y}年${Number(m)}月`;
}

export function paymentRows(lines: LineRow[]): { componentNames: string[]; rows: PaymentRow[] } {
  const regular = lines.filter((l) => l.kind === 'regular');
  const componentNames = regular.length ? (regular[0]!.components as ComponentResult[]).map((c) => c.name) : ['通讯补贴', '交通补贴'];
  const byPerson = new Map<string, PaymentRow>();
  const order: string[] = [];
  const keyOf = (l: LineRow) => `${l.userId}:${l.regionId}`;
  for (const l of regular) {
    const comps = l.components as ComponentResult[];
    const unmet = (l.criteria as CriterionResult[]).filter((c) => !c.met).map((c) => c.text);
    const row: PaymentRow = {
      no: 0,
      township: l.townshipName,
      village: l.regionName,
      name: l.name,
      daysInPost: l.daysInPost,
      componentFen: componentNames.map((n) => {
        const c = comps.find((x) => x.name === n);
        return c && c.eligible ? c.proratedFen : 0;
      }),
      multiplier: l.multiplier,
      regularFen: l.amountFen,
      adjustmentFen: 0,
      totalFen: l.amountFen,
      reasons: unmet.join('；'),
    };
    byPerson.set(keyOf(l), row);
    order.push(keyOf(l));
  }
  for (const l of lines.filter((x) => x.kind === 'adjustment')) {
    let row = byPerson.get(keyOf(l));
    if (!row) {
      row = { no: 0, township: l.townshipName, village: l.regionName, name: l.name, daysInPost: null, componentFen: componentNames.map(() => 0), multiplier: null, regularFen: 0, adjustmentFen: 0, totalFen: 0, reasons: '' };
      byPerson.set(keyOf(l), row);
      order.push(keyOf(l));
    }
    row.adjustmentFen += l.amountFen;
    row.totalFen += l.amountFen;
    const why = `调整 ${(l.amountFen / 100).toFixed(2)} 元：${l.reason ?? ''}`;
    row.reasons = row.reasons ? `${row.reasons}；${why}` : why;
  }
  const rows = order.map((k, i) => ({ ...byPerson.get(k)!, no: i + 1 }));
  return { componentNames, rows };
}

const y = (fen: number) => Math.round(fen) / 100;

export async function buildPaymentWorkbook(run: SubsidyRun, countyName: string, lines: LineRow[], exampleDefaults = true): Promise<{ workbook: ExcelJS.Workbook; title: string }> {
  const { componentNames, rows } = paymentRows(lines);
  const title = `${countyName} ${monthTitle(run.month)} 儿童主任通讯、交通补贴发放表`;
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  wb.created = new Date(run.approvedAt ?? run.computedAt ?? run.createdAt);
  const ws = wb.addWorksheet(monthTitle(run.month), { pageSetup: { orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, paperSize: 9 } });
  const header = ['序号', '乡镇', '村(社区)', '姓名', '在岗天数', ...componentNames, '系数', '本月应发', '调整', '合计', '未达标原因'];
  const n = header.length;
  ws.mergeCells(1, 1, 1, n);
  const t = ws.getCell(1, 1);
  t.value = title;
  t.font = { bold: true, size: 14 };
  t.alignment = { horizontal: 'center' };
  ws.mergeCells(2, 1, 2, n);
  ws.getCell(2, 1).value = `状态：${run.status === 'approved' ? '已审批' : run.status === 'reviewing' ? '乡镇审核中（未审批）' : '草稿（未审批）'}　补贴规则版本：${run.policyVersion}${exampleDefaults ? `（${EXAMPLE_NOTE}）` : ''}　金额单位：元`;
  const headerRow = ws.addRow(header);
  headerRow.font = { bold: true };
  const moneyCols: number[] = [];
  for (let i = 0; i < componentNames.length; i++) moneyCols.push(6 + i);
  const mCol = 6 + componentNames.length;
  moneyCols.push(mCol + 1, mCol + 2, mCol + 3);
  for (const r of rows) {
    ws.addRow([r.no, r.township, r.village, r.name, r.daysInPost ?? '', ...r.componentFen.map(y), r.multiplier ?? '', y(r.regularFen), y(r.adjustmentFen), y(r.totalFen), r.reasons]);
  }
  const sum = (f: (r: PaymentRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const totals = ws.addRow(['合计', '', '', `${rows.length} 人`, '', ...componentNames.map((_, i) => y(sum((r) => r.componentFen[i]!))), '', y(sum((r) => r.regularFen)), y(sum((r) => r.adjustmentFen)), y(sum((r) => r.totalFen)), '']);
  totals.font = { bold: true };
  const last = totals.number;
  for (let r = 3; r <= last; r++) {
    for (const c of moneyCols) ws.getCell(r, c).numFmt = '0.00';
    for (let c = 1; c <= n; c++) ws.getCell(r, c).border = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };
  }
  ws.addRow([]);
  const sig = ws.addRow(['制表人：', '', '', '乡镇审核：', '', '', '县民政局审批：', '', '', '日期：']);
  sig.height = 28;
  ws.addRow([]);
  ws.addRow([`补贴规则版本 ${run.policyVersion}${exampleDefaults ? `：${EXAMPLE_NOTE}` : ''}。本表不含手机号、身份证号。`]);
  const widths = [6, 12, 14, 10, 9, ...componentNames.map(() => 10), 7, 10, 10, 10, 50];
  widths.forEach((w, i) => (ws.getColumn(i + 1).width = w));
  ws.getColumn(n).alignment = { wrapText: true, vertical: 'top' };
  ws.views = [{ state: 'frozen', ySplit: 3 }];
  return { workbook: wb, title };
}

/**
 * The export: the run must be inside the caller's scope (an official's jurisdiction); every export is
 * audited. Null when the run is not the caller's to see.
 */
export async function exportRunXlsx(db: Db, actor: FieldActor, runId: number, now = Date.now()): Promise<{ buffer: Buffer; filename: string; run: SubsidyRun } | null> {
  if (actor.role !== 'official') return null;
  const run = getRunInScope(db, actor.regionPath, runId);
  if (!run || !isWithin(actor.regionPath, run.countyPath)) return null;
  const county = getRegion(db, run.countyId);
  const lines = listLines(db, actor.regionPath, run.id);
  const { workbook, title } = await buildPaymentWorkbook(run, county?.name ?? '', lines, runIsExample(db, run));
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  writeAudit(db, { actorUserId: actor.userId, action: 'subsidy.export', entityType: 'subsidy_run', entityId: run.id, regionPath: run.countyPath, after: { month: run.month, status: run.status, lines: lines.length, totalFen: run.totalFen }, ip: actor.ip, at: now });
  return { buffer, filename: `${title.replace(/\s+/g, '_')}.xlsx`, run };
}

/** Whether the policy version a run used holds example defaults (shown as such on every page and sheet). */
export function runIsExample(db: Db, run: Pick<SubsidyRun, 'policyId'>): boolean {
  const p = db.select({ body: policies.body }).from(policies).where(eq(policies.id, run.policyId)).get();
  return !p || (p.body as { exampleDefaults?: boolean }).exampleDefaults !== false;
}

/**
 * City/province summary of approved runs: per county and month, people, eligible and total (分), in one
 * grouped query over the runs of the jurisdiction.
 */
export function approvedSummary(db: Db, scopePath: string, limit = 240) {
  return db
    .select({
      countyId: subsidyRuns.countyId,
      countyName: regions.name,
      month: subsidyRuns.month,
      people: sql<number>`sum(${subsidyRuns.lineCount})`,
      eligible: sql<number>`sum(${subsidyRuns.eligibleCount})`,
      totalFen: sql<number>`sum(${subsidyRuns.totalFen})`,
      adjustmentFen: sql<number>`sum(${subsidyRuns.adjustmentFen})`,
    })
    .from(subsidyRuns)
    .innerJoin(regions, eq(regions.id, subsidyRuns.countyId))
    .where(and(withinSql(subsidyRuns.countyPath, scopePath), eq(subsidyRuns.status, 'approved')))
    .groupBy(subsidyRuns.countyId, subsidyRuns.month)
    .orderBy(desc(subsidyRuns.month), asc(regions.name))
    .limit(limit)
    .all();
}
