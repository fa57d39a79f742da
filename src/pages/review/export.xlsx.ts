import type { APIRoute } from 'astro';
import { getDb } from '../../server/db';
import { parseIdParam } from '../../server/forms';
import { clientIp } from '../../server/request';
import { getRegion } from '../../lib/org/regions';
import { isWithin } from '../../lib/org/scope';
import { getDashboard } from '../../lib/dashboard/dashboard';
import { dashboardTables, tableXlsx, TABLE_KEYS, type TableKey } from '../../lib/dashboard/tables';
import { writeAudit } from '../../lib/audit/audit';
import { dayOf } from '../../lib/time';

/** One dashboard table as XLSX (the same rows the page shows); the region must be inside the official's jurisdiction. Audited. */
export const GET: APIRoute = async (ctx) => {
  const { url, locals } = ctx;
  const a = locals.session!.active!;
  const db = getDb();
  const regionId = url.searchParams.get('region') === null ? a.regionId : parseIdParam(url.searchParams.get('region') ?? undefined);
  const region = regionId ? getRegion(db, regionId) : null;
  const key = url.searchParams.get('table') as TableKey | null;
  if (!region || !isWithin(a.regionPath, region.path) || !key || !TABLE_KEYS.includes(key)) return new Response('Not found', { status: 404 });
  const period = url.searchParams.get('period');
  const today = dayOf(Date.now());
  const d = getDashboard(db, region, { today, ratingPeriod: period && /^\d{4}(-(Q[1-4]|\d{2}))?$/.test(period) ? period : null });
  const table = dashboardTables(d, locals.t).find((x) => x.key === key);
  if (!table) return new Response('Not found', { status: 404 });
  const buffer = await tableXlsx(table, region, today);
  db.transaction((tx) => {
    writeAudit(tx, { actorUserId: locals.session!.user.id, action: 'dashboard.export', entityType: 'region', entityId: region.id, regionPath: region.path, after: { table: key, rows: table.rows.length }, ip: clientIp(ctx), at: Date.now() });
  });
  const filename = `${region.name}-${table.title}-${today}.xlsx`;
  return new Response(new Uint8Array(buffer), {
    headers: {
      'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'Content-Disposition': `attachment; filename="dashboard-${region.id}-${key}.xlsx"; filename*=UTF-8''${encodeURIComponent(filename)}`,
      'Cache-Control': 'private, no-store',
    },
  });
};
