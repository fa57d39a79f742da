import ExcelJS from 'exceljs';
import type { Translator } from '../../i18n/index';
import type { Dashboard } from './dashboard';
import { RATING_ORDER } from './dashboard';
import { renderChartSvg, type ChartSpec } from './charts';
import type { Region } from '../org/regions';

/**
 * The dashboard's tables as data: the page renders them (with a chart beside each), and the XLSX export
 * writes exactly the same rows, so the sheet and the screen never disagree.
 */

export type Cell = string | number | null;

export interface Table {
  key: TableKey;
  title: string;
  columns: { label: string; numeric?: boolean }[];
  rows: { cells: Cell[]; links?: (string | null)[] }[];
  note?: string;
  chart?: ChartSpec;
}

export const TABLE_KEYS = ['children', 'tiers', 'certificates', 'levels', 'months', 'ratings'] as const;
export type TableKey = (typeof TABLE_KEYS)[number];

export function rate(n: number, d: number): string {
  if (d <= 0) return '—';
  return `${Math.round((n / d) * 1000) / 10}%`;
}

const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : 0);
const yuan = (fen: number) => Math.round(fen) / 100;

/** Links to the lists behind the figures; every list page checks the region against the viewer's scope. */
export const listLinks = {
  region: (r: Region) => `/review?region=${r.id}`,
  vacancies: (r: Region) => `/review/lists?region=${r.id}&list=vacancies`,
  pending: (r: Region) => `/review/lists?region=${r.id}&list=pending`,
  people: (r: Region, role: string) => `/people?region=${r.id}&role=${role}`,
  fieldwork: (r: Region) => `/review/fieldwork?region=${r.id}`,
  certificates: () => `/review/certificates`,
  skills: () => `/review/skills`,
  subsidy: () => `/review/subsidy`,
  ratings: (r: Region, period: string | null) => `/review/performance?region=${r.id}${period ? `&period=${encodeURIComponent(period)}` : ''}`,
};

export function dashboardTables(d: Dashboard, t: Translator): Table[] {
  const out: Table[] = [];
  if (d.children.length > 0) {
    out.push({
      key: 'children',
      title: t('dash.sec.children'),
      columns: [
        { label: t('dash.region') },
        { label: t('dash.col.villages'), numeric: true },
        { label: t('dash.col.villagesCovered'), numeric: true },
        { label: t('dash.col.villageRate'), numeric: true },
        { label: t('dash.col.vacantVillages'), numeric: true },
        { label: t('dash.col.townships'), numeric: true },
        { label: t('dash.col.townshipsCovered'), numeric: true },
        { label: t('dash.col.directors'), numeric: true },
        { label: t('dash.col.supervisors'), numeric: true },
        { label: t('dash.col.pending'), numeric: true },
        { label: t('dash.col.cases'), numeric: true },
        { label: t('dash.col.overdue'), numeric: true },
        { label: t('dash.col.certificates'), numeric: true },
      ],
      rows: d.children.map(({ region: r, c }) => ({
        cells: [r.name, c.villages, c.villagesCovered, rate(c.villagesCovered, c.villages), c.villages - c.villagesCovered, c.townships, c.townshipsCovered, c.directors, c.supervisors, c.onboardingPending, c.casesActive, c.casesOverdue, c.certificates],
        links: [
          listLinks.region(r),
          null,
          null,
          null,
          c.villages - c.villagesCovered > 0 ? listLinks.vacancies(r) : null,
          null,
          c.townships - c.townshipsCovered > 0 ? listLinks.vacancies(r) : null,
          listLinks.people(r, 'director'),
          listLinks.people(r, 'supervisor'),
          c.onboardingPending > 0 ? listLinks.pending(r) : null,
          listLinks.fieldwork(r),
          listLinks.fieldwork(r),
          null,
        ],
      })),
      chart: {
        categories: d.children.map((c) => c.region.name),
        series: [{ name: t('dash.col.villageRate'), data: d.children.map((c) => pct(c.c.villagesCovered, c.c.villages)) }],
        horizontal: true,
        percent: true,
      },
    });
  }
  out.push({
    key: 'tiers',
    title: t('dash.sec.training'),
    columns: [{ label: t('dash.col.tier') }, { label: t('dash.col.enrolled'), numeric: true }, { label: t('dash.col.completed'), numeric: true }, { label: t('dash.col.completionRate'), numeric: true }],
    rows: d.tiers.map((x) => ({ cells: [x.title, x.enrolled, x.completed, rate(x.completed, x.enrolled)] })),
    note: t('dash.trainingNote'),
    chart: d.tiers.length ? { categories: d.tiers.map((x) => x.title), series: [{ name: t('dash.col.completionRate'), data: d.tiers.map((x) => pct(x.completed, x.enrolled)) }], horizontal: true, percent: true } : undefined,
  });
  const kinds = ['curriculum', 'course', 'skill-level'];
  out.push({
    key: 'certificates',
    title: t('dash.sec.certificates'),
    columns: [{ label: t('dash.col.kind') }, { label: t('dash.col.count'), numeric: true }],
    rows: kinds.map((k) => ({ cells: [t.dyn(`dash.kind.${k}`), d.certificates.byKind[k] ?? 0], links: [null, k === 'skill-level' ? listLinks.skills() : listLinks.certificates()] })),
  });
  const levels = ['5', '4', '3', '2', '1'];
  out.push({
    key: 'levels',
    title: t('dash.col.level'),
    columns: [{ label: t('dash.col.level') }, { label: t('dash.col.count'), numeric: true }],
    rows: levels.map((l) => ({ cells: [t.dyn(`dash.level.${l}`), d.certificates.byLevel[l] ?? 0], links: [null, listLinks.skills()] })),
    chart: { categories: levels.map((l) => t.dyn(`dash.level.${l}`)), series: [{ name: t('dash.col.count'), data: levels.map((l) => d.certificates.byLevel[l] ?? 0) }], horizontal: true },
  });
  out.push({
    key: 'months',
    title: t('dash.sec.trends'),
    columns: [
      { label: t('dash.col.month') },
      { label: t('dash.col.visits'), numeric: true },
      { label: t('dash.col.reports'), numeric: true },
      { label: t('dash.col.certsIssued'), numeric: true },
      { label: t('dash.col.subsidyLines'), numeric: true },
      { label: t('dash.col.subsidyEligible'), numeric: true },
      { label: t('dash.col.eligibleRate'), numeric: true },
      { label: t('dash.col.subsidyYuan'), numeric: true },
    ],
    rows: d.months.map((m) => ({
      cells: [m.month, m.visits, m.reports, m.certificates, m.subsidyLines, m.subsidyEligible, rate(m.subsidyEligible, m.subsidyLines), yuan(m.subsidyFen)],
      links: [null, listLinks.fieldwork(d.region), listLinks.fieldwork(d.region), null, m.subsidyLines ? listLinks.subsidy() : null, null, null, null],
    })),
    note: t('dash.subsidyNote'),
    chart: {
      categories: d.months.map((m) => m.month.slice(2)),
      series: [
        { name: t('dash.col.visits'), data: d.months.map((m) => m.visits), type: 'line' },
        { name: t('dash.col.reports'), data: d.months.map((m) => m.reports), type: 'line' },
        { name: t('dash.col.certsIssued'), data: d.months.map((m) => m.certificates), type: 'line' },
      ],
    },
  });
  out.push({
    key: 'ratings',
    title: `${t('dash.sec.ratings')}${d.ratings.period ? `（${d.ratings.period}）` : ''}`,
    columns: [{ label: t('dash.col.role') }, ...RATING_ORDER.map((r) => ({ label: t.dyn(`perf.rating.${r}`), numeric: true })), { label: t('dash.total'), numeric: true }],
    rows: d.ratings.rows.map((r) => ({
      cells: [t.dyn(`role.${r.role}`), ...RATING_ORDER.map((k) => r.counts[k] ?? 0), r.total],
      links: [null, ...RATING_ORDER.map(() => listLinks.ratings(d.region, d.ratings.period)), listLinks.ratings(d.region, d.ratings.period)],
    })),
    chart: d.ratings.rows.length
      ? {
          categories: d.ratings.rows.map((r) => t.dyn(`role.${r.role}`)),
          series: RATING_ORDER.map((k) => ({ name: t.dyn(`perf.rating.${k}`), data: d.ratings.rows.map((r) => r.counts[k] ?? 0), stack: 'r' })),
          horizontal: true,
        }
      : undefined,
  });
  return out;
}

/** One table as an .xlsx workbook: a title row, the jurisdiction, the header and the rows (numbers stay numbers). */
export async function tableXlsx(table: Table, region: Region, generatedOn: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  const ws = wb.addWorksheet(table.key);
  ws.addRow([`${region.fullName} ${table.title}`]).font = { bold: true, size: 13 };
  ws.addRow([`生成日期 ${generatedOn}`]);
  if (table.note) ws.addRow([table.note]);
  ws.addRow([]);
  const header = ws.addRow(table.columns.map((c) => c.label));
  header.font = { bold: true };
  for (const r of table.rows) ws.addRow(r.cells.map((c) => (c === null ? '' : c)));
  table.columns.forEach((c, i) => {
    ws.getColumn(i + 1).width = i === 0 ? 24 : Math.max(10, c.label.length * 2 + 2);
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The chart of a table as inline SVG, or null when the table has none or nothing to show. */
export function tableChart(table: Table): string | null {
  if (!table.chart || table.chart.categories.length === 0) return null;
  if (table.chart.series.every((s) => s.data.every((v) => v === 0))) return null;
  return renderChartSvg(table.chart);
}
