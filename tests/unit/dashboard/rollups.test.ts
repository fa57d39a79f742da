import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, closeCase, updateCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, verifyEntries, returnEntry } from '../../../src/lib/fieldwork/entries';
import { computeRatings } from '../../../src/lib/fieldwork/performance';
import { computeRun, submitRun, reviewTownship, approveRun } from '../../../src/lib/subsidy/runs';
import { addAssignment, endAssignment, setPersonActive } from '../../../src/lib/people/people';
import { issueCertificate, revokeCertificate, reissueCertificate } from '../../../src/lib/certification/certificates';
import { insertRegion, type Region } from '../../../src/lib/org/regions';
import {
  rebuildRollups,
  dumpStats,
  readStats,
  refreshOverdue,
  overdueAsOf,
  refreshStaffingRollups,
  rollupsEmpty,
  M,
  P,
} from '../../../src/lib/dashboard/rollups';
import { roleAssignments, certificates, users } from '../../../db/schema/index';
import { syncContent } from '../../../src/lib/learning/sync';
import { loadContent } from '../../../src/lib/learning/content';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
const at = (day: string, hour = 10) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;

function actorOf(userId: number, role?: string): FieldActor {
  const rows = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).all();
  const a = rows.find((r) => !role || r.role === role)!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

/** Rebuilds from scratch (for the same "overdue as of" day) and returns both dumps. */
function recount(): { kept: Record<string, number>; rebuilt: Record<string, number> } {
  const asOf = overdueAsOf(db) ?? '2026-01-01';
  const kept = Object.fromEntries(dumpStats(db));
  rebuildRollups(db, asOf);
  const rebuilt = Object.fromEntries(dumpStats(db));
  return { kept, rebuilt };
}

function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T,>(a: T[]) => a[Math.floor(next() * a.length)]! };
}

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
});
afterEach(() => t.cleanup());

describe('coverage figures', () => {
  it('counts villages and townships with an active director or supervisor, people and onboarding, from rollup rows', () => {
    rebuildRollups(db, '2026-06-01');
    const zs = w.zhushan;
    const before = readStats(db, [zs.id, w.chengguan.id, w.cgVillage.id]);
    const villages = before.get(zs.id)!.get(M.villages);
    expect(villages).toBe(3); // the three test villages of 竹山县
    expect(before.get(w.chengguan.id)!.get(M.villages)).toBe(2);
    expect(before.get(zs.id)!.get(M.townships)).toBeGreaterThan(10);
    expect(before.get(zs.id)!.get(M.villagesCovered)).toBe(0);

    const d1 = w.person('director', w.cgVillage, '甲');
    w.person('director', w.cgVillage, '乙'); // a second director does not cover the village twice
    w.person('supervisor', w.chengguan, '丙');
    const s = readStats(db, [zs.id, w.chengguan.id, w.cgVillage.id, w.shiyan.id, w.province.id]);
    expect(s.get(w.cgVillage.id)!.get(M.villagesCovered)).toBe(1);
    expect(s.get(zs.id)!.get(M.villagesCovered)).toBe(1);
    expect(s.get(zs.id)!.get(M.directors)).toBe(2);
    expect(s.get(zs.id)!.get(M.townshipsCovered)).toBe(1);
    expect(s.get(w.province.id)!.get(M.directors)).toBe(2);
    expect(s.get(w.shiyan.id)!.get(M.supervisors)).toBe(1);

    // a deactivated person stops covering; the village stays covered by the other director
    const admin = w.person('admin', w.province, '管理员');
    setPersonActive(db, { userId: admin, scopePath: w.province.path }, d1, false);
    const s2 = readStats(db, [zs.id]).get(zs.id)!;
    expect(s2.get(M.directors)).toBe(1);
    expect(s2.get(M.villagesCovered)).toBe(1);

    // a new director role meets the onboarding gate (the real curricula and policy): 待上岗 is counted
    syncContent(db, loadContent('content'), Date.now() - DAY);
    const newcomer = w.person('caregiver', w.shiyan, '丁');
    addAssignment(db, { userId: admin, scopePath: w.province.path }, newcomer, { role: 'director', regionId: w.cgVillage2.id, institutionId: null });
    const s3 = readStats(db, [zs.id]).get(zs.id)!;
    expect(s3.get(M.onboardingPending)).toBe(1);
    expect(s3.get(M.villagesCovered)).toBe(2);
    const { kept, rebuilt } = recount();
    expect(kept).toEqual(rebuilt);
  });

  it('bulk inserts are counted after refreshStaffingRollups, and only then', () => {
    rebuildRollups(db, '2026-06-01');
    const u = db.insert(users).values({ phone: '13999990000', name: '导入', passwordHash: w.hash, createdAt: 0, updatedAt: 0, passwordChangedAt: 0 }).returning().get();
    db.insert(roleAssignments).values({ userId: u.id, role: 'director', regionId: w.hxVillage.id, regionPath: w.hxVillage.path, active: true, createdAt: 0 }).run();
    expect(readStats(db, [w.jiangling.id]).get(w.jiangling.id)!.get(M.directors)).toBe(0);
    refreshStaffingRollups(db, [w.hxVillage.id, w.haoxue.id]);
    const s = readStats(db, [w.jiangling.id, w.province.id]);
    expect(s.get(w.jiangling.id)!.get(M.directors)).toBe(1);
    expect(s.get(w.jiangling.id)!.get(M.villagesCovered)).toBe(1);
    expect(s.get(w.province.id)!.get(M.directors)).toBe(1);
    const { kept, rebuilt } = recount();
    expect(kept).toEqual(rebuilt);
  });

  it('is empty before the first build', () => {
    expect(rollupsEmpty(db)).toBe(true);
    rebuildRollups(db, '2026-06-01');
    expect(rollupsEmpty(db)).toBe(false);
  });
});

describe('rollups equal a recount after a random sequence of events', () => {
  it.each([1, 2, 3])('seed %i', async (seed) => {
    const rng = prng(seed);
    // the real courses and curricula: directors given a role through addAssignment meet the onboarding gate
    syncContent(db, loadContent('content'), at('2026-03-01'));
    rebuildRollups(db, '2026-04-01');
    const admin = w.person('admin', w.province, '管理员');
    const adminActor = { userId: admin, scopePath: w.province.path };
    const official = actorOf(w.person('official', w.zhushan, '县官'));
    const supervisors = [actorOf(w.person('supervisor', w.chengguan, '督一')), actorOf(w.person('supervisor', w.baofeng, '督二'))];
    const extra: Region[] = [];
    const villages = () => [w.cgVillage, w.cgVillage2, w.bfVillage, ...extra];
    const directors: FieldActor[] = [];
    const cases: { id: number; actor: FieldActor; open: boolean }[] = [];
    const pending: { id: number; actor: FieldActor }[] = [];
    let day = at('2026-04-02');
    let n = 0;
    for (let step = 0; step < 120; step++) {
      day += rng.int(2) * DAY;
      const r = rng.next();
      if (r < 0.1 || directors.length === 0) {
        const v = rng.pick(villages());
        directors.push(actorOf(w.person('director', v, `主任${++n}`)));
      } else if (r < 0.15) {
        const d = rng.pick(directors);
        const ra = db.select().from(roleAssignments).where(eq(roleAssignments.userId, d.userId)).all().find((x) => x.active);
        if (ra) endAssignment(db, adminActor, d.userId, ra.id, day);
        else addAssignment(db, adminActor, d.userId, { role: 'director', regionId: rng.pick(villages()).id, institutionId: null }, day);
      } else if (r < 0.18) {
        const d = rng.pick(directors);
        const u = db.select().from(users).where(eq(users.id, d.userId)).get()!;
        setPersonActive(db, adminActor, d.userId, !u.active, day);
      } else if (r < 0.2) {
        extra.push(insertRegion(db, { code: null, name: `新村${extra.length}`, level: 5, parent: rng.pick([w.chengguan, w.baofeng]), isDemoName: true }));
      } else if (r < 0.35) {
        const d = rng.pick(directors);
        const c = createCase(db, d, { code: `R${step}`, category: rng.pick(['difficult', 'left_behind', 'orphan'] as const), guardianSituation: 'relatives', risk: rng.pick(['low', 'medium', 'high'] as const), openedOn: '2026-04-01', note: '' }, day);
        cases.push({ id: c.id, actor: d, open: true });
      } else if (r < 0.6 && cases.some((c) => c.open)) {
        const c = rng.pick(cases.filter((x) => x.open));
        const d = new Date(day + 8 * 3600_000).toISOString().slice(0, 10);
        const e = submitEntry(db, c.actor, { type: 'visit', clientId: `v-${seed}-${step}-xyz`, day: d, caseId: c.id, mode: 'in_person', findings: '孩子在家，生活正常。', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] }, day);
        pending.push({ id: e.entry.id, actor: c.actor });
      } else if (r < 0.72 && pending.length > 0) {
        const p = pending.splice(rng.int(pending.length), 1)[0]!;
        const sv = supervisors.find((s) => p.actor.regionPath.startsWith(s.regionPath))!;
        if (rng.next() < 0.8) verifyEntries(db, sv, [p.id], day);
        else returnEntry(db, sv, p.id, '请补充走访情况', day);
      } else if (r < 0.76 && cases.some((c) => c.open)) {
        const c = rng.pick(cases.filter((x) => x.open));
        if (rng.next() < 0.5) {
          closeCase(db, c.actor, c.id, { closedOn: '2026-04-02', closeReason: '年满十八周岁' }, day);
          c.open = false;
        } else updateCase(db, c.actor, c.id, { category: 'difficult', guardianSituation: 'relatives', risk: rng.pick(['low', 'high'] as const), note: '' }, day);
      } else if (r < 0.86) {
        const d = rng.pick(directors);
        const kind = rng.pick(['curriculum', 'course', 'skill-level'] as const);
        db.transaction((tx) => issueCertificate(tx as unknown as Db, { userId: d.userId, kind, level: kind === 'skill-level' ? String(1 + rng.int(5)) : null, title: '测试证书', hours: 10, basedOn: [], regionPath: d.regionPath }, day));
      } else if (r < 0.9) {
        const valid = db.select().from(certificates).where(eq(certificates.status, 'valid')).all();
        if (valid.length) {
          const c = rng.pick(valid);
          if (rng.next() < 0.5) revokeCertificate(db, { userId: admin, scopePath: w.province.path }, c.id, '信息有误需撤销', day);
          else reissueCertificate(db, { userId: admin, scopePath: w.province.path }, c.id, '姓名更正重发', day);
        }
      } else if (r < 0.95) {
        refreshOverdue(db, new Date(day + 8 * 3600_000).toISOString().slice(0, 10));
      } else {
        computeRatings(db, official, w.zhushan.id, '2026-04', day);
      }
    }
    // and one approved subsidy run
    const month = '2026-04';
    const run = computeRun(db, official, w.zhushan.id, month, at('2026-05-03'));
    submitRun(db, official, run.id, at('2026-05-03'));
    for (const s of supervisors) {
      try {
        reviewTownship(db, s, run.id, '已核对', at('2026-05-03'));
      } catch {
        /* a township without lines in this run */
      }
    }
    approveRun(db, official, run.id, at('2026-05-04'));

    const stats = readStats(db, [w.zhushan.id], { periods: [month] }).get(w.zhushan.id)!;
    expect(stats.get(M.casesActive)).toBe(cases.filter((c) => c.open).length);
    expect(stats.get(P.subsidyLines, month)).toBe(run.lineCount);
    const { kept, rebuilt } = recount();
    expect(Object.keys(kept).length).toBeGreaterThan(20);
    expect(kept).toEqual(rebuilt);
  });
});
