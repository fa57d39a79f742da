import yauzl from 'yauzl';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { StringDecoder } from 'node:string_decoder';
import { FieldError } from '../errors';

/**
 * A streaming reader of the first sheet of an uploaded XLSX that trusts nothing in it (ADR 0020). The
 * zip's central directory is read first (yauzl): part count, duplicate names, links, declared sizes,
 * macros and external links are refused before anything is inflated. Parts are then inflated as
 * streams and parsed as they come (saxes), each counted against its limit while inflating, so a part
 * whose size was declared falsely stops at the lie (yauzl's validateEntrySizes) and the sheet's rows are
 * never all in memory unless they are few enough to import: reading stops at the first row over the cap.
 *
 * What is refused, by cell (sheet, row, column) where there is one:
 * - a formula, with or without a saved result: what a formula shows depends on things the importer
 *   cannot see (other sheets, other files, the day), so it is not taken as typed data;
 * - an error value (#N/A …), a text longer than `maxCellChars`, a value beyond column `maxColumns`;
 * - data in a hidden row or column, and a hidden first sheet: the administrator would import what they
 *   did not see;
 * - macros (vbaProject.bin, a macro-enabled workbook) and links to other workbooks.
 */
export interface XlsxLimits {
  maxRows: number;
  maxColumns: number;
  maxCellChars: number;
  /** all parts together, as declared in the zip and as inflated */
  maxUnpackedBytes: number;
  /** the shared strings table, which is held in memory while the sheet is read */
  maxSharedStringsBytes: number;
}

export type Grid = { line: number; cells: string[] }[];

const MAX_PARTS = 2000;
/** workbook.xml, its relationships, styles: small parts read whole */
const MAX_SMALL_PART = 4 * 1024 * 1024;

const mb = (n: number) => (n / (1024 * 1024)).toFixed(0);

function reject(key: string, params: Record<string, string | number> = {}): never {
  throw new FieldError('file', `v.import.${key}`, params);
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

/** The value of an attribute by local name (`r:id`, `ns1:id` …). */
function attr(tag: SaxesTagPlain, name: string): string | undefined {
  const a = tag.attributes as Record<string, string>;
  if (name in a) return a[name];
  for (const k of Object.keys(a)) if (local(k) === name) return a[k];
  return undefined;
}

export function columnLetter(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

// Built-in number formats that show a date or time (ECMA-376 §18.8.30, plus the CJK ones 27–36 and 50–58
// Excel uses in a Chinese locale).
const DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

function isDateFormatCode(code: string): boolean {
  const bare = code.replace(/"[^"]*"/g, '').replace(/\\./g, '').replace(/\[(?!h\]|m\]|s\])[^\]]*\]/gi, '');
  return /[ymdhs]/i.test(bare) && !/^general$/i.test(bare.trim());
}

function serialDay(serial: number, date1904: boolean): string {
  const ms = Math.round(((date1904 ? serial + 1462 : serial) - 25569) * 86400000);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(serial) : d.toISOString().slice(0, 10);
}

interface Zip {
  file: yauzl.ZipFile;
  entries: Map<string, yauzl.Entry>;
}

async function openZip(bytes: Buffer, limits: XlsxLimits): Promise<Zip> {
  let file: yauzl.ZipFile;
  try {
    file = await yauzl.fromBufferPromise(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch {
    reject('badXlsx');
  }
  const entries = new Map<string, yauzl.Entry>();
  let total = 0;
  try {
    // yauzl refuses absolute paths and ".." in names itself (the reading fails: badXlsx)
    for await (const e of file.eachEntry()) {
      if (entries.size >= MAX_PARTS) reject('badXlsx');
      const name = e.fileName.replace(/\\/g, '/');
      const type = (e.externalFileAttributes >>> 16) & 0o170000;
      // a link or a second part of the same name would let two readers see two different workbooks
      if (type === 0o120000 || entries.has(name.toLowerCase())) reject('badXlsx');
      entries.set(name.toLowerCase(), e);
      total += e.uncompressedSize;
    }
  } catch (err) {
    file.close();
    if (err instanceof FieldError) throw err;
    reject('badXlsx');
  }
  if (total > limits.maxUnpackedBytes) {
    file.close();
    reject('tooBigUnpacked', { max: mb(limits.maxUnpackedBytes) });
  }
  return { file, entries };
}

/**
 * Inflates one part and hands its text to `onText` as it comes, counting the inflated bytes against
 * `maxBytes` (a part over it is refused with `overKey`). `onText` may throw to stop reading.
 */
async function streamPart(zip: Zip, name: string, maxBytes: number, overKey: { key: string; params: Record<string, string | number> }, onText: (s: string) => void): Promise<void> {
  const entry = zip.entries.get(name.toLowerCase());
  if (!entry) reject('badXlsx');
  if (entry.uncompressedSize > maxBytes) reject(overKey.key, overKey.params);
  let stream: NodeJS.ReadableStream & { destroy(): void };
  try {
    stream = (await zip.file.openReadStreamPromise(entry)) as typeof stream;
  } catch {
    reject('badXlsx');
  }
  const decoder = new StringDecoder('utf8');
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      n += chunk.length;
      if (n > maxBytes) reject(overKey.key, overKey.params);
      onText(decoder.write(chunk));
    }
    onText(decoder.end());
  } catch (e) {
    if (e instanceof FieldError) throw e;
    // a size that lies, a bad deflate stream, an encrypted part, XML that is not well-formed
    reject('badXlsx');
  } finally {
    stream.destroy();
  }
}

function xmlParser(): SaxesParser {
  const p = new SaxesParser({ xmlns: false });
  p.on('error', (e) => {
    throw e;
  });
  // DOCTYPE (entity expansion "billion laughs") has no place in a workbook
  p.on('doctype', () => reject('badXlsx'));
  return p;
}

async function parsePart(zip: Zip, name: string, maxBytes: number, overKey: { key: string; params: Record<string, string | number> }, setup: (p: SaxesParser) => void): Promise<void> {
  const p = xmlParser();
  setup(p);
  await streamPart(zip, name, maxBytes, overKey, (s) => void p.write(s));
  try {
    p.close();
  } catch (e) {
    if (e instanceof FieldError) throw e;
    reject('badXlsx');
  }
}

const small = { key: 'badXlsx', params: {} };

/** The relationships of a part: id → { target part name, external?, type } */
async function readRels(zip: Zip, relsName: string, baseDir: string): Promise<Map<string, { target: string; external: boolean; type: string }>> {
  const out = new Map<string, { target: string; external: boolean; type: string }>();
  if (!zip.entries.has(relsName.toLowerCase())) return out;
  await parsePart(zip, relsName, MAX_SMALL_PART, small, (p) =>
    p.on('opentag', (t) => {
      if (local(t.name) !== 'Relationship') return;
      const target = attr(t, 'Target') ?? '';
      const external = attr(t, 'TargetMode') === 'External';
      const parts = (target.startsWith('/') ? target.slice(1) : baseDir + target).split('/');
      const norm: string[] = [];
      for (const s of parts) s === '..' ? norm.pop() : s && s !== '.' && norm.push(s);
      out.set(attr(t, 'Id') ?? '', { target: norm.join('/'), external, type: attr(t, 'Type') ?? '' });
    }),
  );
  return out;
}

export async function readXlsxGrid(bytes: Buffer, limits: XlsxLimits): Promise<Grid> {
  const zip = await openZip(bytes, limits);
  try {
    return await readGrid(zip, limits);
  } finally {
    zip.file.close();
  }
}

async function readGrid(zip: Zip, limits: XlsxLimits): Promise<Grid> {
  const has = (n: string) => zip.entries.has(n.toLowerCase());
  // a zip that is not a workbook (a .docx, an .h5p, a folder zipped and renamed)
  if (!has('[Content_Types].xml') || !has('xl/workbook.xml')) reject('notXlsx');
  let types = '';
  await streamPart(zip, '[Content_Types].xml', MAX_SMALL_PART, small, (s) => void (types += s));
  if (has('xl/vbaProject.bin') || /macroEnabled/i.test(types)) reject('macros');
  if ([...zip.entries.keys()].some((n) => n.startsWith('xl/externallinks/'))) reject('externalLinks');

  // the sheets in workbook order, and the date system
  const sheets: { name: string; state: string; rid: string }[] = [];
  let date1904 = false;
  await parsePart(zip, 'xl/workbook.xml', MAX_SMALL_PART, small, (p) =>
    p.on('opentag', (t) => {
      const n = local(t.name);
      if (n === 'sheet') sheets.push({ name: attr(t, 'name') ?? '', state: attr(t, 'state') ?? 'visible', rid: attr(t, 'id') ?? '' });
      else if (n === 'workbookPr') date1904 = ['1', 'true'].includes(attr(t, 'date1904') ?? '');
      else if (n === 'externalReference') reject('externalLinks');
    }),
  );
  const rels = await readRels(zip, 'xl/_rels/workbook.xml.rels', 'xl/');
  if ([...rels.values()].some((r) => r.type.endsWith('/externalLink') || (r.external && !r.type.endsWith('/hyperlink')))) reject('externalLinks');
  const first = sheets[0];
  if (!first) reject('empty');
  if (first.state !== 'visible') reject('hiddenSheet', { sheet: first.name });
  const sheetPart = rels.get(first.rid)?.target;
  if (!sheetPart || !has(sheetPart)) reject('badXlsx');

  // number formats: which cell styles show dates
  const dateStyles = new Set<number>();
  // parts found by their relationship, or by the name every writer gives them
  const partOf = (type: string, usual: string) => [...rels.values()].find((r) => r.type.endsWith(type))?.target ?? (has(usual) ? usual : undefined);
  const stylesPart = partOf('/styles', 'xl/styles.xml');
  if (stylesPart && has(stylesPart)) {
    const custom = new Map<number, string>();
    let inCellXfs = false;
    let xf = 0;
    await parsePart(zip, stylesPart, MAX_SMALL_PART, small, (p) => {
      p.on('opentag', (t) => {
        const n = local(t.name);
        if (n === 'numFmt') custom.set(Number(attr(t, 'numFmtId')), attr(t, 'formatCode') ?? '');
        else if (n === 'cellXfs') inCellXfs = true;
        else if (n === 'xf' && inCellXfs) {
          const id = Number(attr(t, 'numFmtId') ?? 0);
          if (DATE_FORMATS.has(id) || (custom.has(id) && isDateFormatCode(custom.get(id)!))) dateStyles.add(xf);
          xf++;
        }
      });
      p.on('closetag', (t) => {
        if (local(t.name) === 'cellXfs') inCellXfs = false;
      });
    });
  }

  // shared strings, held while the sheet is read: their size is bounded on its own
  const sst: string[] = [];
  const sstPart = partOf('/sharedStrings', 'xl/sharedStrings.xml');
  if (sstPart && has(sstPart)) {
    const over = { key: 'sharedStringsTooBig', params: { max: mb(limits.maxSharedStringsBytes) } };
    await parsePart(zip, sstPart, limits.maxSharedStringsBytes, over, (p) => collectStrings(p, 'si', (s) => void sst.push(s)));
  }

  // the sheet, streamed: rows kept only up to the cap
  const sheet = first.name;
  const grid: Grid = [];
  const hiddenCols: [number, number][] = [];
  let nonBlank = 0;
  let row: { line: number; hidden: boolean; cells: string[] } | null = null;
  let lastLine = 0;
  let cell: { col: number; type: string; style: number; v: string; inline: string } | null = null;
  let nextCol = 0;
  let text: 'v' | 'is' | null = null;
  let inPhonetic = false;
  const where = (col: number) => ({ sheet, row: row?.line ?? lastLine, column: columnLetter(col) });
  const p = xmlParser();
  p.on('opentag', (t) => {
    const n = local(t.name);
    if (n === 'row') {
      const r = Number(attr(t, 'r'));
      const line = Number.isInteger(r) && r > 0 ? r : lastLine + 1;
      row = { line, hidden: ['1', 'true'].includes(attr(t, 'hidden') ?? ''), cells: [] };
      lastLine = line;
      nextCol = 0;
    } else if (n === 'c' && row) {
      const ref = /^([A-Z]+)\d*$/.exec(attr(t, 'r') ?? '');
      const col = ref ? columnIndex(ref[1]!) : nextCol;
      nextCol = col + 1;
      cell = { col, type: attr(t, 't') ?? 'n', style: Number(attr(t, 's') ?? 0), v: '', inline: '' };
    } else if (n === 'f' && cell) {
      reject('formula', where(cell.col));
    } else if (n === 'v' && cell) text = 'v';
    else if (n === 'is' && cell) text = 'is';
    else if (n === 'rPh') inPhonetic = true;
    else if (n === 'col') {
      if (['1', 'true'].includes(attr(t, 'hidden') ?? '')) hiddenCols.push([Number(attr(t, 'min')) - 1, Number(attr(t, 'max')) - 1]);
    }
  });
  const onText = (s: string) => {
    if (!cell || !text || inPhonetic) return;
    if (text === 'v') cell.v += s;
    else cell.inline += s;
    if (cell.v.length + cell.inline.length > limits.maxCellChars) reject('cellTooLong', { ...where(cell.col), max: limits.maxCellChars });
  };
  p.on('text', onText);
  p.on('cdata', onText);
  p.on('closetag', (t) => {
    const n = local(t.name);
    if (n === 'v' || n === 'is') text = null;
    else if (n === 'rPh') inPhonetic = false;
    else if (n === 'c' && cell && row) {
      const c = cell;
      cell = null;
      let value: string;
      switch (c.type) {
        case 's': {
          const s = sst[Number(c.v)];
          if (s === undefined) reject('badXlsx');
          value = s;
          break;
        }
        case 'inlineStr':
          value = c.inline;
          break;
        case 'str':
          value = c.v;
          break;
        case 'b':
          value = c.v === '1' || c.v === 'true' ? 'TRUE' : 'FALSE';
          break;
        case 'e':
          reject('cellError', { ...where(c.col), value: c.v.slice(0, 20) });
        // falls through: reject never returns
        case 'd':
          value = c.v.slice(0, 10);
          break;
        default: {
          if (c.v === '') value = '';
          else {
            const num = Number(c.v);
            if (!Number.isFinite(num)) reject('badXlsx');
            value = dateStyles.has(c.style) ? serialDay(num, date1904) : String(num);
          }
        }
      }
      if (value.length > limits.maxCellChars) reject('cellTooLong', { ...where(c.col), max: limits.maxCellChars });
      if (value.trim() === '') return;
      if (c.col >= limits.maxColumns) reject('tooManyColumns', { ...where(c.col), max: limits.maxColumns });
      if (row.hidden) reject('hiddenRow', where(c.col));
      if (hiddenCols.some(([a, b]) => c.col >= a && c.col <= b)) reject('hiddenColumn', where(c.col));
      while (row.cells.length < c.col) row.cells.push('');
      row.cells[c.col] = value;
    } else if (n === 'row' && row) {
      if (row.cells.length > 0) {
        // the header and `maxRows` data rows; the next one is refused without reading further
        if (++nonBlank > limits.maxRows + 1) reject('tooManyRows', { max: limits.maxRows });
        grid.push({ line: row.line, cells: row.cells });
      }
      row = null;
    }
  });
  await streamPart(zip, sheetPart, limits.maxUnpackedBytes, { key: 'tooBigUnpacked', params: { max: mb(limits.maxUnpackedBytes) } }, (s) => void p.write(s));
  try {
    p.close();
  } catch (e) {
    if (e instanceof FieldError) throw e;
    reject('badXlsx');
  }
  return grid;
}

/** The text of each `item` element (a shared string): its <t> runs, without phonetic runs. */
function collectStrings(p: SaxesParser, item: string, push: (s: string) => void): void {
  let cur: string | null = null;
  let inT = false;
  let inPhonetic = false;
  p.on('opentag', (t) => {
    const n = local(t.name);
    if (n === item) cur = '';
    else if (n === 't') inT = true;
    else if (n === 'rPh') inPhonetic = true;
  });
  const onText = (s: string) => {
    if (cur !== null && inT && !inPhonetic) cur += s;
  };
  p.on('text', onText);
  p.on('cdata', onText);
  p.on('closetag', (t) => {
    const n = local(t.name);
    if (n === 't') inT = false;
    else if (n === 'rPh') inPhonetic = false;
    else if (n === item && cur !== null) {
      push(cur);
      cur = null;
    }
  });
}
