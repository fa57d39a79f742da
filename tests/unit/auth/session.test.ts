import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import {
  createSession,
  validateSessionToken,
  invalidateSession,
  invalidateUserSessions,
  setSessionAssignment,
  sessionIdFromToken,
  DAY_MS,
} from '../../../src/lib/auth/session';
import { changeOwnPassword } from '../../../src/lib/auth/sign-in';
import { sessions, users } from '../../../db/schema/index';
import { insertAssignment } from '../../../db/seed/factories';
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

describe('sessions (Lucia pattern)', () => {
  it('stores only the SHA-256 of the token', () => {
    const uid = w.person('director', w.cgVillage);
    const s = createSession(db, uid, { now: 1_000 });
    const row = db.select().from(sessions).get()!;
    expect(row.id).toBe(sessionIdFromToken(s.token));
    expect(row.id).not.toContain(s.token);
    expect(row.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('validates, exposes the person and their active assignment', () => {
    const uid = w.person('director', w.cgVillage, '李春燕');
    const s = createSession(db, uid, { now: 0 });
    const v = validateSessionToken(db, s.token, 1000)!;
    expect(v.user.name).toBe('李春燕');
    expect(v.active?.role).toBe('director');
    expect(v.active?.regionPath).toBe(w.cgVillage.path);
  });

  it('rejects unknown and malformed tokens', () => {
    expect(validateSessionToken(db, 'a'.repeat(32), 0)).toBeNull();
    expect(validateSessionToken(db, "'; drop table users; --", 0)).toBeNull();
  });

  it('expires, and slides the expiry forward once half the lifetime has passed', () => {
    const uid = w.person('director', w.cgVillage);
    const s = createSession(db, uid, { now: 0, policy: { days: 30 } });
    const early = validateSessionToken(db, s.token, 5 * DAY_MS)!;
    expect(early.renewed).toBe(false);
    const late = validateSessionToken(db, s.token, 20 * DAY_MS)!;
    expect(late.renewed).toBe(true);
    expect(late.expiresAt).toBe(50 * DAY_MS);
    expect(validateSessionToken(db, s.token, 51 * DAY_MS)).toBeNull();
    expect(db.select().from(sessions).all()).toHaveLength(0);
  });

  it('signs out one device or everywhere', () => {
    const uid = w.person('director', w.cgVillage);
    const a = createSession(db, uid, { now: 0 });
    const b = createSession(db, uid, { now: 0 });
    invalidateSession(db, a.id);
    expect(validateSessionToken(db, a.token, 1)).toBeNull();
    expect(validateSessionToken(db, b.token, 1)).not.toBeNull();
    invalidateUserSessions(db, uid);
    expect(validateSessionToken(db, b.token, 1)).toBeNull();
  });

  it('ends sessions of a deactivated person', () => {
    const uid = w.person('director', w.cgVillage);
    const s = createSession(db, uid, { now: 0 });
    db.update(users).set({ active: false }).where(eq(users.id, uid)).run();
    expect(validateSessionToken(db, s.token, 1)).toBeNull();
  });

  it('a password change ends every session, including a stolen cookie', async () => {
    const uid = w.person('director', w.cgVillage);
    const stolen = createSession(db, uid, { now: Date.now() });
    await changeOwnPassword(db, { userId: uid, current: 'Passw0rd!', next: 'NewPass123', now: Date.now() });
    expect(validateSessionToken(db, stolen.token, Date.now())).toBeNull();
  });

  it('switches only to the person’s own assignments', () => {
    const uid = w.person('trainer', w.zhushan);
    const second = insertAssignment(db, uid, 'director', w.cgVillage2.id);
    const other = w.person('official', w.zhushan);
    const otherAssignment = insertAssignment(db, other, 'admin', w.zhushan.id);
    const s = createSession(db, uid, { now: 0 });
    const v = validateSessionToken(db, s.token, 1)!;
    expect(v.assignments).toHaveLength(2);
    expect(setSessionAssignment(db, v, otherAssignment)).toBe(false);
    expect(setSessionAssignment(db, v, second)).toBe(true);
    expect(validateSessionToken(db, s.token, 2)!.active?.role).toBe('director');
  });
});
