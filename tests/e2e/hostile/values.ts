import fc from 'fast-check';

/**
 * Hostile values for one form field, by kind. `maxlength` (from the form) makes "just under" and "far over"
 * the limit; everything else is a fixed catalogue of shapes real attacks and real mistakes produce, plus
 * fast-check's own unicode strings.
 */
export const FIXED: string[] = [
  // empty, whitespace-only
  '',
  ' ',
  '\t\n  \u3000',
  // unicode edge cases
  '\uD800',
  'a\uDC00b',
  'x\u0000y',
  '\u0000',
  '\uFEFF张三',
  '\u202Eevil\u202C',
  '\u200D\u200D\u200B',
  'e\u0301\u0301\u0301\u0301\u0301',
  '👩‍👩‍👧‍👦🧒🏽',
  '１３９０００００００１',
  '二〇二六',
  '一二三',
  '\u00A0\u00A0',
  // injection shapes
  "' OR '1'='1",
  "1; DROP TABLE users; --",
  '1/*',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' autofocus onfocus='alert(1)",
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '${process.exit(1)}',
  '{{constructor.constructor("return 1")()}}',
  'a\r\nSet-Cookie: x=1',
  '%00',
  '%',
  '__proto__',
  'constructor',
  // wrong types
  '12345',
  '-1',
  '0',
  '-0',
  '1e309',
  '0x1F',
  '9007199254740993',
  '99999999999999999999999',
  'NaN',
  'Infinity',
  '3.14',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  // dates
  '2026-02-30',
  '9999-12-31',
  '0000-01-01',
  '2026-13-01',
  '2026-12-31T25:61',
  '2026/12/31',
];

export type Mutation =
  | { kind: 'set'; field: string; value: string }
  | { kind: 'drop'; field: string }
  | { kind: 'repeat'; field: string; values: string[] }
  | { kind: 'extra'; field: string; value: string };

/**
 * Ids of objects that exist but belong to another county or person (set by the spec from the database), so an
 * id field also gets a real foreign id, not only ids that do not exist.
 */
export const FOREIGN_IDS: string[] = [];

export function hostileString(maxlength: number | null): fc.Arbitrary<string> {
  const n = maxlength ?? 200;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...FIXED) },
    { weight: 1, arbitrary: fc.constantFrom(...(FOREIGN_IDS.length ? FOREIGN_IDS : ['999999999'])) },
    { weight: 1, arbitrary: fc.constantFrom('字'.repeat(Math.max(0, n - 1)), '字'.repeat(n), '字'.repeat(n + 1), 'a'.repeat(n * 10 + 7), 'x'.repeat(100_000)) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()).map(String) },
  );
}

/** One or several fields of the form mutated, plus now and then an unknown extra field. */
export function mutations(fields: { name: string; maxlength: number | null }[]): fc.Arbitrary<Mutation[]> {
  const one: fc.Arbitrary<Mutation> = fc.integer({ min: 0, max: Math.max(0, fields.length - 1) }).chain((i) => {
    const f = fields[i] ?? { name: '_none', maxlength: null };
    return fc.oneof(
      { weight: 6, arbitrary: hostileString(f.maxlength).map((value): Mutation => ({ kind: 'set', field: f.name, value })) },
      { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'drop', field: f.name }) },
      { weight: 1, arbitrary: fc.array(hostileString(f.maxlength), { minLength: 2, maxLength: 3 }).map((values): Mutation => ({ kind: 'repeat', field: f.name, values })) },
    );
  });
  const extra: fc.Arbitrary<Mutation> = fc
    .tuple(fc.constantFrom('__proto__', 'constructor', 'userId', 'role', 'status', 'id', 'regionPath', 'x'.repeat(300)), hostileString(null))
    .map(([field, value]) => ({ kind: 'extra', field, value }));
  return fc.tuple(fc.array(one, { minLength: 1, maxLength: 3 }), fc.option(extra, { freq: 4 })).map(([ms, e]) => (e ? [...ms, e] : ms));
}

/** The baseline with the mutations applied, as ordered key/value pairs (keys may repeat). */
export function apply(baseline: [string, string][], ms: Mutation[]): [string, string][] {
  let out = baseline.map(([k, v]) => [k, v] as [string, string]);
  for (const m of ms) {
    if (m.kind === 'set') {
      if (out.some(([k]) => k === m.field)) out = out.map(([k, v]) => [k, k === m.field ? m.value : v]);
      else out.push([m.field, m.value]);
    } else if (m.kind === 'drop') out = out.filter(([k]) => k !== m.field);
    else if (m.kind === 'repeat') out = [...out.filter(([k]) => k !== m.field), ...m.values.map((v) => [m.field, v] as [string, string])];
    else out.push([m.field, m.value]);
  }
  return out;
}

export function urlencoded(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/**
 * encodeURIComponent throws on a lone surrogate: such a character is sent as the bytes a broken client
 * (WTF-8) would send, %ED%A0%80…, which are not valid UTF-8.
 */
function enc(s: string): string {
  return s
    .split(/([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/)
    .map((part, i) => {
      if (i % 2 === 0) return encodeURIComponent(part);
      const c = part.charCodeAt(0);
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => '%' + b.toString(16).toUpperCase()).join('');
    })
    .join('');
}

/** Structural hostility: the same baseline sent in ways a form handler does not expect. */
export function structural(pairs: [string, string][]): { name: string; contentType: string; body: string | Buffer }[] {
  const enc = urlencoded(pairs);
  const boundary = '----hostile' + 'x'.repeat(8);
  return [
    { name: 'JSON body', contentType: 'application/json', body: JSON.stringify(Object.fromEntries(pairs)) },
    { name: 'text/plain', contentType: 'text/plain', body: enc },
    { name: 'no content type', contentType: '', body: enc },
    { name: 'invalid percent-encoding', contentType: 'application/x-www-form-urlencoded', body: enc + '&bad=%E4%B8&x=%zz%' },
    { name: 'latin1 bytes claimed as utf-8', contentType: 'application/x-www-form-urlencoded; charset=utf-8', body: Buffer.concat([Buffer.from(enc + '&name='), Buffer.from([0xe9, 0xff, 0xfe, 0xc0, 0x80])]) },
    { name: 'unknown charset', contentType: 'application/x-www-form-urlencoded; charset=x-hostile', body: enc },
    { name: 'multipart, no boundary', contentType: 'multipart/form-data', body: enc },
    {
      name: 'multipart with odd parts',
      contentType: `multipart/form-data; boundary=${boundary}`,
      body:
        pairs.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
        `--${boundary}\r\nContent-Disposition: form-data; name="${pairs[0]?.[0] ?? 'x'}"; filename="../../x.txt"\r\nContent-Type: text/plain\r\n\r\nfile in place of a field\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n` +
        `--${boundary}--\r\n`,
    },
    { name: 'multipart, truncated', contentType: `multipart/form-data; boundary=${boundary}`, body: `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished` },
    { name: 'empty body', contentType: 'application/x-www-form-urlencoded', body: '' },
  ];
}
