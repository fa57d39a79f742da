import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import ExcelJS from 'exceljs';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { getDashboard, listVacancies, monthsBack } from '../../../src/lib/dashboard/dashboard';
import { dashboardTables, tableChart, tableXlsx } from '../../../src/lib/dashboard/tables';
import { accessibleSvg, cspSafe } from '../../../src/lib/dashboard/charts';
import { rebuildRollups } from '../../../src/lib/dashboard/rollups';
import { translator } from '../../../src/i18n/index';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  rebuildRollups(db, '2026-06-15');
});
afterEach(() => t.cleanup());

describe('dashboard', () => {
  it('shows coverage per child region and the vacancies behind it', () => {
    w.person('director', w.cgVillage, '甲');
    w.person('supervisor', w.chengguan, '乙');
    const d = getDashboard(db, w.zhushan, { today: '2026-06-15' });
    expect(d.coverage).toMatchObject({ villages: 3, villagesCovered: 1, directors: 1, supervisors: 1, townshipsCovered: 1 });
    const cg = d.children.find((c) => c.region.id === w.chengguan.id)!;
    expect(cg.c).toMatchObject({ villages: 2, villagesCovered: 1, townships: 1, townshipsCovered: 1 });
    expect(d.months.map((m) => m.month)).toEqual(monthsBack('2026-06', 12));
    const v = listVacancies(db, w.zhushan);
    expect(v.total).toBe(2);
    expect(v.rows.map((r) => r.id).sort()).toEqual([w.cgVillage2.id, w.bfVillage.id].sort());
  });

  it('tables carry links inside the region, charts are CSP-safe inline SVG, and the XLSX has the same rows', async () => {
    w.person('director', w.cgVillage, '甲');
    const d = getDashboard(db, w.zhushan, { today: '2026-06-15' });
    const tables = dashboardTables(d, translator('zh-CN'));
    const children = tables.find((x) => x.key === 'children')!;
    const row = children.rows.find((r) => r.cells[0] === '城关镇')!;
    expect(row.links![0]).toBe(`/review?region=${w.chengguan.id}`);
    expect(row.cells[2]).toBe(1);
    const svg = tableChart(children)!;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toMatch(/style=|<style/);
    expect(accessibleSvg(svg, 'cap')).toMatch(/^<svg role="img" aria-labelledby="cap"/);
    const buf = await tableXlsx(children, w.zhushan, '2026-06-15');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const values = ws.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(values[0]![0]).toContain('竹山县');
    expect(values.some((r) => r[0] === '城关镇' && r[2] === 1)).toBe(true);
  });

  it('turns style attributes into presentation attributes and drops style blocks', () => {
    expect(cspSafe('<svg><style>.a:hover{}</style><text style="font-size:12px;font-family:sans-serif;">x</text></svg>')).toBe(
      '<svg><text font-size="12px" font-family="sans-serif">x</text></svg>',
    );
  });
});
