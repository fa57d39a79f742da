import type { APIRoute } from 'astro';
import { getDb } from '../../../server/db';
import { parseIdParam } from '../../../server/forms';
import { clientIp } from '../../../server/request';
import { exportRunXlsx } from '../../../lib/subsidy/xlsx';

/** The payment list of one run as XLSX; the run must be inside the official's jurisdiction. Audited. */
export const GET: APIRoute = async (ctx) => {
  const { params, locals } = ctx;
  const a = locals.session!.active!;
  const id = parseIdParam(params.id);
  const out = id ? await exportRunXlsx(getDb(), { userId: locals.session!.user.id, role: a.role, regionId: a.regionId, regionPath: a.regionPath, ip: clientIp(ctx) }, id) : null;
  if (!out) return new Response('Not found', { status: 404 });
  const ascii = `subsidy-${out.run.countyId}-${out.run.month}.xlsx`;
  return new Response(new Uint8Array(out.buffer), {
    headers: {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(out.filename)}`,
      'Cache-Control': 'private, no-store',
    },
  });
};
