import type { APIRoute } from 'astro';
import { getDb } from '../../../../server/db';
import { exampleVillage, rosterTemplateXlsx, ROSTER_TEMPLATE_HEADER } from '../../../../lib/exchange/roster';
import { infosysTemplateXlsx, INFOSYS_TEMPLATE_HEADER } from '../../../../lib/exchange/infosys';
import { toCsv } from '../../../../lib/exchange/csv';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Import templates: roster.xlsx / roster.csv / infosys.xlsx / infosys.csv (no personal data in them). */
export const GET: APIRoute = async ({ params, locals }) => {
  const a = locals.session!.active!;
  const file = (body: Uint8Array | string, type: string, ascii: string, zh: string) =>
    new Response(typeof body === 'string' ? body : new Uint8Array(body), {
      headers: {
        'Content-Type': type,
        'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(zh)}`,
        'Cache-Control': 'private, no-store',
      },
    });
  switch (params.name) {
    case 'roster.xlsx':
      return file(await rosterTemplateXlsx(exampleVillage(getDb(), a.regionPath)), XLSX, 'roster-template.xlsx', '人员名单导入模板.xlsx');
    case 'roster.csv': {
      const ex = exampleVillage(getDb(), a.regionPath) ?? { city: '十堰市', county: '竹山县', township: '城关镇', village: '示例村' };
      return file(toCsv([ROSTER_TEMPLATE_HEADER, ['张三', '13800000000', '', '儿童主任', ex.city, ex.county, ex.township, ex.village]]), 'text/csv; charset=utf-8', 'roster-template.csv', '人员名单导入模板.csv');
    }
    case 'infosys.xlsx':
      return file(await infosysTemplateXlsx(), XLSX, 'infosys-template.xlsx', '信息系统更新记录导入模板.xlsx');
    case 'infosys.csv':
      return file(toCsv([INFOSYS_TEMPLATE_HEADER, ['13800000000', 'V1-001', '2026-11-03', '更新监护情况']]), 'text/csv; charset=utf-8', 'infosys-template.csv', '信息系统更新记录导入模板.csv');
    default:
      return new Response('Not found', { status: 404 });
  }
};
