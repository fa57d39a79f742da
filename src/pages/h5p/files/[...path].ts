import type { APIRoute } from 'astro';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { getDb } from '../../../server/db';
import { h5pContentRoot, h5pUploadRoot } from '../../../server/h5p';
import { isActivitySlug, LIBRARIES_DIR } from '../../../lib/h5p/builtin';
import { parseRange, resolveServedFile } from '../../../lib/h5p/files';
import { getPackageBySlug, packageDir } from '../../../lib/h5p/packages';

/**
 * H5P libraries and content for the sandboxed player frame:
 *   /h5p/files/libraries/<Library-1.0>/…   built-in libraries (content/h5p/libraries)
 *   /h5p/files/builtin/<slug>/…            a built-in activity (content/h5p/<slug>: h5p.json, content/…)
 *   /h5p/files/packages/<u-…>/…            an uploaded package (<data>/h5p/<id>/)
 * Public (see src/lib/auth/access.ts); the middleware adds CORS and a sandboxing CSP to every response.
 */
function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}

export const GET: APIRoute = ({ params, request }) => {
  let parts: string[];
  try {
    parts = (params.path ?? '').split('/').map((p) => decodeURIComponent(p));
  } catch {
    return notFound();
  }
  const [area, name, ...rest] = parts;
  if (!area || !name || !rest.length) return notFound();
  const rel = rest.join('/');
  let file = null;
  if (area === 'libraries' && /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/.test(name)) file = resolveServedFile(join(h5pContentRoot(), LIBRARIES_DIR, name), rel);
  else if (area === 'builtin' && isActivitySlug(name)) file = resolveServedFile(join(h5pContentRoot(), name), rel);
  else if (area === 'packages') {
    const p = getPackageBySlug(getDb(), name);
    if (p) file = resolveServedFile(packageDir(h5pUploadRoot(), p.id), rel);
  }
  if (!file) return notFound();
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': area === 'packages' ? 'private, max-age=300' : 'public, max-age=300',
  };
  // audio and video seek with ranges (iOS Safari will not play a video without them)
  const range = parseRange(request.headers.get('range'), file.size);
  if (range === 'unsatisfiable') return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${file.size}` } });
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  const stream = file.size === 0 ? null : (Readable.toWeb(createReadStream(file.path, { start, end })) as ReadableStream<Uint8Array>);
  return new Response(stream, {
    status: range ? 206 : 200,
    headers: { ...headers, 'Content-Length': String(file.size === 0 ? 0 : end - start + 1), ...(range ? { 'Content-Range': `bytes ${start}-${end}/${file.size}` } : {}) },
  });
};
