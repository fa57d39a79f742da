import type { APIRoute } from 'astro';
import { getDb } from '../server/db';
import { clearSessionCookie } from '../server/cookies';
import { isSecureRequest, clientIp } from '../server/request';
import { invalidateSession } from '../lib/auth/session';
import { writeAudit } from '../lib/audit/audit';

export const POST: APIRoute = (ctx) => {
  const s = ctx.locals.session;
  if (s) {
    const db = getDb();
    invalidateSession(db, s.id);
    writeAudit(db, { actorUserId: s.user.id, action: 'auth.sign_out', entityType: 'user', entityId: s.user.id, regionPath: s.active?.regionPath ?? null, ip: clientIp(ctx) });
  }
  clearSessionCookie(ctx.cookies, isSecureRequest(ctx.request, ctx.url));
  // a shared phone: the pages and the outbox stored for offline use go with the session (ADR 0016); the
  // login page also clears them by script, for browsers that ignore this header
  return new Response(null, { status: 303, headers: { Location: '/login?out=1', 'Clear-Site-Data': '"cache", "storage"' } });
};
