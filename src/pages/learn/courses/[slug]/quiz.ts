import type { APIRoute } from 'astro';
import { getDb } from '../../../../server/db';
import { getCourseBySlug } from '../../../../lib/learning/catalog';
import { startQuizAttempt } from '../../../../lib/assessment/attempts';
import { FieldError, NotFoundError } from '../../../../lib/errors';

/** Start (or resume) the course quiz, then answer it at /learn/attempts/<id>. */
export const POST: APIRoute = ({ params, locals, redirect }) => {
  const session = locals.session!;
  const db = getDb();
  const course = getCourseBySlug(db, params.slug ?? '');
  if (!course) return new Response(null, { status: 404 });
  try {
    const id = startQuizAttempt(db, session.user.id, course.id);
    return redirect(`/learn/attempts/${id}`, 303);
  } catch (e) {
    if (e instanceof FieldError) return redirect(`/learn/courses/${course.slug}?quiz=${encodeURIComponent(e.key)}`, 303);
    if (e instanceof NotFoundError) return new Response(null, { status: 404 });
    throw e;
  }
};
