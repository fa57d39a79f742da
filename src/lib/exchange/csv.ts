/**
 * A small RFC 4180 CSV reader and writer: quoted fields with "" escapes and line breaks inside quotes,
 * a UTF-8 byte-order mark, CRLF / LF / CR line ends, comma separators. Encodings other than UTF-8 (GBK
 * from older Excel versions) are refused before this runs: the page asks for "CSV UTF-8".
 */
export interface CsvHooks {
  /** called as each field ends (line = the record's 1-based number); may throw to stop reading */
  onField?: (line: number, col: number, field: string) => void;
  /** called as each record ends; may throw to stop reading */
  onRow?: (line: number, cells: string[]) => void;
}

export function parseCsv(text: string, hooks: CsvHooks = {}): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  const n = s.length;
  const endField = () => {
    hooks.onField?.(rows.length + 1, row.length, field);
    row.push(field);
    field = '';
  };
  const endRow = () => {
    endField();
    hooks.onRow?.(rows.length + 1, row);
    rows.push(row);
    row = [];
  };
  while (i < n) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      i++;
    } else if (c === ',') {
      endField();
      i++;
    } else if (c === '\r') {
      endRow();
      i += s[i + 1] === '\n' ? 2 : 1;
    } else if (c === '\n') {
      endRow();
      i++;
    } else {
      field += c;
      i++;
    }
  }
  // the last line, unless the text ended with a line break
  if (field !== '' || row.length > 0 || quoted) endRow();
  return rows;
}

function quote(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text with a BOM (so Excel opens it as UTF-8) and CRLF line ends. */
export function toCsv(rows: (string | number | null | undefined)[][]): string {
  return '\ufeff' + rows.map((r) => r.map((v) => quote(v == null ? '' : String(v))).join(',')).join('\r\n') + '\r\n';
}
