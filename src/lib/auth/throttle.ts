import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { authThrottle } from '../../../db/schema/index';

/**
 * Sign-in throttling. Failures are counted per key within a window; reaching the limit locks the key
 * until `lockedUntil`. Keys are "phone:<number>" (whether or not that phone has an account, so a lock
 * reveals nothing) and "ip:<address>".
 */
export interface ThrottleRule {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}
export interface ThrottlePolicy {
  phone: ThrottleRule;
  ip: ThrottleRule;
}
export const defaultThrottlePolicy: ThrottlePolicy = {
  phone: { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  ip: { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
};

export const phoneKey = (phone: string) => `phone:${phone}`;
export const ipKey = (ip: string) => `ip:${ip}`;

/** The latest lock among the keys still in force, or null. */
export function getLockedUntil(db: Db, keys: string[], now: number): number | null {
  if (keys.length === 0) return null;
  const rows = db.select().from(authThrottle).where(inArray(authThrottle.key, keys)).all();
  let until: number | null = null;
  for (const r of rows) if (r.lockedUntil && r.lockedUntil > now) until = Math.max(until ?? 0, r.lockedUntil);
  return until;
}

function ruleFor(key: string, policy: ThrottlePolicy): ThrottleRule {
  return key.startsWith('ip:') ? policy.ip : policy.phone;
}

/** Counts one failure against every key; returns the lock now in force, if any. */
export function recordFailure(db: Db, keys: string[], now: number, policy: ThrottlePolicy = defaultThrottlePolicy): number | null {
  return db.transaction((tx) => {
    let until: number | null = null;
    for (const key of keys) {
      const rule = ruleFor(key, policy);
      const row = tx.select().from(authThrottle).where(eq(authThrottle.key, key)).get();
      let failures = 1;
      let windowStart = now;
      if (row && now - row.windowStart < rule.windowMs) {
        failures = row.failures + 1;
        windowStart = row.windowStart;
      }
      let lockedUntil = row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
      if (failures >= rule.maxFailures) {
        lockedUntil = now + rule.lockMs;
        failures = 0;
        windowStart = now;
      }
      tx.insert(authThrottle)
        .values({ key, failures, windowStart, lockedUntil })
        .onConflictDoUpdate({ target: authThrottle.key, set: { failures, windowStart, lockedUntil } })
        .run();
      if (lockedUntil) until = Math.max(until ?? 0, lockedUntil);
    }
    return until;
  });
}

export function clearFailures(db: Db, key: string): void {
  db.delete(authThrottle).where(eq(authThrottle.key, key)).run();
}
