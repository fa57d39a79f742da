import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { crc32, createDeflateRaw } from 'node:zlib';
import { buildZip, type ZipEntrySpec } from './zip';

/**
 * Hand-written XLSX workbooks for the upload-attack tests: the parts are XML we write ourselves, so a test
 * can make what Excel would not (a formula cell, a hidden first sheet, a macro part, a million rows, a
 * shared-strings table of a hundred megabytes in a small file).
 */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function colLetter(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A cell: text (inline string), a number, or raw XML of the <c> element's content plus attributes. */
export type XCell = string | number | { raw: string; attrs?: string };

export function sheetXml(rows: XCell[][], rowAttrs: (r: number) => string = () => ''): string {
  const body = rows
    .map((cells, r) => {
      const cs = cells
        .map((c, i) => {
          const ref = `${colLetter(i)}${r + 1}`;
          if (typeof c === 'number') return `<c r="${ref}"><v>${c}</v></c>`;
          if (typeof c === 'string') return `<c r="${ref}" t="inlineStr"><is><t>${esc(c)}</t></is></c>`;
          return `<c r="${ref}"${c.attrs ? ' ' + c.attrs : ''}>${c.raw}</c>`;
        })
        .join('');
      return `<row r="${r + 1}"${rowAttrs(r + 1)}>${cs}</row>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
}

export interface SheetSpec {
  name: string;
  xml: string;
  state?: 'hidden' | 'veryHidden';
}

export interface WorkbookSpec {
  sheets: SheetSpec[];
  sharedStrings?: string;
  /** extra parts (macros, external links …) */
  extra?: ZipEntrySpec[];
  /** content type of the workbook part (e.g. the macro-enabled one) */
  workbookType?: string;
}

const MAIN_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml';

/** The parts of a workbook except the sheets' data, for `sheets` sheet names. */
export function skeleton(spec: Omit<WorkbookSpec, 'sheets'> & { sheets: Omit<SheetSpec, 'xml'>[] }): ZipEntrySpec[] {
  const sstRel = spec.sharedStrings !== undefined ? `<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` : '';
  const sheetOverrides = spec.sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join('');
  return [
    {
      name: '[Content_Types].xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="${spec.workbookType ?? MAIN_TYPE}"/>${sheetOverrides}</Types>`,
    },
    { name: '_rels/.rels', data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>` },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${spec.sheets
        .map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}"${s.state ? ` state="${s.state}"` : ''} r:id="rId${i + 1}"/>`)
        .join('')}</sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${spec.sheets
        .map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
        .join('')}${sstRel}</Relationships>`,
    },
  ];
}

export function buildXlsx(spec: WorkbookSpec): Buffer {
  return buildZip([
    ...skeleton(spec),
    ...spec.sheets.map((s, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: s.xml })),
    ...(spec.sharedStrings !== undefined ? [{ name: 'xl/sharedStrings.xml', data: spec.sharedStrings }] : []),
    ...(spec.extra ?? []),
  ]);
}

/** A one-sheet workbook of the given rows (text as inline strings). */
export const simpleXlsx = (rows: XCell[][], name = '名单'): Buffer => buildXlsx({ sheets: [{ name, xml: sheetXml(rows) }] });

/**
 * Writes a workbook whose first sheet has a header row and then `rows` rows of `line(n)` (the cells' XML),
 * deflating the sheet as it is generated: a million-row file without a million rows in memory.
 * Returns the file's size.
 */
export async function writeBigXlsx(file: string, rows: number, line: (n: number) => XCell[] = (n) => [`人${n}`, 13800000000 + n], padMb = 0): Promise<number> {
  const head = skeleton({ sheets: [{ name: '名单' }] });
  const deflate = createDeflateRaw({ level: 6 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  let crc = 0;
  let size = 0;
  const feed = async (s: string) => {
    const b = Buffer.from(s, 'utf8');
    crc = crc32(b, crc);
    size += b.length;
    if (!deflate.write(b)) await once(deflate, 'drain');
  };
  await feed(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`);
  let buf = '';
  for (let r = 0; r <= rows; r++) {
    const cells = r === 0 ? ['姓名', '手机号'] : line(r);
    buf += sheetXml([cells]).split('<sheetData>')[1]!.split('</sheetData>')[0]!.replace(/r="([A-Z]+)1"/g, `r="$1${r + 1}"`).replace('<row r="1"', `<row r="${r + 1}"`);
    if (buf.length > 1 << 20) {
      await feed(buf);
      buf = '';
    }
  }
  await feed(buf);
  // blank space after the rows (legal XML): a zip bomb whose sheet inflates ~1000 times
  const mb = ' '.repeat(1 << 20);
  for (let i = 0; i < padMb; i++) await feed(mb);
  await feed('</sheetData></worksheet>');
  deflate.end();
  await once(deflate, 'end');
  const compressed = Buffer.concat(chunks);
  // the zip around it: the small parts through buildZip, then the big sheet spliced in as one more entry
  const small = buildZip(head);
  const eocd = small.length - 22;
  const cdSize = small.readUInt32LE(eocd + 12);
  const cdStart = small.readUInt32LE(eocd + 16);
  const name = Buffer.from('xl/worksheets/sheet1.xml', 'utf8');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0800, 6);
  local.writeUInt16LE(8, 8);
  local.writeUInt16LE(0x21, 12);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(cdStart, 42);
  const newCdStart = cdStart + local.length + name.length + compressed.length;
  const end = Buffer.from(small.subarray(eocd));
  const count = end.readUInt16LE(8) + 1;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize + central.length + name.length, 12);
  end.writeUInt32LE(newCdStart, 16);
  const out = createWriteStream(file);
  for (const part of [small.subarray(0, cdStart), local, name, compressed, small.subarray(cdStart, cdStart + cdSize), central, name, end]) {
    if (!out.write(part)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return cdStart + local.length + name.length + compressed.length + cdSize + central.length + name.length + end.length;
}

/** A CSV of a header and `rows` short lines, written in chunks. Returns the file's size. */
export async function writeBigCsv(file: string, rows: number, line: (n: number) => string = (n) => `人${n},${13800000000 + n}`): Promise<number> {
  const out = createWriteStream(file);
  let size = 0;
  let buf = '姓名,手机号\n';
  for (let r = 1; r <= rows; r++) {
    buf += line(r) + '\n';
    if (buf.length > 1 << 20) {
      size += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  size += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, 'finish');
  return size;
}
