import { FieldError } from '../errors';
import { parseCsv } from './csv';
import { columnLetter, readXlsxGrid, type XlsxLimits } from './xlsx';

/**
 * Reading an uploaded table (XLSX or CSV) without trusting it (ADR 0015, 0020). Refusals are FieldErrors on
 * the field `file` with a `v.import.*` key, so the administrator reads the reason in Chinese:
 * - size over `maxBytes` (checked before parsing; the page also checks Content-Length before reading);
 * - type, by content, never by the name or the MIME type the browser sent: an XLSX is a zip ("PK\3\4")
 *   named .xlsx (.xlsm: macros); the old binary .xls (OLE2) and other binary files are refused; a CSV must
 *   be valid UTF-8 text (GBK from older Excel versions is refused, the page says so);
 * - more than `maxRows` data rows, `maxColumns` columns or `maxCellChars` characters in a cell: reading
 *   stops there, so memory stays bounded whatever the file holds;
 * - XLSX: see ./xlsx.ts (streamed; unpacked sizes bounded while inflating; formulas, hidden data, macros
 *   and external links refused by cell or by reason).
 */
export interface TableLimits extends XlsxLimits {
  maxBytes: number;
}

/**
 * The defaults. `maxRows` is the largest roster one import takes: a province's ~30,000 posts (ADR 0015)
 * with room to spare; the server sets it from TONGHU_IMPORT_MAX_ROWS (src/server/imports.ts).
 */
export const DEFAULT_TABLE_LIMITS: TableLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxRows: 50_000,
  maxColumns: 50,
  maxCellChars: 1000,
  maxUnpackedBytes: 100 * 1024 * 1024,
  maxSharedStringsBytes: 20 * 1024 * 1024,
};

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

/** Office's password encryption (MS-OFFCRYPTO) stores streams named EncryptionInfo and EncryptedPackage (UTF-16LE names). */
const ENCRYPTED_PACKAGE = Buffer.from('EncryptedPackage', 'utf16le');
function isEncryptedWorkbook(b: Buffer): boolean {
  return b.includes(ENCRYPTED_PACKAGE);
}

/** Binary content (images, PDFs, executables): a NUL byte in the first 8 KB, which no CSV has. */
function looksBinary(b: Buffer): boolean {
  return b.subarray(0, 8192).includes(0);
}

export async function readTable(bytes: Buffer, fileName: string, limits: TableLimits = DEFAULT_TABLE_LIMITS): Promise<Table> {
  if (bytes.length === 0) reject('empty');
  if (bytes.length > limits.maxBytes) reject('tooLarge', { size: mb(bytes.length), max: mb(limits.maxBytes) });
  const lower = fileName.toLowerCase();
  let grid: { line: number; cells: string[] }[];
  if (isXlsxBytes(bytes)) {
    if (lower.endsWith('.xlsm')) reject('macros');
    if (!lower.endsWith('.xlsx')) reject('wrongType');
    grid = await readXlsxGrid(bytes, limits);
  } else if (isOle2(bytes) && isEncryptedWorkbook(bytes)) {
    // an .xlsx saved with an opening password is an OLE2 container holding the encrypted package
    reject('encrypted');
  } else if (isOle2(bytes) || lower.endsWith('.xls')) {
    reject('xls');
  } else if (lower.endsWith('.xlsx') || lower.endsWith('.xlsm')) {
    // named like a workbook, but not a zip
    reject('notXlsx');
  } else if (lower.endsWith('.csv') || lower.endsWith('.txt')) {
    if (looksBinary(bytes)) reject('wrongType');
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      reject('notUtf8');
    }
    grid = readCsvGrid(text, fileName, limits);
  } else {
    reject('wrongType');
  }
  // the first non-blank line is the header; blank lines are skipped wherever they are
  const nonBlank = grid.filter((r) => r.cells.some((c) => c.trim() !== ''));
  if (nonBlank.length === 0) reject('empty');
  const [head, ...rows] = nonBlank;
  if (rows.length > limits.maxRows) reject('tooManyRows', { max: limits.maxRows });
  return { header: head!.cells.map((c) => c.trim()), rows: rows.map((r) => ({ line: r.line, cells: r.cells.map((c) => c.trim()) })) };
}

/** CSV records, bounded like a sheet: reading stops at the first row, column or cell over the limits. */
function readCsvGrid(text: string, fileName: string, limits: TableLimits): { line: number; cells: string[] }[] {
  let nonBlank = 0;
  const rows = parseCsv(text, {
    onField: (line, col, field) => {
      const where = { sheet: fileName, row: line, column: columnLetter(col) };
      // blank fields past the last column are harmless (Excel writes trailing commas), but not without end
      if (col >= limits.maxColumns && (field.trim() !== '' || col >= 16384)) reject('tooManyColumns', { ...where, max: limits.maxColumns });
      if (field.length > limits.maxCellChars) reject('cellTooLong', { ...where, max: limits.maxCellChars });
    },
    onRow: (line, cells) => {
      if (cells.some((c) => c.trim() !== '') && ++nonBlank > limits.maxRows + 1) reject('tooManyRows', { max: limits.maxRows });
    },
  });
  return rows.map((cells, i) => ({ line: i + 1, cells }));
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
