import { describe, it, expect } from 'vitest';
import ExcelJS from 'exceljs';
import { parseCsv, toCsv } from '../../../src/lib/exchange/csv';
import { readTable, mapColumns, DEFAULT_TABLE_LIMITS } from '../../../src/lib/exchange/table';
import { FieldError } from '../../../src/lib/errors';

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FieldError) return e.key;
    throw e;
  }
  return 'accepted';
}

async function xlsx(fill: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  fill(wb.addWorksheet('名单'));
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('CSV', () => {
  it('reads quotes, doubled quotes, line breaks in quotes, a BOM, CRLF and a missing final line break', () => {
    expect(parseCsv('\ufeff姓名,备注\r\n"张,三","他说""好""\r\n第二行"\r\n李四,')).toEqual([
      ['姓名', '备注'],
      ['张,三', '他说"好"\r\n第二行'],
      ['李四', ''],
    ]);
    expect(parseCsv('a\nb\n')).toEqual([['a'], ['b']]);
    expect(parseCsv(toCsv([['x,y', '"q"', null, 3]]))).toEqual([['x,y', '"q"', '', '3']]);
  });
});

describe('reading an uploaded table', () => {
  it('skips blank lines and keeps the file line numbers', async () => {
    const t = await readTable(Buffer.from('\n姓名,手机号\n\n张三,13800000000\n,\n李四,13800000001\n'), 'a.csv');
    expect(t.header).toEqual(['姓名', '手机号']);
    expect(t.rows.map((r) => r.line)).toEqual([4, 6]);
  });

  it('refuses GBK, old .xls, other types, oversized files and too many rows, with a reason', async () => {
    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0x0a]); // "姓名," in GBK
    expect(await refusal(readTable(gbk, 'a.csv'))).toBe('v.import.notUtf8');
    const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect(await refusal(readTable(ole, 'a.xls'))).toBe('v.import.xls');
    expect(await refusal(readTable(Buffer.from('%PDF-1.4'), 'a.pdf'))).toBe('v.import.wrongType');
    expect(await refusal(readTable(Buffer.from(''), 'a.csv'))).toBe('v.import.empty');
    expect(await refusal(readTable(Buffer.from('姓名\n张三\n'), 'a.csv', { ...DEFAULT_TABLE_LIMITS, maxBytes: 5, maxRows: 10 }))).toBe('v.import.tooLarge');
    expect(await refusal(readTable(Buffer.from('姓名\n甲\n乙\n丙\n'), 'a.csv', { ...DEFAULT_TABLE_LIMITS, maxRows: 2 }))).toBe('v.import.tooManyRows');
    const big = await xlsx((ws) => {
      ws.addRow(['姓名']);
      for (let i = 0; i < 5; i++) ws.addRow([`人${i}`]);
    });
    expect(await refusal(readTable(big, 'a.xlsx', { ...DEFAULT_TABLE_LIMITS, maxRows: 3 }))).toBe('v.import.tooManyRows');
    expect(await refusal(readTable(big, 'a.xlsx', { ...DEFAULT_TABLE_LIMITS, maxUnpackedBytes: 100 }))).toBe('v.import.tooBigUnpacked');
    expect(await refusal(readTable(Buffer.from('PK\u0003\u0004garbage'), 'a.xlsx'))).toBe('v.import.badXlsx');
  });

  it('reads XLSX values only, dates as days; any formula is refused naming sheet, row and column, saved result or not', async () => {
    const ok = await xlsx((ws) => {
      ws.addRow(['姓名', '手机号', '日期']);
      ws.addRow(['张三', '13800000000', new Date(Date.UTC(2026, 10, 3))]);
    });
    const t = await readTable(ok, '名单.xlsx');
    expect(t.rows[0]!.cells).toEqual(['张三', '13800000000', '2026-11-03']);
    for (const formula of [{ formula: '"1380000"&"0000"', result: '13800000000' }, { formula: 'A1&"x"' } as ExcelJS.CellFormulaValue]) {
      const bad = await xlsx((ws) => {
        ws.addRow(['姓名', '手机号']);
        ws.addRow(['张三', formula]);
      });
      const e = await readTable(bad, '名单.xlsx').catch((x: FieldError) => x);
      expect(e).toBeInstanceOf(FieldError);
      expect((e as FieldError).key).toBe('v.import.formula');
      expect((e as FieldError).params).toEqual({ sheet: '名单', row: 2, column: 'B' });
    }
  });

  it('maps columns by header text in any order and names the missing ones', () => {
    const spec = { name: { names: ['姓名'], required: true }, phone: { names: ['手机号', '手机号码'], required: true }, note: { names: ['备注'], required: false } };
    expect(mapColumns(['手机号码*', ' 姓名 '], spec)).toEqual({ name: 1, phone: 0, note: -1 });
    expect(() => mapColumns(['姓名'], spec)).toThrow(FieldError);
    try {
      mapColumns(['姓名'], spec);
    } catch (e) {
      expect((e as FieldError).params).toEqual({ names: '手机号' });
    }
  });
});
