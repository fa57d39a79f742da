import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Db } from '../../../db/client';

/**
 * Shared pieces of the hostile-input property tests (issue 10): arbitraries for the worst a form or a JSON
 * body can carry, fast-check settings with a fixed seed (printed on failure; HOSTILE_RUNS=n for longer
 * runs, HOSTILE_SEED=n to replay), and a fingerprint of the whole database.
 */

export const DEFAULT_SEED = 20261129;
export const SEED = Number(process.env.HOSTILE_SEED ?? DEFAULT_SEED);
/** the committed configuration (fixed seed, default runs): coverage checks are exact there */
export const DEFAULT_RUN = SEED === DEFAULT_SEED && !process.env.HOSTILE_RUNS;
const RUNS = Number(process.env.HOSTILE_RUNS ?? 0);

/** vitest timeout per property: the default run is fast; a long HOSTILE_RUNS run gets ten minutes */
export const TIMEOUT = RUNS > 0 ? 600_000 : 20_000;

/** fast-check parameters: fixed seed, `runs` unless HOSTILE_RUNS asks for more. */
export function params(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: RUNS > 0 ? RUNS : runs, verbose: 1, endOnFailure: true };
}

/** Strings people and scripts really send: encodings, invisible characters, injections, limits. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '   \t\r\n  ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFFx',
  'x\uD83D',
  '\uFEFF',
  '\uFEFF13800000001',
  '\u202Egnp.exe',
  '\u200B',
  '\u200D\u200C\u2060',
  'e\u0301\u0301\u0301',
  'Z\u0336\u0337\u0338\u0339',
  '😀',
  '👨‍👩‍👧‍👦',
  '１２３４５',
  '１３８００１３８０００',
  '２０２６－１２－０１',
  '８５．５',
  "' OR 1=1 --",
  "'; DROP TABLE users; --",
  '" onmouseover="alert(1)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '//evil.example/x',
  '/\\evil.example',
  '../../../etc/passwd',
  '%2e%2e%2f',
  '${7*7}',
  '{{7*7}}',
  '=cmd|"/c calc"!A1',
  '+1+1',
  '@SUM(1+1)',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '-0',
  '00',
  '0x10',
  '1e3',
  '1e309',
  '9007199254740993',
  '99999999999999999999',
  '1.5',
  ' 7 ',
  '2026-02-30',
  '2026-13-01',
  '0000-01-01',
  '9999-12-31',
  '2026-6-1',
  '2026-02-29',
  '2026-12-01T25:61',
  '2026-12-01T09:30',
  '2026-12-01T09:30:00Z',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'curriculum:0',
  'course:99999999999',
  'course:1 ',
  '110101199003070010',
  '11010119900307001X',
  'x'.repeat(201),
  'x'.repeat(10_001),
  '李'.repeat(41),
  '李'.repeat(5_000),
  '\n'.repeat(300),
];

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY_STRINGS), fc.constantFrom(...NASTY_STRINGS)).map(([a, b]) => a + b) },
);

/** A value of any type: what a JSON body or a tampered form may hold where a string was expected. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(null, undefined, true, false, NaN, Infinity, -Infinity, 1e309, -1e309, -0, 0, -1, 1.5, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, -(2 ** 31), 2 ** 63, [], {}, [''], ['1'], [1, 2], { toString: 'x' }, new Date(Number.NaN)),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.bigInt().map((b) => b) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }) },
);

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'id', 'userId', 'actor', 'status', 'role', 'x'.repeat(300), '', '\u0000', '😀'];

/**
 * Hostile records of a form with these keys: each key is a plausible value (so that the success path is
 * reached too), a hostile one, or missing; extra keys (including an own `__proto__`) may ride along.
 */
export function hostileRecord(valid: Record<string, fc.Arbitrary<unknown>>, opts: { stringsOnly?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const bad = opts.stringsOnly ? hostileString : hostileValue;
  const MISSING = Symbol('missing');
  const fields = Object.fromEntries(
    Object.entries(valid).map(([k, ok]) => [
      k,
      fc.oneof({ weight: 4, arbitrary: ok }, { weight: 3, arbitrary: bad }, { weight: 1, arbitrary: fc.constant<unknown>(MISSING) }),
    ]),
  );
  return fc
    .tuple(fc.record(fields), fc.array(fc.tuple(fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.string({ maxLength: 8 })), bad), { maxLength: 3 }))
    .map(([r, extra]) => {
      const entries: [string, unknown][] = [...extra, ...Object.entries(r).filter(([, v]) => v !== MISSING)];
      // Object.fromEntries makes `__proto__` an own key, as JSON.parse does
      return Object.fromEntries(entries);
    });
}

/** Whole inputs that are not an object at all. */
export const notAnObject: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(null, undefined, 0, 'x', [], [{}], true, NaN);

type Client = Db['$client'];
/** a prepared `select *` without parameters */
type Stmt = { all: () => unknown[] };
const statements = new WeakMap<Client, { name: string; all: Stmt }[]>();

/** One `select *` per table (prepared once per connection; the schema does not change during a test). */
function tableStatements(c: Client) {
  let list = statements.get(c);
  if (!list) {
    const tables = c
      .prepare(`select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' order by name`)
      .all() as { name: string; sql: string }[];
    list = tables.map((t) => ({ name: t.name, all: c.prepare<[]>(`select * from "${t.name}"${/without\s+rowid/i.test(t.sql ?? '') ? '' : ' order by rowid'}`).raw(true) }));
    statements.set(c, list);
  }
  return list;
}

/** Every row of every table, in rowid order: a hash (equal hashes mean nothing was written) and row counts. */
export function snapshot(db: Db): { hash: string; counts: Record<string, number> } {
  const h = createHash('sha256');
  const counts: Record<string, number> = {};
  for (const t of tableStatements(db.$client)) {
    const rows = t.all.all();
    counts[t.name] = rows.length;
    h.update(t.name);
    h.update(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('base64') : v)));
  }
  return { hash: h.digest('hex'), counts };
}

export const fingerprint = (db: Db): string => snapshot(db).hash;
export const rowCounts = (db: Db): Record<string, number> => snapshot(db).counts;
