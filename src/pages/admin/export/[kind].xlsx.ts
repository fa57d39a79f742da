import type { APIRoute } from 'astro';
import { getDb } from '../../../server/db';
import { clientIp } from '../../../server/request';
import { buildExport, EXPORT_KINDS, type ExportKind } from '../../../lib/exchange/exports';

/** One XLSX export of the caller's jurisdiction; audited by the lib. Bad dates answer 400 in Chinese. */
export const GET: APIRoute = async (ctx) => {
  const { params, locals, url } = ctx;
  const s = locals.session!;
  const a = s.active!;
  const kind = params.kind as ExportKind;
  if (!EXPORT_KINDS.includes(kind)) return new Response('Not found', { status: 404 });
  const q = url.searchParams;
  const level = Number(q.get('level') ?? '');
  const out = await buildExport(
    getDb(),
    { userId: s.user.id, role: a.role, scopePath: a.regionPath, ip: clientIp(ctx) },
    kind,
    { full: q.get('full') === '1', level: Number.isInteger(level) && level >= 1 && level <= 5 ? level : undefined, from: q.get('from') ?? undefined, to: q.get('to') ?? undefined },
  );
  if (!out) {
    if (kind === 'worklog') return new Response(locals.t.field('exportRange', { key: 'export.badRange', params: {} }), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
    return new Response('Not found', { status: 404 });
  }
  return new Response(new Uint8Array(out.buffer), {
    headers: {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="${kind}.xlsx"; filename*=UTF-8''${encodeURIComponent(out.filename)}`,
      'Cache-Control': 'private, no-store',
    },
  });
};
