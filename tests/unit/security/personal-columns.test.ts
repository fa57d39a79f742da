import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDb } from '../../factories/db';

/**
 * Personal data in the schema (issue: prove it holds). Read from the migrated database itself
 * (sqlite_master + table_info), so a new table or column is checked without editing this file.
 * Children are known only by a case code (ADR 0010): no table about a child may hold a name, a birth date or
 * an ID number, and the adults' ID numbers and phone numbers may live only where listed below.
 */
let t: ReturnType<typeof createTestDb>;
beforeAll(() => {
  t = createTestDb();
});
afterAll(() => t.cleanup());

function columns(): { table: string; column: string }[] {
  const c = t.db.$client;
  const tables = (c.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'").all() as { name: string }[]).map((r) => r.name);
  return tables.flatMap((table) => (c.prepare(`pragma table_info(${JSON.stringify(table)})`).all() as { name: string }[]).map((r) => ({ table, column: r.name })));
}

/** Column names that could hold a person's name, ID number, birth date or phone number. */
const NAME = /(^|_)(name|full_name|real_name|child_name|guardian_name|carer_name|xingming)$/i;
const ID_NUMBER = /(id_?number|id_?card|identity|shenfenzheng|sfz|passport|hukou)/i;
const BIRTH = /(birth|dob|born)/i;
const PHONE = /(phone|mobile|tel)$/i;

/** Tables about children: the cases and everything that points at a case. */
function childTables(cols: { table: string; column: string }[]): string[] {
  return [...new Set(cols.filter((c) => c.table === 'cases' || c.column === 'case_id' || /child/i.test(c.table)).map((c) => c.table))].sort();
}

describe('the database schema holds no child identifiers and adults\' identifiers only where listed', () => {
  it('finds the tables and the child tables it must check', () => {
    const cols = columns();
    expect(new Set(cols.map((c) => c.table)).size).toBeGreaterThan(30);
    expect(childTables(cols)).toEqual(['cases', 'work_entries']);
  });

  it('no table about a child has a name, birth date, ID number or phone column (ADR 0010: case codes only)', () => {
    const cols = columns();
    const child = childTables(cols);
    const bad = cols.filter((c) => child.includes(c.table) && (NAME.test(c.column) || ID_NUMBER.test(c.column) || BIRTH.test(c.column) || PHONE.test(c.column)));
    expect(bad).toEqual([]);
  });

  it('ID numbers, names and phone numbers of adults are held only in the columns listed with their reason', () => {
    // each allowed column with why it must be there; every view of it masks it (src/lib/privacy/mask.ts)
    const ALLOWED: Record<string, string> = {
      'users.phone': 'the sign-in name of a worker (masked on every page shown to others)',
      'users.name': 'the worker\'s name (儿童主任 are named in the roster by the civil affairs office)',
      'users.id_number': 'a worker\'s ID number, optional, for the certificate and the subsidy payroll (masked unless an administrator exports in full)',
      'certificates.holder_name': 'the name printed on an issued certificate, kept as issued (public verification shows it masked)',
    };
    const cols = columns();
    const child = childTables(cols);
    const personal = cols
      .filter((c) => !child.includes(c.table))
      .filter((c) => ID_NUMBER.test(c.column) || PHONE.test(c.column) || BIRTH.test(c.column) || (NAME.test(c.column) && !NON_PERSON_NAME.has(`${c.table}.${c.column}`)))
      .map((c) => `${c.table}.${c.column}`);
    expect(personal.filter((k) => !(k in ALLOWED))).toEqual([]);
  });
});

/** `name` columns that name things, not people. */
const NON_PERSON_NAME = new Set<string>(['institutions.name', 'regions.name', 'regions.full_name', 'regions.is_demo_name', 'import_jobs.file_name']);
