import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry } from '../../../src/lib/fieldwork/entries';
import { buildExport, exportRange } from '../../../src/lib/exchange/exports';
import { auditLog, roleAssignments, users } from '../../../db/schema/index';
import type { Db } from '../../../db/client';
import { canOpen } from '../../../src/lib/auth/access';

const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;
const NOW = at('2026-06-10');
let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

async function cells(buffer: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  const out: string[][] = [];
  wb.worksheets[0]!.eachRow((row) => out.push((row.values as unknown[]).slice(1).map((v) => (v == null ? '' : String(v)))));
  return out;
}

describe('exports', () => {
  it('are open to administrators and officials; the imports to administrators only', () => {
    expect(canOpen('/admin/export', 'official')).toBe(true);
    expect(canOpen('/admin/export/people.xlsx', 'admin')).toBe(true);
    expect(canOpen('/admin/export/people.xlsx', 'director')).toBe(false);
    expect(canOpen('/admin/export/people.xlsx', 'supervisor')).toBe(false);
    expect(canOpen('/admin/import', 'official')).toBe(false);
    expect(canOpen('/admin/exports', 'official')).toBe(false);
  });

  it('people: only the jurisdiction, numbers masked unless an administrator asks, audited', async () => {
    const d = w.person('director', w.cgVillage, '城关主任');
    db.update(users).set({ idNumber: '420323199001011234' }).where(eq(users.id, d)).run();
    w.person('director', w.hxVillage, '江陵主任');
    const official = w.person('official', w.zhushan, '县官员');
    const admin = w.person('admin', w.province, '管理员');
    const phone = db.select().from(users).where(eq(users.id, d)).get()!.phone;

    const asOfficial = await buildExport(db, { userId: official, role: 'official', scopePath: w.zhushan.path }, 'people', { full: true }, NOW);
    const rows = await cells(asOfficial!.buffer);
    const body = rows.slice(3);
    expect(body.map((r) => r[1])).toEqual(expect.arrayContaining(['城关主任', '县官员']));
    expect(body.map((r) => r[1])).not.toContain('江陵主任');
    const line = body.find((r) => r[1] === '城关主任')!;
    expect(line[2]).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
    expect(line[3]).toBe('4203**********1234');
    expect(JSON.stringify(rows)).not.toContain(phone);

    const asAdmin = await buildExport(db, { userId: admin, role: 'admin', scopePath: w.province.path }, 'people', { full: true }, NOW);
    const full = (await cells(asAdmin!.buffer)).slice(3).find((r) => r[1] === '城关主任')!;
    expect(full[2]).toBe(phone);
    expect(full[3]).toBe('420323199001011234');
    const audit = db.select().from(auditLog).where(eq(auditLog.action, 'export.people')).all();
    expect(audit.map((a) => [a.actorUserId, a.regionPath, JSON.parse(a.after!).full])).toEqual([
      [official, w.zhushan.path, false],
      [admin, w.province.path, true],
    ]);
    // directors may not export at all
    expect(await buildExport(db, { userId: d, role: 'director', scopePath: w.cgVillage.path }, 'people', {}, NOW)).toBeNull();
  });

  it('work-log counts per region of the chosen level, by type and status, for a day range', async () => {
    syncPolicyDefaults(db, loadPolicyDefaults('content'));
    const uid = w.person('director', w.cgVillage, '李一');
    db.update(roleAssignments).set({ createdAt: at('2025-01-01') }).run();
    const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, uid)).get()!;
    const director: FieldActor = { userId: uid, role: 'director', regionId: a.regionId, regionPath: a.regionPath };
    const c = createCase(db, director, { code: 'S-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    submitEntry(db, director, { type: 'info_update', clientId: 'info-0001-aaaa', day: '2026-05-10', caseId: c.id, note: '更新' }, at('2026-05-10'));
    submitEntry(db, director, { type: 'outreach', clientId: 'out-0001-aaaa', day: '2026-05-11', place: '村委会', topic: '强制报告', attendance: 20 }, at('2026-05-11'));
    submitEntry(db, director, { type: 'outreach', clientId: 'out-0002-aaaa', day: '2025-05-11', place: '村委会', topic: '强制报告', attendance: 20 }, at('2025-05-11'));
    const official = w.person('official', w.zhushan, '县官员');
    const out = await buildExport(db, { userId: official, role: 'official', scopePath: w.zhushan.path }, 'worklog', { level: 4, from: '2026-01-01', to: '2026-06-10' }, NOW);
    const rows = await cells(out!.buffer);
    const header = rows[2]!;
    const cg = rows.slice(3).find((r) => r[1]!.endsWith('城关镇'))!;
    expect(cg[header.indexOf('信息系统更新（待核实）')]).toBe('1');
    expect(cg[header.indexOf('政策宣讲（待核实）')]).toBe('1');
    expect(cg[header.length - 1]).toBe('2');
    expect(rows.slice(3).every((r) => r[1]!.includes('竹山县'))).toBe(true);
    expect(exportRange('2026-06-01', '2026-01-01', NOW)).toBeNull();
    expect(exportRange('2024-01-01', '2026-01-01', NOW)).toBeNull();
    expect(await buildExport(db, { userId: official, role: 'official', scopePath: w.zhushan.path }, 'worklog', { from: 'x' }, NOW)).toBeNull();
  });
});
