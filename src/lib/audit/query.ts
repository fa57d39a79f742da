import { z } from 'zod';
import { isValidDay, parseLocalDateTime } from '../time';
import type { AuditFilter } from './audit';

/** The audit page's filters from a query string (bad values are dropped, never a 500); days are China time. */
export interface AuditQuery {
  action?: string;
  entity?: string;
  actor?: number;
  fromDay?: string;
  toDay?: string;
  before?: number;
}

const day = z.string().refine(isValidDay).optional().catch(undefined);

export function parseAuditQuery(params: URLSearchParams): AuditQuery {
  return z
    .object({
      action: z.string().max(60).regex(/^[a-z0-9_.]+$/).optional().catch(undefined),
      entity: z.string().regex(/^\d{1,15}$/).optional().catch(undefined),
      actor: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
      fromDay: day,
      toDay: day,
      before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
    })
    .parse({
      action: params.get('action') || undefined,
      entity: params.get('entity') || undefined,
      actor: params.get('actor') || undefined,
      fromDay: params.get('from') || undefined,
      toDay: params.get('to') || undefined,
      before: params.get('before') || undefined,
    });
}

/** The filter for listAudit within `scopePath`; the `to` day is included whole. */
export function auditFilterOf(q: AuditQuery, scopePath: string): Omit<AuditFilter, 'beforeId' | 'limit'> {
  return {
    scopePath,
    action: q.action,
    entityType: q.entity ? 'user' : undefined,
    entityId: q.entity,
    actorUserId: q.actor,
    from: q.fromDay ? parseLocalDateTime(`${q.fromDay}T00:00`) : undefined,
    to: q.toDay ? parseLocalDateTime(`${q.toDay}T00:00`) + 86_400_000 : undefined,
  };
}

/** The query string of a filter (for "more" links and export links). */
export function auditQueryString(q: AuditQuery, extra: Record<string, string> = {}): string {
  const u = new URLSearchParams();
  if (q.action) u.set('action', q.action);
  if (q.entity) u.set('entity', q.entity);
  if (q.actor) u.set('actor', String(q.actor));
  if (q.fromDay) u.set('from', q.fromDay);
  if (q.toDay) u.set('to', q.toDay);
  for (const [k, v] of Object.entries(extra)) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}
