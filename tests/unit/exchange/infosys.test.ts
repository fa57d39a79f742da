import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { computeCountyMonth } from '../../../src/lib/subsidy/compute';
import { subsidyRulesFor } from '../../../src/lib/subsidy/rules';
import { checkInfosys, commitInfosys, infosysRows, parseDay } from '../../../src/lib/exchange/infosys';
import { readTable } from '../../../src/lib/exchange/table';
import { toCsv } from '../../../src/lib/exchange/csv';
import { roleAssignments, users, workEntries } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;
const NOW = at('2026-06-10');
let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let phone: string;
let admin: number;
const actorOf = (userId: number): FieldActor => {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
};
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  phone = db.select().from(users).where(eq(users.id, director.userId)).get()!.phone;
  admin = w.person('admin', w.province, '管理员');
  db.update(roleAssignments).set({ createdAt: at('2025-01-01') }).run();
});
afterEach(() => t.cleanup());

const HEADER = ['工作人员', '个案编号', '更新日期', '更新内容'];
const rowsOf = async (lines: string[][]) => infosysRows(await readTable(Buffer.from(toCsv([HEADER, ...lines])), 'info.csv'));
const actor = () => ({ userId: admin, scopePath: w.province.path, ip: null });
const entries = () => db.select({ n: sql<number>`count(*)` }).from(workEntries).get()!.n;

describe('information-system update import', () => {
  it('parses the dates people write', () => {
    expect(parseDay('2026-5-3')).toBe('2026-05-03');
    expect(parseDay('2026/05/03 14:20')).toBe('2026-05-03');
    expect(parseDay('2026年5月3日')).toBe('2026-05-03');
    expect(parseDay('2026-02-30')).toBeNull();
    expect(parseDay('5/3/2026')).toBeNull();
  });

  it('reports unknown workers and cases, cases of another village and bad dates per row, writing nothing', async () => {
    createCase(db, director, { code: 'S-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    const other = actorOf(w.person('director', w.bfVillage, '王二'));
    createCase(db, other, { code: 'B-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    const c = checkInfosys(db, w.province.path, await rowsOf([
      [phone, 'S-001', '2026-05-10', ''],
      ['13999999999', 'S-001', '2026-05-10', ''],
      [phone, 'NOPE', '2026-05-10', ''],
      [phone, 'B-001', '2026-05-10', ''],
      [phone, 'S-001', '2026-07-01', ''],
      [phone, 'S-001', '2026-03-01', ''],
      [phone, 'S-001', '昨天', ''],
      [phone, 'S-001', '2026-05-11', '更'.repeat(201)],
    ]), NOW);
    expect(c.problems.map((p) => [p.line, p.column, p.key])).toEqual([
      [3, 'worker', 'v.import.unknownWorker'],
      [4, 'caseCode', 'v.import.unknownCase'],
      [5, 'worker', 'v.import.workerNotDirector'],
      [6, 'day', 'v.import.futureDate'],
      [7, 'day', 'v.import.beforeOpened'],
      [8, 'day', 'v.import.badDate'],
      [9, 'note', 'v.import.noteTooLong'],
    ]);
    expect(c.summary).toMatchObject({ rows: 8, create: 1 });
    const before = entries();
    await expect(commitInfosys(db, actor(), await rowsOf([[phone, 'NOPE', '2026-05-10', '']]), { jobId: null, now: NOW })).rejects.toThrow();
    expect(entries()).toBe(before);
  });

  it('counts for the subsidy like a verified update, and the same worker, case and day counts once', async () => {
    createCase(db, director, { code: 'S-OLD', category: 'left_behind', guardianSituation: 'entrusted', risk: 'low', openedOn: '2025-12-01', note: '' }, at('2026-01-10'));
    const rules = subsidyRulesFor(db, w.zhushan.path, '2026-05-31')!.rules;
    const info = () => computeCountyMonth(db, w.zhushan.path, '2026-05', rules, '2026-06-10').find((l) => l.userId === director.userId)!.criteria.find((x) => x.key === 'infoUpdates')!;
    expect(info().met).toBe(false);
    const rows = await rowsOf([
      [phone, 'S-OLD', '2026/5/10', '更新监护人信息'],
      [phone, 'S-OLD', '2026-05-10', '同一天第二条'],
    ]);
    const first = await commitInfosys(db, actor(), rows, { jobId: 3, now: NOW });
    expect(first).toEqual({ created: 1, unchanged: 0, duplicates: 1 });
    expect(info()).toMatchObject({ met: true, text: '跟进中的 1 个个案中，1 个在 90 天内更新过信息系统（100%，达到 90%）' });
    const e = db.select().from(workEntries).where(eq(workEntries.type, 'info_update')).all();
    expect(e).toHaveLength(1);
    expect(e[0]).toMatchObject({ userId: director.userId, status: 'verified', day: '2026-05-10', villageId: w.cgVillage.id, decidedBy: admin });
    const again = await commitInfosys(db, actor(), rows, { jobId: 4, now: NOW + 1000 });
    expect(again).toEqual({ created: 0, unchanged: 1, duplicates: 1 });
    expect(db.select().from(workEntries).where(eq(workEntries.type, 'info_update')).all()).toHaveLength(1);
  });

  it('sees only cases inside the importer\'s jurisdiction', async () => {
    createCase(db, director, { code: 'S-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-04-01', note: '' }, at('2026-04-01'));
    const c = checkInfosys(db, w.jiangling.path, await rowsOf([[phone, 'S-001', '2026-05-10', '']]), NOW);
    expect(c.problems.map((p) => p.key)).toEqual(['v.import.unknownCase']);
  });
});
