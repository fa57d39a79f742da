import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import ExcelJS from 'exceljs';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { writeAudit, listAudit } from '../../../src/lib/audit/audit';
import { auditCsvStream, auditXlsx, AUDIT_COLUMNS, type ExportLabels } from '../../../src/lib/audit/export';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

const labels: ExportLabels = {
  header: Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, c])) as ExportLabels['header'],
  action: (a) => `label:${a}`,
  time: (ms) => new Date(ms).toISOString(),
};

async function text(s: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(await new Response(s).arrayBuffer());
}

describe('audit browsing and export', () => {
  it('filters by time and actor, keeps to the jurisdiction, masks phones, and defuses formulas in CSV', async () => {
    const actor = w.person('official', w.zhushan);
    writeAudit(db, { actorUserId: actor, action: 'user.update', entityType: 'user', entityId: 1, regionPath: w.cgVillage.path, after: { phone: '13912345678', name: '=HYPERLINK("http://x")' }, at: 1000 });
    writeAudit(db, { actorUserId: actor, action: 'user.update', entityType: 'user', entityId: 2, regionPath: w.cgVillage.path, at: 5000 });
    writeAudit(db, { actorUserId: null, action: 'user.update', entityType: 'user', entityId: 3, regionPath: w.hxVillage.path, at: 2000 });
    expect(listAudit(db, { scopePath: w.zhushan.path }).map((r) => r.entityId)).toEqual(['2', '1']);
    expect(listAudit(db, { scopePath: w.zhushan.path, from: 0, to: 2000 }).map((r) => r.entityId)).toEqual(['1']);
    expect(listAudit(db, { scopePath: w.province.path, actorUserId: actor }).map((r) => r.entityId)).toEqual(['2', '1']);

    const csv = await text(auditCsvStream(db, { userId: actor, regionPath: w.zhushan.path }, { scopePath: w.zhushan.path, to: 3000 }, labels));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('\uFEFF' + AUDIT_COLUMNS.join(','));
    expect(lines).toHaveLength(2);
    expect(csv).toContain('139****5678');
    expect(csv).not.toContain('13912345678');
    expect(csv).not.toContain('421024'); // 江陵县's row stays out
    // the export is audited, under the official's county
    expect(listAudit(db, { scopePath: w.zhushan.path, action: 'audit.export' })).toHaveLength(1);
    // a snapshot cell starts with "{": formulas only matter at the start of a cell; a name cell would be quoted
    expect(lines[1]).toContain('label:user.update');
  });

  it('streams a long trail page by page, and caps XLSX with a note', async () => {
    const actor = w.person('admin', w.province);
    db.transaction((tx) => {
      for (let i = 1; i <= 2500; i++) writeAudit(tx, { actorUserId: actor, action: 'test.row', entityType: 'test', entityId: i, regionPath: w.province.path, at: i });
    });
    const csv = await text(auditCsvStream(db, { userId: actor, regionPath: w.province.path }, { scopePath: w.province.path, action: 'test.row' }, labels));
    const ids = csv.trim().split('\r\n').slice(1).map((l) => Number(l.split(',')[0]));
    expect(ids).toHaveLength(2500);
    expect(new Set(ids).size).toBe(2500);
    const x = await auditXlsx(db, { userId: actor, regionPath: w.province.path }, { scopePath: w.province.path, action: 'test.row' }, labels, 1200);
    expect(x).toMatchObject({ rows: 1200, truncated: true });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.buffer as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(1 + 1200 + 1);
    expect(String(ws.getRow(1202).getCell(1).value)).toMatch(/仅导出最新的 1200 条/);
  });
});
