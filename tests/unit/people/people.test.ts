import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import {
  listPeople,
  getPersonInScope,
  createPerson,
  updatePerson,
  setPersonActive,
  resetPassword,
  addAssignment,
  endAssignment,
  type Actor,
} from '../../../src/lib/people/people';
import { listAudit } from '../../../src/lib/audit/audit';
import { signIn } from '../../../src/lib/auth/sign-in';
import { createSession, validateSessionToken } from '../../../src/lib/auth/session';
import { NotFoundError } from '../../../src/lib/errors';
import { institutions } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

describe('jurisdiction of people', () => {
  it('a supervisor sees their township only; a county official their county; the province everything', () => {
    const d1 = w.person('director', w.cgVillage, '城关主任');
    const d2 = w.person('director', w.bfVillage, '宝丰主任');
    const d3 = w.person('director', w.hxVillage, '郝穴主任');
    const names = (path: string) => listPeople(db, { scopePath: path }).rows.map((p) => p.name).sort();
    expect(names(w.chengguan.path)).toEqual(['城关主任']);
    expect(names(w.zhushan.path)).toEqual(['城关主任', '宝丰主任'].sort());
    expect(names(w.jiangling.path)).toEqual(['郝穴主任']);
    expect(names(w.province.path)).toHaveLength(3);
    expect(getPersonInScope(db, w.zhushan.path, d3)).toBeNull();
    expect(getPersonInScope(db, w.jiangling.path, d3)?.name).toBe('郝穴主任');
    expect(getPersonInScope(db, w.chengguan.path, d2)).toBeNull();
    expect(getPersonInScope(db, w.chengguan.path, d1)).not.toBeNull();
  });

  it('filters by role, region, status and text, and pages', () => {
    for (let i = 0; i < 25; i++) w.person('director', w.cgVillage, `主任${i}`);
    w.person('supervisor', w.chengguan, '督导甲');
    const all = listPeople(db, { scopePath: w.zhushan.path, pageSize: 10, page: 3 });
    expect(all.total).toBe(26);
    expect(all.rows).toHaveLength(6);
    expect(listPeople(db, { scopePath: w.zhushan.path, role: 'supervisor' }).rows.map((p) => p.name)).toEqual(['督导甲']);
    expect(listPeople(db, { scopePath: w.zhushan.path, q: '督导' }).total).toBe(1);
    expect(listPeople(db, { scopePath: w.zhushan.path, regionPath: w.baofeng.path }).total).toBe(0);
    // a region outside the scope cannot widen it
    expect(listPeople(db, { scopePath: w.chengguan.path, regionPath: w.province.path }).total).toBe(26);
    expect(listPeople(db, { scopePath: w.zhushan.path, q: '%' }).total).toBe(26);
  });
});

describe('administering people', () => {
  const actorAt = (path: string, userId: number): Actor => ({ userId, scopePath: path, ip: '10.0.0.1' });

  it('creates a person with a temporary password that must be changed, and audits it', async () => {
    const admin = w.person('admin', w.zhushan, '县管理员');
    const actor = actorAt(w.zhushan.path, admin);
    const { id, temporaryPassword } = await createPerson(db, actor, {
      phone: '13712345678',
      name: '新主任',
      idNumber: null,
      assignment: { role: 'director', regionId: w.cgVillage2.id },
    });
    const r = await signIn(db, { phone: '13712345678', password: temporaryPassword, ip: '1', now: Date.now() });
    expect(r).toMatchObject({ ok: true, userId: id, mustChangePassword: true });
    const audit = listAudit(db, { scopePath: w.zhushan.path });
    expect(audit[0]).toMatchObject({ action: 'user.create', actorName: '县管理员', entityId: String(id), ip: '10.0.0.1' });
    expect(audit[0]!.after).toContain('新主任');
    expect(audit[0]!.after).not.toContain(temporaryPassword);
  });

  it('refuses assignments outside the scope or at the wrong level, naming the field', async () => {
    const admin = w.person('admin', w.zhushan);
    const actor = actorAt(w.zhushan.path, admin);
    const make = (regionId: number, role: 'director' | 'supervisor' | 'caregiver' = 'director', institutionId: number | null = null) =>
      createPerson(db, actor, { phone: '13712345678', name: '某人', idNumber: null, assignment: { role, regionId, institutionId } });
    await expect(make(w.hxVillage.id)).rejects.toMatchObject({ field: 'regionId', key: 'v.regionOutOfScope' });
    await expect(make(w.chengguan.id)).rejects.toMatchObject({ field: 'regionId', key: 'v.roleLevel.director' });
    await expect(make(w.cgVillage.id, 'supervisor')).rejects.toMatchObject({ field: 'regionId', key: 'v.roleLevel.supervisor' });
    await expect(make(w.zhushan.id, 'caregiver')).rejects.toMatchObject({ field: 'institutionId' });
    w.person('director', w.cgVillage);
    await expect(
      createPerson(db, actor, { phone: '13800000002', name: '某人', idNumber: null, assignment: { role: 'director', regionId: w.cgVillage.id } }),
    ).rejects.toMatchObject({ field: 'phone', key: 'v.phoneTaken' });
  });

  it('creates a caregiver at an institution of the region', async () => {
    const admin = w.person('admin', w.province);
    const inst = db.select().from(institutions).all().find((i) => i.regionId === w.shiyan.id)!;
    expect(inst.name).toBe('十堰市儿童福利院');
    const { id } = await createPerson(db, actorAt(w.province.path, admin), {
      phone: '13712345670',
      name: '护理员甲',
      idNumber: null,
      assignment: { role: 'caregiver', regionId: w.shiyan.id, institutionId: inst.id },
    });
    expect(getPersonInScope(db, w.shiyan.path, id)?.assignments[0]?.institutionName).toBe('十堰市儿童福利院');
  });

  it('edits, deactivates (ending sessions), reactivates and resets, each audited with before → after', async () => {
    const admin = w.person('admin', w.zhushan);
    const actor = actorAt(w.zhushan.path, admin);
    const uid = w.person('director', w.cgVillage, '旧名');
    updatePerson(db, actor, uid, { name: '新名', phone: '13800000002', idNumber: '420323199001011239' });
    const s = createSession(db, uid, { now: Date.now() });
    setPersonActive(db, actor, uid, false);
    expect(validateSessionToken(db, s.token, Date.now())).toBeNull();
    setPersonActive(db, actor, uid, true);
    const s2 = createSession(db, uid, { now: Date.now() });
    const temp = await resetPassword(db, actor, uid);
    expect(validateSessionToken(db, s2.token, Date.now())).toBeNull();
    expect((await signIn(db, { phone: '13800000002', password: temp, ip: '1', now: Date.now() })).ok).toBe(true);
    const rows = listAudit(db, { scopePath: w.zhushan.path, entityType: 'user', entityId: String(uid) });
    expect(rows.map((r) => r.action).filter((a) => a.startsWith('user.'))).toEqual(['user.password_reset', 'user.activate', 'user.deactivate', 'user.update']);
    const upd = rows.find((r) => r.action === 'user.update')!;
    expect(JSON.parse(upd.before!)).toMatchObject({ name: '旧名' });
    expect(JSON.parse(upd.after!)).toMatchObject({ name: '新名' });
  });

  it('cannot touch a person outside the scope (not found, nothing written)', async () => {
    const admin = w.person('admin', w.zhushan);
    const actor = actorAt(w.zhushan.path, admin);
    const foreign = w.person('director', w.hxVillage);
    expect(() => updatePerson(db, actor, foreign, { name: 'x', phone: '13800000009', idNumber: null })).toThrow(NotFoundError);
    expect(() => setPersonActive(db, actor, foreign, false)).toThrow(NotFoundError);
    await expect(resetPassword(db, actor, foreign)).rejects.toBeInstanceOf(NotFoundError);
    expect(() => addAssignment(db, actor, foreign, { role: 'director', regionId: w.cgVillage.id })).toThrow(NotFoundError);
    expect(listAudit(db, { scopePath: w.province.path })).toHaveLength(0);
  });

  it('adds and ends role assignments; an admin cannot end their own admin role or deactivate themselves', () => {
    const admin = w.person('admin', w.zhushan);
    const actor = actorAt(w.zhushan.path, admin);
    const uid = w.person('director', w.cgVillage);
    const aid = addAssignment(db, actor, uid, { role: 'supervisor', regionId: w.chengguan.id });
    expect(() => addAssignment(db, actor, uid, { role: 'supervisor', regionId: w.chengguan.id })).toThrow(/v.assignmentExists/);
    endAssignment(db, actor, uid, aid);
    expect(getPersonInScope(db, w.zhushan.path, uid)!.assignments.find((a) => a.id === aid)!.active).toBe(false);
    const own = getPersonInScope(db, w.zhushan.path, admin)!.assignments[0]!.id;
    expect(() => endAssignment(db, actor, admin, own)).toThrow(/v.cannotEndOwnAdmin/);
    expect(() => setPersonActive(db, actor, admin, false)).toThrow(/v.cannotDeactivateSelf/);
  });
});
