import type { APIRoute } from 'astro';
import { getDb } from '../../../../server/db';
import { parseIdParam } from '../../../../server/forms';
import { importProgress, isOrphaned } from '../../../../server/imports';
import { getJobForActor } from '../../../../lib/exchange/jobs';

/** The progress of one import of the caller's (polled by the job page while it runs). */
export const GET: APIRoute = ({ params, locals }) => {
  const s = locals.session!;
  const id = parseIdParam(params.id);
  const job = id ? getJobForActor(getDb(), { userId: s.user.id, scopePath: s.active!.regionPath }, id) : null;
  if (!job) return new Response('Not found', { status: 404 });
  const p = importProgress(job.id);
  const status = isOrphaned(job) ? 'failed' : job.status;
  return new Response(JSON.stringify({ status, done: p?.done ?? (job.status === 'done' ? job.total : 0), total: p?.total ?? job.total }), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
};
