import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { auditLog } from '../../../db/schema/index';

/** What a person's sign-in history lists (successes, failures, refusals while locked, sign-outs, password changes). */
export const LOGIN_HISTORY_ACTIONS = ['auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_locked', 'auth.sign_out', 'auth.session_revoked', 'user.password_changed', 'user.password_reset'] as const;

export interface LoginEvent {
  id: number;
  at: number;
  action: (typeof LOGIN_HISTORY_ACTIONS)[number];
  ip: string | null;
  /** true when someone else did it (an administrator revoking a session or resetting the password) */
  byOther: boolean;
}

/**
 * A person's sign-in history from the audit trail, newest first. Failed attempts with a phone nobody has
 * are not anyone's history (they stay in the province's audit log). The caller checks the person is in scope.
 */
export function listLoginHistory(db: Db, userId: number, opts: { limit?: number; beforeId?: number } = {}): LoginEvent[] {
  const conds = [eq(auditLog.entityType, 'user'), eq(auditLog.entityId, String(userId)), inArray(auditLog.action, [...LOGIN_HISTORY_ACTIONS])];
  if (opts.beforeId) conds.push(lt(auditLog.id, opts.beforeId));
  return db
    .select({ id: auditLog.id, at: auditLog.at, action: auditLog.action, ip: auditLog.ip, actor: auditLog.actorUserId })
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.id))
    .limit(opts.limit ?? 50)
    .all()
    .map((r) => ({ id: r.id, at: r.at, action: r.action as LoginEvent['action'], ip: r.ip, byOther: r.actor !== null && r.actor !== userId }));
}
