import type { APIRoute } from 'astro';
import { getEntry } from 'astro:content';
import { getDb } from '../../server/db';
import { readTextLimited } from '../../server/body';
import { clientIp, isSameOrigin } from '../../server/request';
import { getLessonRef } from '../../lib/h5p/xapi';
import { MAX_BATCH_BYTES, MAX_BATCH_ITEMS, processOutboxBatch, type ItemResult } from '../../lib/offline/sync';

const json = (status: number, data: unknown) =>
  new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } });

/**
 * POST: one batch of the phone's offline outbox (src/scripts/outbox.ts), { items: [...] } with at most
 * MAX_BATCH_ITEMS items. Answers { results: [{ id, status: accepted|duplicate|rejected, reason? }] } in the
 * order sent; a rejected item's reason is a Chinese sentence naming the field. The session cookie says
 * who; the Origin is checked here too (a JSON route must not rely on the middleware alone, ADR 0004).
 */
export const POST: APIRoute = async (ctx) => {
  const { request, url, locals } = ctx;
  const { t, session } = locals;
  if (!isSameOrigin(request, url)) return json(403, { error: t('error.origin') });
  if (!session) return json(401, { error: t('offline.signedOut') });
  if (!(request.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) {
    return json(415, { error: t('offline.badBody') });
  }
  const raw = await readTextLimited(request, MAX_BATCH_BYTES);
  if (raw === null) return json(413, { error: t('offline.tooBig', { n: MAX_BATCH_ITEMS }) });
  let items: unknown[];
  try {
    const body = JSON.parse(raw) as { items?: unknown };
    if (!Array.isArray(body.items) || body.items.length > MAX_BATCH_ITEMS) throw new Error('items');
    items = body.items;
  } catch {
    return json(400, { error: t('offline.badBody') });
  }
  const db = getDb();
  // lessons completed by an H5P activity cannot be completed by the learner's word, offline or not
  const activityLessons = new Set<number>();
  for (const it of items) {
    const id = it && typeof it === 'object' && (it as { kind?: unknown }).kind === 'lesson' ? (it as { lessonId?: unknown }).lessonId : null;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) continue;
    const ref = getLessonRef(db, id);
    const entry = ref ? await getEntry('lessons', `${ref.courseSlug}/${ref.lessonSlug}`) : undefined;
    if (entry?.data.activity?.completeWhen) activityLessons.add(id);
  }
  const a = session.active;
  const results = processOutboxBatch(
    db,
    {
      userId: session.user.id,
      actor: a ? { userId: session.user.id, role: a.role, regionId: a.regionId, regionPath: a.regionPath, ip: clientIp(ctx) } : null,
      activityLessons,
    },
    items,
  );
  return json(200, {
    results: results.map((r: ItemResult) => ({
      id: r.id,
      status: r.status,
      ...(r.link ? { link: r.link } : {}),
      ...(r.reportLink ? { reportLink: r.reportLink } : {}),
      ...(r.status === 'rejected' && r.message ? { field: r.field, reason: t.field(r.field ?? '_form', r.message) } : {}),
    })),
  });
};
