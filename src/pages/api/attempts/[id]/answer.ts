import type { APIRoute } from 'astro';
import { z } from 'zod';
import { getDb } from '../../../../server/db';
import { parseIdParam } from '../../../../server/forms';
import { saveResponse } from '../../../../lib/assessment/attempts';
import { FieldError, NotFoundError } from '../../../../lib/errors';

const body = z.object({ ord: z.number().int().min(0).max(500), response: z.unknown() });

const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } });

/** Autosave of one answer (JSON). Only the attempt's owner; the middleware has checked the Origin. */
export const POST: APIRoute = async ({ params, request, locals }) => {
  const { t, session } = locals;
  if (!session) return json(401, { error: t('error.403.title') });
  const id = parseIdParam(params.id);
  if (!id) return json(404, { error: t('error.404.title') });
  let parsed: z.infer<typeof body>;
  try {
    const text = await request.text();
    if (text.length > 10_000) return json(413, { error: t.field('answer', { key: 'v.answer', params: {} }) });
    parsed = body.parse(JSON.parse(text));
  } catch {
    return json(400, { error: t.field('answer', { key: 'v.answer', params: {} }) });
  }
  try {
    const r = saveResponse(getDb(), session.user.id, id, parsed.ord, parsed.response ?? null);
    return json(200, { ok: true, remainingMs: r.remainingMs });
  } catch (e) {
    if (e instanceof NotFoundError) return json(404, { error: t('error.404.title') });
    // an answer that does not fit its question is bad input (422); a closed or finished attempt is a conflict (409)
    if (e instanceof FieldError) return json(e.key === 'v.answer' ? 422 : 409, { error: t.field(e.field, { key: e.key, params: e.params }) });
    throw e;
  }
};
