import ExcelJS from 'exceljs';
import type { Db } from '../../../db/client';
import type { Role } from '../../../db/schema/auth';
import { maskIdNumber, maskPhone } from '../privacy/mask';
import { writeAudit } from '../audit/audit';
import { pathIds } from '../org/scope';
import { addDays, dayOf, isValidDay } from '../time';

/**
 * XLSX exports of a jurisdiction (M18): people, training records, certificates, work-log counts per
 * region. Every list is limited to the caller's region path; phones and ID numbers are masked unless the
 * caller is an administrator who asked for them (PIPL: minimum necessary); every export is audited with
 * what it contained. The browser never decides any of this.
 */
export const EXPORT_KINDS = ['people', 'training', 'certificates', 'worklog'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportActor {
  userId: number;
  role: Role;
  scopePath: string;
  ip?: string | null;
}

/** Who may see full phones and ID numbers in an export: administrators, and only when they ask. */
export function canExportFullNumbers(role: Role): boolean {
  return role === 'admin';
}

/** Roles that may export at all (the page permission in src/lib/auth/access.ts says the same). */
export function canExport(role: Role): boolean {
  return role === 'admin' || role === 'official';
}

export interface ExportOptions {
  full?: boolean;
  /** worklog: the level to count per (3 county … 5 village) and the day range */
  level?: number;
  from?: string;
  to?: string;
}

const ROLE_ZH: Record<Role, string> = { director: '儿童主任', supervisor: '儿童督导员', trainer: '县级培训师', official: '民政官员', caregiver: '护理员', admin: '系统管理员', evaluator: '第三方评估' };
const ENTRY_ZH = { visit: '家庭走访', agreement: '委托照护协议', report: '强制报告', outreach: '政策宣讲', info_update: '信息系统更新' } as const;
const STATUS_ZH = { verified: '已核实', submitted: '待核实', returned: '已退回' } as const;

function sheet(wb: ExcelJS.Workbook, name: string, title: string, note: string, header: string[], widths: number[]) {
  const ws = wb.addWorksheet(name);
  ws.mergeCells(1, 1, 1, header.length);
  ws.getCell(1, 1).value = title;
  ws.getCell(1, 1).font = { bold: true, size: 13 };
  ws.mergeCells(2, 1, 2, header.length);
  ws.getCell(2, 1).value = note;
  ws.addRow(header).font = { bold: true };
  widths.forEach((w, i) => (ws.getColumn(i + 1).width = w));
  ws.views = [{ state: 'frozen', ySplit: 3 }];
  return ws;
}

/** The day range of a work-log export, checked: valid days, from ≤ to, at most 366 days. Null when invalid. */
export function exportRange(from: string | undefined, to: string | undefined, now = Date.now()): { from: string; to: string } | null {
  const today = dayOf(now);
  const f = from || `${today.slice(0, 4)}-01-01`;
  const t = to || today;
  if (!isValidDay(f) || !isValidDay(t) || f > t || addDays(f, 366) < t) return null;
  return { from: f, to: t };
}

export async function buildExport(db: Db, actor: ExportActor, kind: ExportKind, o: ExportOptions = {}, now = Date.now()): Promise<{ buffer: Buffer; filename: string; rows: number } | null> {
  if (!canExport(actor.role)) return null;
  const full = !!o.full && canExportFullNumbers(actor.role);
  const phone = (p: string) => (full ? p : maskPhone(p));
  const idn = (s: string | null) => (full ? (s ?? '') : maskIdNumber(s));
  const scope = [actor.scopePath, actor.scopePath + '~'];
  const scopeName = (db.$client.prepare(`select full_name from regions where path = ?`).get(actor.scopePath) as { full_name: string } | undefined)?.full_name ?? '';
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  wb.created = new Date(now);
  const stamp = `导出时间 ${new Date(now).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })}　范围：${scopeName}　${full ? '含完整手机号、身份证号，请妥善保管' : '手机号、身份证号已打码'}`;
  let rows = 0;
  let title = '';
  let audit: Record<string, unknown> = {};

  if (kind === 'people') {
    title = `${scopeName} 人员名单`;
    const ws = sheet(wb, '人员名单', title, stamp, ['序号', '姓名', '手机号', '身份证号', '岗位', '所在区划', '账号状态', '上岗状态', '任职日期'], [6, 10, 14, 22, 12, 40, 9, 9, 12]);
    const list = db.$client
      .prepare(
        `select u.name, u.phone, u.id_number as idNumber, u.active, ra.role, ra.onboarding, ra.created_at as since, r.full_name as region
         from role_assignments ra join users u on u.id = ra.user_id join regions r on r.id = ra.region_id
         where ra.active = 1 and ra.region_path >= ? and ra.region_path < ? order by ra.region_path, ra.role, u.name`,
      )
      .all(...scope) as { name: string; phone: string; idNumber: string | null; active: number; role: Role; onboarding: string | null; since: number; region: string }[];
    for (const p of list) ws.addRow([++rows, p.name, phone(p.phone), idn(p.idNumber), ROLE_ZH[p.role], p.region, p.active ? '正常' : '已停用', p.onboarding === 'pending' ? '待上岗' : '已上岗', dayOf(p.since)]);
    audit = { rows, full };
  } else if (kind === 'training') {
    title = `${scopeName} 培训记录`;
    const ws = sheet(wb, '培训记录', title, stamp, ['序号', '姓名', '手机号', '所在区划', '培训任务', '类型', '截止日期', '已完成课程', '课程总数', '完成日期', '状态'], [6, 10, 14, 36, 24, 8, 12, 10, 9, 12, 8]);
    const today = dayOf(now);
    const list = db.$client
      .prepare(
        `select u.name, u.phone, r.full_name as region, coalesce(cu.title, co.title, '') as title, la.onboarding, e.due_date as due, e.courses_done as done, e.courses_total as total, e.completed_at as completedAt
         from enrollments e join users u on u.id = e.user_id join learning_assignments la on la.id = e.assignment_id
         left join curricula cu on cu.id = la.curriculum_id left join courses co on co.id = la.course_id
         left join role_assignments ra on ra.id = e.role_assignment_id left join regions r on r.id = ra.region_id
         where e.region_path >= ? and e.region_path < ? order by e.region_path, u.name, e.id`,
      )
      .all(...scope) as { name: string; phone: string; region: string | null; title: string; onboarding: number; due: string; done: number; total: number; completedAt: number | null }[];
    for (const e of list) {
      const status = e.completedAt ? '已完成' : e.due < today ? '已逾期' : '进行中';
      ws.addRow([++rows, e.name, phone(e.phone), e.region ?? '', e.title, e.onboarding ? '岗前培训' : '培训任务', e.due, e.done, e.total, e.completedAt ? dayOf(e.completedAt) : '', status]);
    }
    audit = { rows, full };
  } else if (kind === 'certificates') {
    title = `${scopeName} 证书`;
    const ws = sheet(wb, '证书', title, stamp, ['序号', '证书编号', '持证人', '手机号', '证书名称', '学时', '发证日期', '有效期至', '状态', '发证机关', '所在区划'], [6, 24, 10, 14, 28, 7, 12, 12, 8, 24, 36]);
    const today = dayOf(now);
    const list = db.$client
      .prepare(
        `select c.serial, c.holder_name as holder, u.phone, c.title, c.hours, c.issued_on as issuedOn, c.expires_on as expiresOn, c.status, c.issuer, r.full_name as region
         from certificates c join users u on u.id = c.user_id left join regions r on r.path = c.region_path
         where c.region_path >= ? and c.region_path < ? order by c.year, c.seq`,
      )
      .all(...scope) as { serial: string; holder: string; phone: string; title: string; hours: number | null; issuedOn: string; expiresOn: string | null; status: string; issuer: string; region: string | null }[];
    for (const c of list) {
      const status = c.status === 'revoked' ? '已撤销' : c.status === 'superseded' ? '已更新换发' : c.expiresOn && c.expiresOn < today ? '已过期' : '有效';
      ws.addRow([++rows, c.serial, c.holder, phone(c.phone), c.title, c.hours ?? '', c.issuedOn, c.expiresOn ?? '长期', status, c.issuer, c.region ?? '']);
    }
    audit = { rows, full };
  } else {
    const scopeLevel = pathIds(actor.scopePath).length;
    const range = exportRange(o.from, o.to, now);
    if (!range) return null;
    const level = Math.min(5, Math.max(scopeLevel, o.level ?? Math.min(5, scopeLevel + 1)));
    title = `${scopeName} 工作记录统计（${range.from} 至 ${range.to}）`;
    const types = Object.keys(ENTRY_ZH) as (keyof typeof ENTRY_ZH)[];
    const statuses = Object.keys(STATUS_ZH) as (keyof typeof STATUS_ZH)[];
    const header = ['序号', '区划', ...types.flatMap((ty) => statuses.map((st) => `${ENTRY_ZH[ty]}（${STATUS_ZH[st]}）`)), '合计'];
    const ws = sheet(wb, '工作记录统计', title, `${stamp}　按工作日期统计；只有已核实的记录计入考核和补贴`, header, [6, 36, ...types.flatMap(() => statuses.map(() => 11)), 9]);
    // regions of the chosen level in the scope, then every village path's counts added to its ancestor of that level
    const regionsAt = db.$client.prepare(`select id, full_name as name from regions where level = ? and path >= ? and path < ? order by path`).all(level, ...scope) as { id: number; name: string }[];
    const col = new Map<string, number>();
    types.forEach((ty, i) => statuses.forEach((st, j) => col.set(`${ty}|${st}`, i * statuses.length + j)));
    const counts = new Map<number, number[]>(regionsAt.map((r) => [r.id, new Array(types.length * statuses.length).fill(0)]));
    const grouped = db.$client
      .prepare(`select region_path as path, type, status, count(*) as n from work_entries where region_path >= ? and region_path < ? and day >= ? and day <= ? group by region_path, type, status`)
      .raw(true)
      .all(...scope, range.from, range.to) as [string, string, string, number][];
    for (const [path, type, status, n] of grouped) {
      const id = pathIds(path)[level - 1];
      const row = id !== undefined ? counts.get(id) : undefined;
      const c = col.get(`${type}|${status}`);
      if (row && c !== undefined) row[c]! += n;
    }
    for (const r of regionsAt) {
      const v = counts.get(r.id)!;
      ws.addRow([++rows, r.name, ...v, v.reduce((s, x) => s + x, 0)]);
    }
    audit = { rows, level, from: range.from, to: range.to };
  }

  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  writeAudit(db, { actorUserId: actor.userId, action: `export.${kind}`, entityType: 'export', entityId: null, regionPath: actor.scopePath, after: audit, ip: actor.ip, at: now });
  return { buffer, filename: `${title.replace(/[\s/\\:*?"<>|]+/g, '_')}.xlsx`, rows };
}
