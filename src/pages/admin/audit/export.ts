import type { APIRoute } from 'astro';
import { getDb } from '../../../server/db';
import { clientIp } from '../../../server/request';
import { parseAuditQuery, auditFilterOf } from '../../../lib/audit/query';
import { auditCsvStream, auditXlsx, AUDIT_COLUMNS, type ExportLabels } from '../../../lib/audit/export';
import { dayOf, toLocalDateTime } from '../../../lib/time';

/** The audit rows of the caller's jurisdiction under the page's filters, as CSV (all) or XLSX (capped). Audited. */
export const GET: APIRoute = async (ctx) => {
  const { locals, url } = ctx;
  const session = locals.session!;
  const a = session.active!;
  const t = locals.t;
  const q = parseAuditQuery(url.searchParams);
  const format = url.searchParams.get('format') === 'xlsx' ? 'xlsx' : 'csv';
  const actor = { userId: session.user.id, regionPath: a.regionPath, ip: clientIp(ctx) };
  const labels: ExportLabels = {
    header: Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, t.dyn(`audit.col.${c}`)])) as ExportLabels['header'],
    action: (code) => t.dyn(`audit.action.${code}`),
    time: (ms) => toLocalDateTime(ms).replace('T', ' '),
  };
  const filter = auditFilterOf(q, a.regionPath);
  const name = `audit-${dayOf(Date.now())}.${format}`;
  const headers = { 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'private, no-store' };
  const db = getDb();
  if (format === 'xlsx') {
    const x = await auditXlsx(db, actor, filter, labels);
    return new Response(new Uint8Array(x.buffer), { headers: { ...headers, 'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } });
  }
  return new Response(auditCsvStream(db, actor, filter, labels), { headers: { ...headers, 'Content-Type': 'text/csv; charset=utf-8' } });
};
