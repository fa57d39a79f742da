import ExcelJS from 'exceljs';
import type { Db } from '../../../db/client';
import { listAudit, writeAudit, type AuditFilter, type AuditRow } from './audit';
import { maskIdNumber, maskPhone } from '../privacy/mask';

/**
 * The audit trail as CSV (streamed, any length) or XLSX (up to XLSX_MAX_ROWS), for 等保2.0 audit review
 * and for archiving outside the system. Rows are read in pages of PAGE by id (keyset), so memory stays
 * flat however long the trail. Phones and ID numbers inside snapshots are masked, as on the audit page.
 * The export itself is audited.
 */
const PAGE = 1000;
export const XLSX_MAX_ROWS = 20_000;

export const AUDIT_COLUMNS = ['id', 'time', 'actorId', 'actor', 'action', 'actionLabel', 'entityType', 'entityId', 'entityName', 'region', 'ip', 'before', 'after'] as const;
export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

/** Masks phone and ID numbers anywhere in a JSON snapshot. */
export function maskSnapshot(json: string | null): string {
  if (!json) return '';
  try {
    return JSON.stringify(JSON.parse(json), (k, v) => (k === 'phone' && typeof v === 'string' ? maskPhone(v) : k === 'idNumber' && typeof v === 'string' ? maskIdNumber(v) : v));
  } catch {
    return json;
  }
}

/** Every row matching the filter, newest first, one page at a time. */
export function* iterateAudit(db: Db, f: Omit<AuditFilter, 'beforeId' | 'limit'>, max = Infinity): Generator<AuditRow> {
  let beforeId: number | undefined;
  let n = 0;
  for (;;) {
    const rows = listAudit(db, { ...f, beforeId, limit: PAGE });
    for (const r of rows) {
      if (n++ >= max) return;
      yield r;
    }
    if (rows.length < PAGE) return;
    beforeId = rows.at(-1)!.id;
  }
}

export interface ExportLabels {
  header: Record<AuditColumn, string>;
  action: (code: string) => string;
  time: (ms: number) => string;
}

function cells(r: AuditRow, l: ExportLabels): (string | number)[] {
  return [r.id, l.time(r.at), r.actorUserId ?? '', r.actorName ?? '', r.action, l.action(r.action), r.entityType, r.entityId ?? '', r.entityName ?? '', r.regionPath ?? '', r.ip ?? '', maskSnapshot(r.before), maskSnapshot(r.after)];
}

function csvCell(v: string | number): string {
  let s = String(v);
  // a cell starting with = + - @ would run as a formula when the file is opened in a spreadsheet
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ExportActor {
  userId: number;
  regionPath: string;
  ip?: string | null;
}

function auditExport(db: Db, actor: ExportActor, format: 'csv' | 'xlsx', f: Omit<AuditFilter, 'beforeId' | 'limit'>): void {
  db.transaction((tx) =>
    writeAudit(tx, { actorUserId: actor.userId, action: 'audit.export', entityType: 'audit', regionPath: actor.regionPath, after: { format, action: f.action, actorUserId: f.actorUserId, from: f.from, to: f.to, entityId: f.entityId }, ip: actor.ip }),
  );
}

/** CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese right), produced as the reader pulls. */
export function auditCsvStream(db: Db, actor: ExportActor, f: Omit<AuditFilter, 'beforeId' | 'limit'>, l: ExportLabels): ReadableStream<Uint8Array> {
  auditExport(db, actor, 'csv', f);
  const rows = iterateAudit(db, f);
  const enc = new TextEncoder();
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(enc.encode('\uFEFF' + AUDIT_COLUMNS.map((c) => csvCell(l.header[c])).join(',') + '\r\n'));
      }
      let chunk = '';
      for (let i = 0; i < PAGE; i++) {
        const next = rows.next();
        if (next.done) {
          if (chunk) controller.enqueue(enc.encode(chunk));
          controller.close();
          return;
        }
        chunk += cells(next.value, l).map(csvCell).join(',') + '\r\n';
      }
      controller.enqueue(enc.encode(chunk));
    },
  });
}

/** XLSX of at most XLSX_MAX_ROWS rows; `truncated` says whether more matched (then use CSV or a narrower filter). */
export async function auditXlsx(db: Db, actor: ExportActor, f: Omit<AuditFilter, 'beforeId' | 'limit'>, l: ExportLabels, max = XLSX_MAX_ROWS): Promise<{ buffer: Buffer; rows: number; truncated: boolean }> {
  auditExport(db, actor, 'xlsx', f);
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  const ws = wb.addWorksheet('操作日志');
  ws.addRow(AUDIT_COLUMNS.map((c) => l.header[c])).font = { bold: true };
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  let n = 0;
  let truncated = false;
  for (const r of iterateAudit(db, f, max + 1)) {
    if (n === max) {
      truncated = true;
      break;
    }
    // values are written as strings and numbers, never as formulas
    ws.addRow(cells(r, l));
    n++;
  }
  if (truncated) ws.addRow([`仅导出最新的 ${max} 条；请缩小时间范围，或导出 CSV 取得全部记录。`]);
  [8, 18, 8, 10, 22, 16, 10, 10, 10, 22, 14, 40, 40].forEach((w, i) => (ws.getColumn(i + 1).width = w));
  return { buffer: Buffer.from(await wb.xlsx.writeBuffer()), rows: n, truncated };
}
