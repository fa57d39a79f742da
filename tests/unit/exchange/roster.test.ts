import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { testContent } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { listPendingOnboarding, createLearningAssignment } from '../../../src/lib/learning/enrol';
import { createPerson } from '../../../src/lib/people/people';
import { insertRegion } from '../../../src/lib/org/regions';
import { checkRoster, commitRoster, rosterRows, ImportRejected, type RawRosterRow } from '../../../src/lib/exchange/roster';
import { readTable } from '../../../src/lib/exchange/table';
import { toCsv } from '../../../src/lib/exchange/csv';
import { users, roleAssignments, auditLog, curricula, enrollments, courseProgress, regionAssignmentRollup } from '../../../db/schema/index';
import type { Db } from '../../../db/client';
import { dumpStats, rebuildRollups } from '../../../src/lib/dashboard/rollups';

const NOW = Date.UTC(2026, 5, 1, 2);
let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let admin: number;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  admin = w.person('admin', w.province, '管理员');
});
afterEach(() => t.cleanup());

const HEADER = ['姓名*', '手机号*', '身份证号', '岗位*（儿童主任/儿童督导员）', '市州', '县(市、区)', '乡镇(街道)*', '村(社区)（儿童主任必填）'];
/** A valid ID number (GB 11643 check digit computed). */
function idNumber(seq: number): string {
  const base = `42032319900101${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(base[i]) * weights[i]!;
  return base + '10X98765432'[sum % 11];
}
async function rowsOf(lines: string[][]): Promise<RawRosterRow[]> {
  return rosterRows(await readTable(Buffer.from(toCsv([HEADER, ...lines])), 'roster.csv'));
}
const actor = () => ({ userId: admin, scopePath: w.province.path, ip: '127.0.0.1' });
const counts = () => ({
  users: db.select({ n: sql<number>`count(*)` }).from(users).get()!.n,
  assignments: db.select({ n: sql<number>`count(*)` }).from(roleAssignments).get()!.n,
  audit: db.select({ n: sql<number>`count(*)` }).from(auditLog).get()!.n,
});

describe('roster dry run', () => {
  it('reports unknown village, duplicate phone and bad check digit per row, in order, writing nothing', async () => {
    const bad = idNumber(1).slice(0, 17) + (idNumber(1).endsWith('0') ? '1' : '0');
    const rows = await rowsOf([
      ['王一', '13711110001', '', '儿童主任', '', '', '城关镇', '测试一村'],
      ['王二', '13711110002', '', '儿童主任', '', '', '城关镇', '不存在村'],
      ['王三', '13711110001', '', '儿童主任', '', '', '城关镇', '测试二村'],
      ['王四', '13711110004', bad, '儿童主任', '', '', '宝丰镇', '测试三村'],
      ['王五', '1371111', '', '村长', '', '', '城关镇', ''],
    ]);
    const before = counts();
    const c = checkRoster(db, w.province.path, rows);
    expect(counts()).toEqual(before);
    expect(c.problems.map((p) => [p.line, p.column, p.key])).toEqual([
      [3, 'village', 'v.import.unknownVillage'],
      [4, 'phone', 'v.import.duplicatePhone'],
      [5, 'idNumber', 'v.import.idNumberCheck'],
      [6, 'phone', 'v.import.phone'],
      [6, 'role', 'v.import.role'],
    ]);
    expect(c.problems[1]!.params).toEqual({ line: 2 });
    expect(c.summary).toMatchObject({ rows: 5, create: 1, problems: 5 });
    await expect(commitRoster(db, actor(), rows, { passwordHash: w.hash, jobId: null, now: NOW })).rejects.toBeInstanceOf(ImportRejected);
    expect(counts()).toEqual(before);
  });

  it('matches villages by name within the jurisdiction and asks for the township when a name repeats', async () => {
    insertRegion(db, { code: null, name: '测试一村', level: 5, parent: w.haoxue, isDemoName: true });
    const amb = checkRoster(db, w.province.path, await rowsOf([['甲', '13711110001', '', '儿童主任', '', '', '', '测试一村']]));
    expect(amb.problems[0]).toMatchObject({ column: 'village', key: 'v.import.ambiguousVillage', params: { name: '测试一村', n: 2 } });
    const byTownship = checkRoster(db, w.province.path, await rowsOf([['甲', '13711110001', '', '儿童主任', '', '', '城关镇', '测试一村']]));
    expect(byTownship.problems).toEqual([]);
    expect(byTownship.plans[0]!.regionId).toBe(w.cgVillage.id);
    const byCounty = checkRoster(db, w.province.path, await rowsOf([['甲', '13711110001', '', '儿童主任', '', '江陵县', '', '测试一村']]));
    expect(byCounty.plans[0]!.regionPath.startsWith(w.haoxue.path)).toBe(true);
    // a county administrator does not see the other county's villages at all
    const county = checkRoster(db, w.zhushan.path, await rowsOf([['甲', '13711110001', '', '儿童主任', '', '', '', '测试四村']]));
    expect(county.problems[0]).toMatchObject({ key: 'v.import.unknownVillage' });
    const wrongTownship = checkRoster(db, w.province.path, await rowsOf([['甲', '13711110001', '', '儿童主任', '', '', '宝丰镇', '测试一村']]));
    expect(wrongTownship.problems[0]).toMatchObject({ key: 'v.import.villageNotUnder' });
  });

  it('refuses phones of people outside the jurisdiction, deactivated accounts and ID numbers held by others', async () => {
    const other = w.person('director', w.hxVillage, '江陵人');
    const otherPhone = db.select().from(users).where(eq(users.id, other)).get()!.phone;
    db.update(users).set({ idNumber: idNumber(7) }).where(eq(users.id, other)).run();
    const off = w.person('director', w.cgVillage2, '停用人');
    db.update(users).set({ active: false }).where(eq(users.id, off)).run();
    const offPhone = db.select().from(users).where(eq(users.id, off)).get()!.phone;
    const c = checkRoster(db, w.zhushan.path, await rowsOf([
      ['甲', otherPhone, '', '儿童主任', '', '', '城关镇', '测试一村'],
      ['乙', offPhone, '', '儿童主任', '', '', '城关镇', '测试二村'],
      ['丙', '13711110003', idNumber(7), '儿童督导员', '', '', '城关镇', ''],
      ['丁', '13711110004', '', '儿童督导员', '', '', '城关镇', '测试一村'],
    ]));
    expect(c.problems.map((p) => [p.line, p.key])).toEqual([
      [2, 'v.import.phoneOutOfScope'],
      [3, 'v.import.inactive'],
      [4, 'v.import.idNumberTaken'],
      [5, 'v.import.supervisorVillage'],
    ]);
    expect(c.problems[2]!.params.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
  });
});

describe('roster commit', () => {
  it('creates people with their posts, audits each, and a re-import changes nothing', async () => {
    const rows = await rowsOf([
      ['王一', '137 1111 0001', idNumber(1), '儿童主任', '十堰市', '竹山县', '城关镇', '测试一村'],
      ['王二', '13711110002', '', '督导员', '', '', '宝丰镇', ''],
    ]);
    const r = await commitRoster(db, actor(), rows, { passwordHash: w.hash, jobId: 9, now: NOW });
    expect(r).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    expect(r.affectedRegionIds.sort()).toEqual([w.cgVillage.id, w.baofeng.id].sort());
    const u = db.select().from(users).where(eq(users.phone, '13711110001')).get()!;
    expect(u).toMatchObject({ name: '王一', idNumber: idNumber(1), mustChangePassword: true, active: true, passwordHash: w.hash });
    expect(db.select().from(roleAssignments).where(eq(roleAssignments.userId, u.id)).all()).toMatchObject([{ role: 'director', regionId: w.cgVillage.id, active: true }]);
    const after = counts();
    const again = await commitRoster(db, actor(), rows, { passwordHash: 'other', jobId: 10, now: NOW + 1000 });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, affectedRegionIds: [] });
    // only the import's own summary row is added
    expect(counts()).toEqual({ ...after, audit: after.audit + 1 });
    expect(db.select().from(users).where(eq(users.phone, '13711110001')).get()!.passwordHash).toBe(w.hash);
  });

  it('upserts by phone: a new name, an ID number and a move to another village (the old post ends)', async () => {
    const d = w.person('director', w.cgVillage, '旧名字');
    const phone = db.select().from(users).where(eq(users.id, d)).get()!.phone;
    const rows = await rowsOf([['新名字', phone, idNumber(3), '儿童主任', '', '', '城关镇', '测试二村']]);
    const c = checkRoster(db, w.province.path, rows);
    expect(c.plans[0]).toMatchObject({ action: 'update', changes: ['name', 'idNumber', 'assignment'] });
    const r = await commitRoster(db, actor(), rows, { passwordHash: w.hash, jobId: 1, now: NOW });
    expect(r.updated).toBe(1);
    expect(r.affectedRegionIds.sort()).toEqual([w.cgVillage.id, w.cgVillage2.id].sort());
    const as = db.select().from(roleAssignments).where(eq(roleAssignments.userId, d)).all();
    expect(as.map((a) => [a.regionId, a.active, a.endedAt])).toEqual([
      [w.cgVillage.id, false, NOW],
      [w.cgVillage2.id, true, null],
    ]);
    expect(db.select().from(users).where(eq(users.id, d)).get()).toMatchObject({ name: '新名字', idNumber: idNumber(3) });
    const audit = db.select().from(auditLog).where(eq(auditLog.action, 'user.import_update')).get()!;
    expect(JSON.parse(audit.before!)).toEqual({ name: '旧名字', idNumber: null });
  });

  it('keeps the dashboards\' staffing rollups equal to a recount (new people and a move)', async () => {
    rebuildRollups(db, '2026-06-01');
    const d = w.person('director', w.cgVillage, '旧名字');
    const phone = db.select().from(users).where(eq(users.id, d)).get()!.phone;
    const rows = await rowsOf([
      ['新名字', phone, '', '儿童主任', '', '', '城关镇', '测试二村'],
      ['王二', '13711110002', '', '督导员', '', '', '宝丰镇', ''],
    ]);
    await commitRoster(db, actor(), rows, { passwordHash: w.hash, jobId: 2, now: NOW });
    const kept = Object.fromEntries(dumpStats(db));
    rebuildRollups(db, '2026-06-01');
    expect(kept).toEqual(Object.fromEntries(dumpStats(db)));
    expect(Object.keys(kept).some((k) => k.includes('staff.supervisor'))).toBe(true);
  });

  it('is all-or-nothing: a failure after the first chunk leaves nothing written', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => [`王${'甲乙丙丁戊己庚辛壬癸'[i % 10]}`, `1371111${String(i).padStart(4, '0')}`, '', '儿童主任', '', '', '城关镇', '测试一村']);
    const rows = await rowsOf(lines);
    const before = counts();
    let calls = 0;
    await expect(
      commitRoster(db, actor(), rows, {
        passwordHash: w.hash,
        jobId: null,
        now: NOW,
        chunkSize: 10,
        onProgress: () => {
          if (++calls === 2) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(counts()).toEqual(before);
    expect(db.$client.inTransaction).toBe(false);
    // and the same rows then import completely, reporting progress per chunk
    const seen: number[] = [];
    await commitRoster(db, actor(), rows, { passwordHash: w.hash, jobId: null, now: NOW, chunkSize: 10, onProgress: (d) => seen.push(d) });
    expect(seen).toEqual([10, 20, 30]);
    expect(counts().users).toBe(before.users + 30);
  });

  it('applies the onboarding gate to new directors as creating them one by one does', async () => {
    syncContent(db, testContent(), NOW - 86_400_000);
    addPolicyVersion(db, { kind: 'onboarding', regionId: w.province.id, version: '1.0.0', effectiveFrom: '2026-01-01', body: { rules: [{ role: 'director', curriculum: 'onboard', dueDays: 30 }] } });
    await commitRoster(db, actor(), await rowsOf([['新主任', '13711110009', '', '儿童主任', '', '', '城关镇', '测试一村']]), { passwordHash: w.hash, jobId: null, now: NOW });
    expect(listPendingOnboarding(db, w.province.path).map((p) => p.name)).toEqual(['新主任']);
  });

  it('enrols imported people exactly as createPerson does (onboarding, cohorts, progress rows, rollups)', async () => {
    syncContent(db, testContent(), NOW - 86_400_000);
    addPolicyVersion(db, { kind: 'onboarding', regionId: w.province.id, version: '1.0.0', effectiveFrom: '2026-01-01', body: { rules: [{ role: 'director', curriculum: 'onboard', dueDays: 30 }] } });
    const refresh = db.select().from(curricula).all().find((c) => c.slug !== 'onboard')!;
    const trainer = w.person('trainer', w.zhushan);
    createLearningAssignment(db, { userId: trainer, scopePath: w.zhushan.path }, { curriculumId: refresh.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-09-30' }, NOW - 1000);
    const one = await createPerson(db, actor(), { phone: '13711110020', name: '单个', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage.id } }, NOW);
    const rollupBefore = db.select().from(regionAssignmentRollup).all();
    await commitRoster(db, actor(), await rowsOf([['批量', '13711110021', '', '儿童主任', '', '', '城关镇', '测试一村']]), { passwordHash: w.hash, jobId: null, now: NOW });
    const two = db.select().from(users).where(eq(users.phone, '13711110021')).get()!.id;
    const strip = (userId: number) => ({
      enrollments: db.select().from(enrollments).where(eq(enrollments.userId, userId)).all().map(({ id, userId: _u, roleAssignmentId, ...e }) => e),
      progress: db.select().from(courseProgress).where(eq(courseProgress.userId, userId)).all().map(({ userId: _u, ...p }) => p),
      onboarding: db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).all().map((a) => a.onboarding),
    });
    expect(strip(two).enrollments).toHaveLength(2);
    expect(strip(two)).toEqual(strip(one.id));
    // the second learner adds exactly one more to every rollup row the first one touched
    const after = new Map(db.select().from(regionAssignmentRollup).all().map((r) => [`${r.assignmentId}:${r.regionId}`, r.enrolled]));
    for (const r of rollupBefore) expect(after.get(`${r.assignmentId}:${r.regionId}`), `${r.assignmentId}:${r.regionId}`).toBe(r.enrolled + 1);
  });
});
