import { createHash, randomBytes } from 'node:crypto';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { sessions, users, roleAssignments, regions } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { writeAudit } from '../audit/audit';

export const DAY_MS = 24 * 60 * 60 * 1000;
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface SessionPolicy {
  /** lifetime of a session without activity */
  days: number;
}
export const defaultSessionPolicy: SessionPolicy = { days: 30 };

export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20));
}

export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(createHash('sha256').update(token).digest());
}

export interface CreatedSession {
  token: string;
  id: string;
  expiresAt: number;
}

export function createSession(
  db: Db,
  userId: number,
  opts: { now: number; ip?: string | null; userAgent?: string | null; assignmentId?: number | null; policy?: SessionPolicy },
): CreatedSession {
  const token = generateSessionToken();
  const id = sessionIdFromToken(token);
  const expiresAt = opts.now + (opts.policy ?? defaultSessionPolicy).days * DAY_MS;
  db.insert(sessions)
    .values({
      id,
      userId,
      assignmentId: opts.assignmentId ?? null,
      expiresAt,
      createdAt: opts.now,
      lastSeenAt: opts.now,
      ip: opts.ip ?? null,
      userAgent: opts.userAgent?.slice(0, 300) ?? null,
    })
    .run();
  return { token, id, expiresAt };
}

export interface Assignment {
  id: number;
  role: Role;
  regionId: number;
  regionPath: string;
  regionName: string;
  regionFullName: string;
  regionLevel: number;
  institutionId: number | null;
}

export interface SessionUser {
  id: number;
  phone: string;
  name: string;
  mustChangePassword: boolean;
}

export interface ValidSession {
  id: string;
  expiresAt: number;
  /** true when the expiry was just extended: the cookie must be re-sent */
  renewed: boolean;
  user: SessionUser;
  /** every active role assignment of the person, in a stable order */
  assignments: Assignment[];
  /** the assignment the person is acting as now */
  active: Assignment | null;
}

export function getUserAssignments(db: Db, userId: number): Assignment[] {
  return db
    .select({
      id: roleAssignments.id,
      role: roleAssignments.role,
      regionId: roleAssignments.regionId,
      regionPath: roleAssignments.regionPath,
      regionName: regions.name,
      regionFullName: regions.fullName,
      regionLevel: regions.level,
      institutionId: roleAssignments.institutionId,
    })
    .from(roleAssignments)
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(eq(roleAssignments.userId, userId), eq(roleAssignments.active, true)))
    .orderBy(roleAssignments.id)
    .all();
}

/**
 * Looks the token up by its hash; expired sessions and sessions of deactivated people are deleted.
 * Sliding expiry: once less than half the lifetime is left, the expiry moves forward.
 */
export function validateSessionToken(db: Db, token: string, now: number, policy: SessionPolicy = defaultSessionPolicy): ValidSession | null {
  if (!/^[a-z2-7]{20,64}$/.test(token)) return null;
  const id = sessionIdFromToken(token);
  const row = db
    .select({
      id: sessions.id,
      expiresAt: sessions.expiresAt,
      lastSeenAt: sessions.lastSeenAt,
      assignmentId: sessions.assignmentId,
      userId: users.id,
      phone: users.phone,
      name: users.name,
      mustChangePassword: users.mustChangePassword,
      active: users.active,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, id))
    .get();
  if (!row) return null;
  if (now >= row.expiresAt || !row.active) {
    db.delete(sessions).where(eq(sessions.id, id)).run();
    return null;
  }
  let expiresAt = row.expiresAt;
  let renewed = false;
  const lifetime = policy.days * DAY_MS;
  if (expiresAt - now < lifetime / 2) {
    expiresAt = now + lifetime;
    renewed = true;
  }
  // "last seen" for the person's list of sessions: written at most once a minute, not on every request
  const stale = row.lastSeenAt === null || now - row.lastSeenAt >= LAST_SEEN_RESOLUTION_MS;
  if (renewed || stale) {
    db.update(sessions).set(renewed ? { expiresAt, lastSeenAt: now } : { lastSeenAt: now }).where(eq(sessions.id, id)).run();
  }
  const assignments = getUserAssignments(db, row.userId);
  const active = assignments.find((a) => a.id === row.assignmentId) ?? assignments[0] ?? null;
  return {
    id,
    expiresAt,
    renewed,
    user: { id: row.userId, phone: row.phone, name: row.name, mustChangePassword: row.mustChangePassword },
    assignments,
    active,
  };
}

export function invalidateSession(db: Db, sessionId: string): void {
  db.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

/** Sign out everywhere: used on password change, reset and deactivation. */
export function invalidateUserSessions(db: Db, userId: number): void {
  db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

/** Switch the role a session acts as; only to one of the person's own active assignments. */
export function setSessionAssignment(db: Db, session: ValidSession, assignmentId: number): boolean {
  if (!session.assignments.some((a) => a.id === assignmentId)) return false;
  db.update(sessions).set({ assignmentId }).where(eq(sessions.id, session.id)).run();
  return true;
}

export interface SessionListItem {
  id: string;
  createdAt: number;
  lastSeenAt: number | null;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
  /** the session of the device asking */
  current: boolean;
}

/**
 * A person's sessions still in force, most recently used first. The id is the SHA-256 of the cookie
 * token, so showing it (to address a revocation) gives nobody a usable cookie.
 */
export function listUserSessions(db: Db, userId: number, now: number, currentId: string | null = null): SessionListItem[] {
  return db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .all()
    .filter((s) => s.expiresAt > now)
    .map((s) => ({ ...s, current: s.id === currentId }))
    .sort((a, b) => (b.lastSeenAt ?? b.createdAt) - (a.lastSeenAt ?? a.createdAt));
}

/**
 * Ends one session of this person (never someone else's, whatever id is sent), audited; false when there
 * was none. The caller has checked the actor may act on the person (themselves, or an administrator
 * whose jurisdiction holds them); `regionPath` files the audit row under the person's region.
 */
export function revokeUserSession(
  db: Db,
  actor: { userId: number; ip?: string | null; regionPath?: string | null },
  userId: number,
  sessionId: string,
  now = Date.now(),
): boolean {
  if (!/^[0-9a-f]{64}$/.test(sessionId)) return false;
  return db.transaction((tx) => {
    const n = tx.delete(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId))).run().changes;
    if (n > 0) {
      writeAudit(tx, { actorUserId: actor.userId, action: 'auth.session_revoked', entityType: 'user', entityId: userId, regionPath: actor.regionPath ?? null, ip: actor.ip, at: now });
    }
    return n > 0;
  });
}
