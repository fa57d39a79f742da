import type { APIRoute } from 'astro';
import { getDb } from '../server/db';
import { readForm, parseIdParam } from '../server/forms';
import { setSessionAssignment } from '../lib/auth/session';
import { ROLE_HOME } from '../lib/auth/access';

/** Act as another of one's own role assignments (never someone else's). */
export const POST: APIRoute = async (ctx) => {
  const s = ctx.locals.session;
  if (!s) return ctx.redirect('/login', 303);
  const body = await readForm(ctx.request);
  const id = parseIdParam(body.assignmentId);
  const target = s.assignments.find((a) => a.id === id);
  if (!id || !target || !setSessionAssignment(getDb(), s, id)) return new Response(ctx.locals.t('error.403.body'), { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  return ctx.redirect(ROLE_HOME[target.role], 303);
};
