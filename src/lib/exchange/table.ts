import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import { FieldError } from '../errors';
import { parseCsv } from './csv';

/**
 * Reading an uploaded table (XLSX or CSV) without trusting it. Refusals are FieldErrors on the field
 * `file` with a `v.import.*` key, so the administrator reads the reason in Chinese:
 * - size over `maxBytes` (checked before parsing; the page also checks Content-Length before reading);
 * - type: an XLSX is a zip ("PK\3\4"); the old binary .xls (OLE2) and anything else are refused;
 *   a CSV must be valid UTF-8 (GBK from older Excel versions is refused, the page says so);
 * - an XLSX whose parts inflate to more than `maxUnpackedBytes` (declared sizes, read from the central
 *   directory before ExcelJS inflates anything);
 * - more than `maxRows` data rows.
 * Formulas are never evaluated: a formula cell yields the value Excel saved with it; a formula without a
 * saved value is refused by cell.
 */
export interface TableLimits {
  maxBytes: number;
  maxRows: number;
  maxUnpackedBytes: number;
}

export const DEFAULT_TABLE_LIMITS: TableLimits = { maxBytes: 10 * 1024 * 1024, maxRows: 50_000, maxUnpackedBytes: 120 * 1024 * 1024 };

export interface Table {
  /** header row, trimmed */
  header: string[];
  /** data rows with their 1-based line number in the file (the header is line 1) */
  rows: { line: number; cells: string[] }[];
}

const mb = (n: number) => (n / (1024 * 1024)).toFixed(1);

function reject(key: string, params: Record<string, string | number> = {}): never {
  throw new FieldError('file', `v.import.${key}`, params);
}

export function isXlsxBytes(b: Buffer): boolean {
  return b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
}

function isOle2(b: Buffer): boolean {
  return b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0 && b.readUInt32BE(4) === 0xa1b11ae1;
}

export async function readTable(bytes: Buffer, fileName: string, limits: TableLimits = DEFAULT_TABLE_LIMITS): Promise<Table> {
  if (bytes.length === 0) reject('empty');
  if (bytes.length > limits.maxBytes) reject('tooLarge', { size: mb(bytes.length), max: mb(limits.maxBytes) });
  const lower = fileName.toLowerCase();
  let grid: { line: number; cells: string[] }[];
  if (isXlsxBytes(bytes)) {
    if (!lower.endsWith('.xlsx')) reject('wrongType');
    grid = await readXlsx(bytes, limits);
  } else if (isOle2(bytes) || lower.endsWith('.xls')) {
    reject('xls');
  } else if (lower.endsWith('.csv') || lower.endsWith('.txt')) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      reject('notUtf8');
    }
    if (text.includes('\u0000')) reject('wrongType');
    grid = parseCsv(text).map((cells, i) => ({ line: i + 1, cells }));
  } else {
    reject('wrongType');
  }
  // the first non-blank line is the header; blank lines are skipped wherever they are
  const nonBlank = grid.filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (nonBlank.length === 0) reject('empty');
  const [head, ...rows] = nonBlank;
  if (rows.length > limits.maxRows) reject('tooManyRows', { n: rows.length, max: limits.maxRows });
  return { header: head!.cells.map((c) => c.trim()), rows: rows.map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) })) };
}

async function declaredUnpackedSize(bytes: Buffer): Promise<number> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch {
    reject('badXlsx');
  }
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) total += entry.uncompressedSize;
  } catch {
    reject('badXlsx');
  } finally {
    zip.close();
  }
  return total;
}

function dayText(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** A cell's value as text, never evaluating anything; null for a formula without a saved value. */
export function cellText(v: ExcelJS.CellValue): string | null {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return dayText(v);
  if (typeof v === 'object') {
    if ('formula' in v || 'sharedFormula' in v) {
      const r = (v as { result?: unknown }).result;
      if (r === undefined || r === null || (typeof r === 'object' && !(r instanceof Date))) return null;
      return cellText(r as ExcelJS.CellValue);
    }
    if ('richText' in v) return v.richText.map((x) => x.text).join('');
    if ('text' in v && typeof (v as { text: unknown }).text === 'string') return (v as { text: string }).text;
    if ('error' in v) return null;
  }
  return '';
}

async function readXlsx(bytes: Buffer, limits: TableLimits): Promise<{ line: number; cells: string[] }[]> {
  if ((await declaredUnpackedSize(bytes)) > limits.maxUnpackedBytes) reject('tooBigUnpacked', { max: mb(limits.maxUnpackedBytes) });
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    reject('badXlsx');
  }
  const ws = wb.worksheets[0];
  if (!ws) reject('empty');
  // rows beyond the limit (plus the header) are refused before their cells are read
  if (ws.actualRowCount > limits.maxRows + 1) reject('tooManyRows', { n: ws.actualRowCount - 1, max: limits.maxRows });
  const out: { line: number; cells: string[] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    const cells: string[] = [];
    const values = row.values as ExcelJS.CellValue[];
    for (let c = 1; c < values.length; c++) {
      const t = cellText(values[c] ?? null);
      if (t === null) reject('formula', { cell: `${ws.getColumn(c).letter}${line}` });
      cells.push(t);
    }
    out.push({ line, cells });
  });
  return out;
}

/** Normalises a header cell for matching: no spaces, no required-marks, no parenthesised notes. */
export function headerKey(h: string): string {
  return h.replace(/[\s*＊]/g, '').replace(/[（(].*?[)）]/g, '');
}

/**
 * Maps the columns a table must or may have to their index, by header text (any order; several
 * accepted spellings per column). Missing required columns are refused naming them.
 */
export function mapColumns<K extends string>(header: string[], spec: Record<K, { names: readonly string[]; required: boolean }>): Record<K, number> {
  const keys = header.map(headerKey);
  const out = {} as Record<K, number>;
  const missing: string[] = [];
  for (const k of Object.keys(spec) as K[]) {
    const s = spec[k];
    const i = keys.findIndex((h) => s.names.some((n) => headerKey(n) === h));
    if (i < 0 && s.required) missing.push(s.names[0]!);
    out[k] = i;
  }
  if (missing.length) reject('missingColumns', { names: missing.join('、') });
  return out;
}
