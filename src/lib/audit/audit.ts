import { and, desc, eq, gte, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { auditLog, users } from '../../../db/schema/index';
import { withinSql } from '../org/scope';

export interface AuditEntry {
  actorUserId: number | null;
  action: string;
  entityType: string;
  entityId?: string | number | null;
  regionPath?: string | null;
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  at?: number;
}

/** Fields never written to the audit trail, whatever the caller passes. */
const SECRET_FIELDS = new Set(['passwordHash', 'password', 'token']);

function redact(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return JSON.stringify(v, (k, val) => (SECRET_FIELDS.has(k) ? '[已隐藏]' : val));
}

/** Append one row. Call it inside the same transaction as the change it records. */
export function writeAudit(db: Pick<Db, 'insert'>, e: AuditEntry): void {
  db.insert(auditLog)
    .values({
      at: e.at ?? Date.now(),
      actorUserId: e.actorUserId,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId == null ? null : String(e.entityId),
      regionPath: e.regionPath ?? null,
      before: redact(e.before),
      after: redact(e.after),
      ip: e.ip ?? null,
    })
    .run();
}

export interface AuditFilter {
  scopePath: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  /** who did it */
  actorUserId?: number;
  /** time window, ms since the epoch: from inclusive, to exclusive */
  from?: number;
  to?: number;
  /** keyset pagination: rows with id below this */
  beforeId?: number;
  limit?: number;
}

export interface AuditRow {
  id: number;
  at: number;
  actorUserId: number | null;
  actorName: string | null;
  /** for rows about a person: their current name */
  entityName: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  regionPath: string | null;
  before: string | null;
  after: string | null;
  ip: string | null;
}

/** Audit rows whose region lies in the viewer's scope, newest first. */
export function listAudit(db: Db, f: AuditFilter): AuditRow[] {
  // rows filed under no region (failed sign-ins of unknown phones, system events) belong to the province
  const isRoot = f.scopePath.split('/').filter(Boolean).length === 1;
  const conds: SQL[] = [isRoot ? or(withinSql(auditLog.regionPath, f.scopePath), isNull(auditLog.regionPath))! : withinSql(auditLog.regionPath, f.scopePath)];
  if (f.action) conds.push(eq(auditLog.action, f.action));
  if (f.entityType) conds.push(eq(auditLog.entityType, f.entityType));
  if (f.entityId) conds.push(eq(auditLog.entityId, f.entityId));
  if (f.actorUserId) conds.push(eq(auditLog.actorUserId, f.actorUserId));
  if (f.from !== undefined) conds.push(gte(auditLog.at, f.from));
  if (f.to !== undefined) conds.push(lt(auditLog.at, f.to));
  if (f.beforeId) conds.push(lt(auditLog.id, f.beforeId));
  return db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorUserId: auditLog.actorUserId,
      actorName: users.name,
      entityName: sql<string | null>`(select u2.name from ${users} u2 where ${auditLog.entityType} = 'user' and u2.id = ${auditLog.entityId})`,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      regionPath: auditLog.regionPath,
      before: auditLog.before,
      after: auditLog.after,
      ip: auditLog.ip,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(...conds))
    .orderBy(desc(auditLog.id))
    .limit(f.limit ?? 50)
    .all();
}

export function listAuditActions(db: Db): string[] {
  return db
    .select({ action: auditLog.action })
    .from(auditLog)
    .groupBy(auditLog.action)
    .orderBy(sql`1`)
    .all()
    .map((r) => r.action);
}

/** Field-by-field difference between two JSON snapshots, for display. */
export function diffSnapshots(before: string | null, after: string | null): { field: string; before: unknown; after: unknown }[] {
  const b = (before ? JSON.parse(before) : {}) as Record<string, unknown>;
  const a = (after ? JSON.parse(after) : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return fields
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({ field: k, before: b[k], after: a[k] }));
}
