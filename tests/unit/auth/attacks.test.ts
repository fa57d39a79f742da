import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { signIn, changeOwnPassword } from '../../../src/lib/auth/sign-in';
import { createSession, validateSessionToken, listUserSessions, revokeUserSession, LAST_SEEN_RESOLUTION_MS } from '../../../src/lib/auth/session';
import { getDummyHash } from '../../../src/lib/auth/password';
import { listLoginHistory } from '../../../src/lib/auth/history';
import type { ThrottlePolicy } from '../../../src/lib/auth/throttle';
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
  phone: { maxFailures: 5, windowMs: 60_000, lockMs: 300_000 },
  ip: { maxFailures: 1000, windowMs: 60_000, lockMs: 300_000 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

describe('brute force and account discovery', () => {
  it('an unknown phone takes as long to refuse as a wrong password (both run scrypt once)', async () => {
    w.person('director', w.cgVillage);
    await getDummyHash();
    const known: number[] = [];
    const unknown: number[] = [];
    // interleaved, on fresh addresses and phones so no lock cuts an attempt short
    for (let i = 0; i < 8; i++) {
      let s = performance.now();
      await signIn(db, { phone: '13800000001', password: `bad${i}`, ip: `10.0.0.${i}`, now: i * 120_000 }, policy);
      known.push(performance.now() - s);
      s = performance.now();
      await signIn(db, { phone: `1380009${String(i).padStart(4, '0')}`, password: `bad${i}`, ip: `10.0.1.${i}`, now: i * 120_000 }, policy);
      unknown.push(performance.now() - s);
    }
    const ratio = median(unknown) / median(known);
    // scrypt dominates (~50 ms); a skipped hash would make the unknown phone ~100× faster
    expect(median(known)).toBeGreaterThan(5);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });

  it('the fifth wrong password locks the phone; attempts while locked are refused without a password check and kept in the history', async () => {
    const uid = w.person('director', w.cgVillage);
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await signIn(db, { phone: '13800000001', password: 'wrong-1', ip: '1.2.3.4', now: 1000 + i }, policy));
    expect(answers.slice(0, 4).every((a) => !a.ok && a.reason === 'invalid')).toBe(true);
    expect(answers.slice(4).every((a) => !a.ok && a.reason === 'locked')).toBe(true);
    // the right password changes nothing during the lock
    expect(await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1.2.3.5', now: 2000 }, policy)).toMatchObject({ ok: false, reason: 'locked' });
    const history = listLoginHistory(db, uid);
    expect(history.map((h) => h.action)).toEqual([
      'auth.sign_in_locked', 'auth.sign_in_locked', 'auth.sign_in_locked',
      'auth.sign_in_failed', 'auth.sign_in_failed', 'auth.sign_in_failed', 'auth.sign_in_failed', 'auth.sign_in_failed',
    ]);
    expect(history[0]!.ip).toBe('1.2.3.5');
    expect(history.every((h) => !h.byOther)).toBe(true);
    // after the lock, the right password works and is the newest entry
    expect((await signIn(db, { phone: '13800000001', password: 'Passw0rd!', ip: '1.2.3.5', now: 400_000 }, policy)).ok).toBe(true);
    expect(listLoginHistory(db, uid, { limit: 1 })[0]!.action).toBe('auth.sign_in');
  });
});

describe('sessions: a stolen cookie, listing and revoking', () => {
  it('a cookie copied before a password change is refused afterwards; the history shows the change', async () => {
    const uid = w.person('director', w.cgVillage);
    const stolen = createSession(db, uid, { now: 1000, userAgent: 'attacker' });
    const mine = createSession(db, uid, { now: 1000, userAgent: 'phone' });
    expect(validateSessionToken(db, stolen.token, 2000)).not.toBeNull();
    await changeOwnPassword(db, { userId: uid, current: 'Passw0rd!', next: 'NewPassw0rd', now: 3000 });
    expect(validateSessionToken(db, stolen.token, 4000)).toBeNull();
    expect(validateSessionToken(db, mine.token, 4000)).toBeNull();
    expect(listUserSessions(db, uid, 4000)).toEqual([]);
    expect(listLoginHistory(db, uid)[0]!.action).toBe('user.password_changed');
  });

  it('lists a person’s sessions with device and last use; a person revokes only their own', () => {
    const uid = w.person('director', w.cgVillage);
    const other = w.person('director', w.cgVillage2);
    const a = createSession(db, uid, { now: 1000, ip: '1.1.1.1', userAgent: 'Mozilla/5.0 (Linux; Android 14)' });
    const b = createSession(db, uid, { now: 2000, ip: '2.2.2.2', userAgent: 'Mozilla/5.0 (iPhone)' });
    const o = createSession(db, other, { now: 2000 });
    // last seen moves forward at most once a minute
    validateSessionToken(db, a.token, 1000 + LAST_SEEN_RESOLUTION_MS / 2);
    expect(listUserSessions(db, uid, 5000).find((s) => s.id === a.id)!.lastSeenAt).toBe(1000);
    validateSessionToken(db, a.token, 1000 + LAST_SEEN_RESOLUTION_MS + 1);
    const list = listUserSessions(db, uid, 1000 + LAST_SEEN_RESOLUTION_MS + 2, b.id);
    expect(list.map((s) => [s.id, s.current, s.userAgent])).toEqual([
      [a.id, false, 'Mozilla/5.0 (Linux; Android 14)'],
      [b.id, true, 'Mozilla/5.0 (iPhone)'],
    ]);
    expect(list[0]!.lastSeenAt).toBe(1000 + LAST_SEEN_RESOLUTION_MS + 1);
    // someone else's session id, a malformed id: nothing happens
    expect(revokeUserSession(db, { userId: uid }, uid, o.id)).toBe(false);
    expect(revokeUserSession(db, { userId: uid }, uid, "' or 1=1 --")).toBe(false);
    expect(validateSessionToken(db, o.token, 3000)).not.toBeNull();
    expect(revokeUserSession(db, { userId: uid, ip: '2.2.2.2' }, uid, a.id)).toBe(true);
    expect(validateSessionToken(db, a.token, 3000)).toBeNull();
    expect(validateSessionToken(db, b.token, 3000)).not.toBeNull();
    const h = listLoginHistory(db, uid);
    expect(h[0]).toMatchObject({ action: 'auth.session_revoked', ip: '2.2.2.2', byOther: false });
    // an administrator's revocation shows as done by someone else
    const admin = w.person('admin', w.province);
    expect(revokeUserSession(db, { userId: admin }, uid, b.id)).toBe(true);
    expect(listLoginHistory(db, uid)[0]!.byOther).toBe(true);
  });
});
