import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { signIn, changeOwnPassword } from '../../../src/lib/auth/sign-in';
import { recordFailure, getLockedUntil, phoneKey, ipKey, type ThrottlePolicy } from '../../../src/lib/auth/throttle';
import { FieldError } from '../../../src/lib/errors';
import { listAudit } from '../../../src/lib/audit/audit';
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

const policy: ThrottlePolicy = {
  phone: { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 },
  ip: { maxFailures: 10, windowMs: 60_000, lockMs: 300_000 },
};

describe('sign-in', () => {
  it('accepts the right password', async () => {
    const uid = w.person('director', w.cgVillage);
    const r = await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1.1.1.1', now: 0 }, policy);
    expect(r).toEqual({ ok: true, userId: uid, mustChangePassword: false });
  });

  it('answers an unknown phone exactly like a wrong password', async () => {
    w.person('director', w.cgVillage);
    const wrong = await signIn(db, { phone: '13800000001', password: 'nope', ip: '1.1.1.1', now: 0 }, policy);
    const unknown = await signIn(db, { phone: '13811112222', password: 'nope', ip: '1.1.1.2', now: 0 }, policy);
    expect(wrong).toEqual({ ok: false, reason: 'invalid' });
    expect(unknown).toEqual(wrong);
  });

  it('locks a phone after repeated failures, says until when, and unknown phones lock the same way', async () => {
    w.person('director', w.cgVillage);
    for (const phone of ['13800000001', '13899998888']) {
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await signIn(db, { phone, password: 'bad', ip: `9.9.9.${phone.length + i}`, now: 1000 }, policy));
      expect(results[2]).toEqual({ ok: false, reason: 'locked', until: 301_000 });
    }
    // even the right password is refused while locked
    const locked = await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '2.2.2.2', now: 2000 }, policy);
    expect(locked).toEqual({ ok: false, reason: 'locked', until: 301_000 });
    const after = await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '2.2.2.2', now: 302_000 }, policy);
    expect(after.ok).toBe(true);
  });

  it('limits one client address trying many phones', async () => {
    for (let i = 0; i < 10; i++) await signIn(db, { phone: `1381234${String(i).padStart(4, '0')}`, password: 'x', ip: '6.6.6.6', now: 0 }, policy);
    expect(getLockedUntil(db, [ipKey('6.6.6.6')], 1)).toBe(300_000);
    w.person('director', w.cgVillage);
    const r = await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '6.6.6.6', now: 10 }, policy);
    expect(r.ok).toBe(false);
  });

  it('forgets failures outside the window and after a success', async () => {
    recordFailure(db, [phoneKey('13800000001')], 0, policy);
    recordFailure(db, [phoneKey('13800000001')], 1, policy);
    expect(recordFailure(db, [phoneKey('13800000001')], 120_000, policy)).toBeNull();
    w.person('director', w.cgVillage);
    await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1.1.1.1', now: 120_001 }, policy);
    expect(recordFailure(db, [phoneKey('13800000001')], 120_002, policy)).toBeNull();
    expect(recordFailure(db, [phoneKey('13800000001')], 120_003, policy)).toBeNull();
  });

  it('tells a deactivated person so only when the password is right', async () => {
    const uid = w.person('director', w.cgVillage);
    db.$client.prepare('update users set active = 0 where id = ?').run(uid);
    expect(await signIn(db, { phone: '13800000001', password: 'bad', ip: '1', now: 0 }, policy)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1', now: 0 }, policy)).toEqual({ ok: false, reason: 'inactive' });
  });

  it('audits sign-ins and failures', async () => {
    w.person('director', w.cgVillage);
    await signIn(db, { phone: '13800000001', password: 'bad', ip: '1.2.3.4', now: 5 }, policy);
    await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1.2.3.4', now: 6 }, policy);
    const rows = listAudit(db, { scopePath: w.province.path });
    expect(rows.map((r) => r.action)).toEqual(['auth.sign_in', 'auth.sign_in_failed']);
    expect(rows[0]!.ip).toBe('1.2.3.4');
  });
});

describe('changing one’s own password', () => {
  it('checks the current password and the policy, naming the field', async () => {
    const uid = w.person('director', w.cgVillage);
    const attempt = (current: string, next: string) => changeOwnPassword(db, { userId: uid, current, next, now: 1 });
    await expect(attempt('wrong', 'NewPass123')).rejects.toMatchObject({ field: 'current', key: 'v.currentPassword' });
    await expect(attempt('Passw0rd!', 'short1')).rejects.toMatchObject({ field: 'next', key: 'v.password.too_short' });
    await expect(attempt('Passw0rd!', 'x13800000001')).rejects.toMatchObject({ field: 'next', key: 'v.password.same_as_phone' });
    await expect(attempt('Passw0rd!', 'Passw0rd!')).rejects.toBeInstanceOf(FieldError);
    await attempt('Passw0rd!', 'NewPass123');
    const r = await signIn(db, { phone: '13800000001', password: 'NewPass123', ip: '1', now: 2 });
    expect(r.ok).toBe(true);
  });
});
