import type { APIRoute } from 'astro';
import { getEntry } from 'astro:content';
import { getDb } from '../../server/db';
import { readTextLimited } from '../../server/body';
import { getFrameActivity } from '../../server/h5p';
import { isActivitySlug } from '../../lib/h5p/builtin';
import { isUploadedSlug } from '../../lib/h5p/packages';
import { getLessonRef, listOwnStatements, parseXapiBody, recordStatement, XapiInputError, XAPI_MAX_BODY_BYTES, type LessonActivityRule } from '../../lib/h5p/xapi';

const json = (status: number, data: unknown) =>
  new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } });

const bad = (e: XapiInputError) => json(e.status, { error: e.message, field: e.field });

/**
 * POST: one xAPI statement from an H5P activity, relayed by the page that embeds the sandboxed frame
 * (src/components/H5pActivity.astro). Same-origin JSON (the middleware checked the Origin), the session
 * cookie says who. Body: { activityId, lessonId?, statement }. The lesson's rule (completeWhen) is read
 * from the lesson's own frontmatter, never from the request. Bad input → 400 naming the field, in Chinese.
 */
export const POST: APIRoute = async ({ request, locals }) => {
  const session = locals.session;
  if (!session) return json(401, { error: '请先登录。' });
  if (!(request.headers.get('content-type') ?? '').toLowerCase().includes('application/json')) {
    return bad(new XapiInputError('(请求体)', '应为 JSON（Content-Type: application/json）', 415));
  }
  const raw = await readTextLimited(request, XAPI_MAX_BODY_BYTES);
  if (raw === null) return bad(new XapiInputError('(请求体)', `太大：最多 ${XAPI_MAX_BODY_BYTES} 字节`, 413));
  const db = getDb();
  try {
    const body = parseXapiBody(raw);
    if (!getFrameActivity(db, body.activityId, session)) throw new XapiInputError('activityId', '没有这个互动练习');
    let rule: LessonActivityRule | null = null;
    if (body.lessonId != null) {
      const ref = getLessonRef(db, body.lessonId);
      if (!ref) throw new XapiInputError('lessonId', '没有这一课');
      const entry = await getEntry('lessons', `${ref.courseSlug}/${ref.lessonSlug}`);
      const a = entry?.data.activity;
      if (!a) throw new XapiInputError('lessonId', '这一课没有互动练习');
      rule = { lessonId: ref.lessonId, slug: a.slug, completeWhen: a.completeWhen };
    }
    const r = recordStatement(db, session.user.id, body, rule);
    return json(200, { ok: true, ...r });
  } catch (e) {
    if (e instanceof XapiInputError) return bad(e);
    throw e;
  }
};

/** GET ?activity=<slug>: the signed-in person's own statements, newest first (read-only). */
export const GET: APIRoute = ({ url, locals }) => {
  const session = locals.session;
  if (!session) return json(401, { error: '请先登录。' });
  const activity = url.searchParams.get('activity') ?? undefined;
  if (activity !== undefined && !isActivitySlug(activity) && !isUploadedSlug(activity)) {
    return bad(new XapiInputError('activity', '应为互动练习的编号'));
  }
  return json(200, { statements: listOwnStatements(getDb(), session.user.id, activity) });
};
