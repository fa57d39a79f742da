import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { users } from '../../../db/schema/index';
import { getDummyHash, verifyPassword, hashPassword, checkPasswordPolicy } from './password';
import { clearFailures, getLockedUntil, ipKey, phoneKey, recordFailure, defaultThrottlePolicy, type ThrottlePolicy } from './throttle';
import { invalidateUserSessions } from './session';
import { writeAudit } from '../audit/audit';
import { FieldError } from '../errors';

export type SignInResult =
  | { ok: true; userId: number; mustChangePassword: boolean }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; until: number }
  | { ok: false; reason: 'inactive' };

/**
 * Checks phone + password under throttling. The answer for an unknown phone is the same, and takes as
 * long, as for a wrong password; locks are per phone number (existing or not) and per client address.
 */
export async function signIn(
  db: Db,
  input: { phone: string; password: string; ip: string; now: number },
  policy: ThrottlePolicy = defaultThrottlePolicy,
): Promise<SignInResult> {
  const keys = [phoneKey(input.phone), ipKey(input.ip)];
  const locked = getLockedUntil(db, keys, input.now);
  const user = db.select().from(users).where(eq(users.phone, input.phone)).get();
  if (locked) {
    // kept in the person's sign-in history (no password is checked, so the answer is as quick for any phone)
    writeAudit(db, { actorUserId: user?.id ?? null, action: 'auth.sign_in_locked', entityType: 'user', entityId: user?.id ?? null, ip: input.ip, at: input.now });
    return { ok: false, reason: 'locked', until: locked };
  }

  const valid = await verifyPassword(user?.passwordHash ?? (await getDummyHash()), input.password);
  if (!user || !valid) {
    const until = recordFailure(db, keys, input.now, policy);
    writeAudit(db, {
      actorUserId: user?.id ?? null,
      action: 'auth.sign_in_failed',
      entityType: 'user',
      entityId: user?.id ?? null,
      regionPath: null,
      ip: input.ip,
      at: input.now,
    });
    return until ? { ok: false, reason: 'locked', until } : { ok: false, reason: 'invalid' };
  }
  if (!user.active) return { ok: false, reason: 'inactive' };
  clearFailures(db, phoneKey(input.phone));
  writeAudit(db, { actorUserId: user.id, action: 'auth.sign_in', entityType: 'user', entityId: user.id, ip: input.ip, at: input.now });
  return { ok: true, userId: user.id, mustChangePassword: user.mustChangePassword };
}

/**
 * A person changes their own password. Every session of theirs ends (sign-out everywhere); the caller
 * starts a fresh one for the device in hand.
 */
export async function changeOwnPassword(
  db: Db,
  input: { userId: number; current: string; next: string; ip?: string | null; now: number },
): Promise<void> {
  const user = db.select().from(users).where(eq(users.id, input.userId)).get();
  if (!user) throw new FieldError('current', 'v.invalid');
  if (!(await verifyPassword(user.passwordHash, input.current))) throw new FieldError('current', 'v.currentPassword');
  const problem = checkPasswordPolicy(input.next, user.phone);
  if (problem) throw new FieldError('next', `v.password.${problem}`);
  if (input.next === input.current) throw new FieldError('next', 'v.password.unchanged');
  const passwordHash = await hashPassword(input.next);
  db.transaction((tx) => {
    tx.update(users)
      .set({ passwordHash, mustChangePassword: false, passwordChangedAt: input.now, updatedAt: input.now })
      .where(eq(users.id, user.id))
      .run();
    invalidateUserSessions(tx as unknown as Db, user.id);
    writeAudit(tx, {
      actorUserId: user.id,
      action: 'user.password_changed',
      entityType: 'user',
      entityId: user.id,
      ip: input.ip,
      at: input.now,
    });
  });
}
