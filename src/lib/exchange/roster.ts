import { and, eq, inArray } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { Db } from '../../../db/client';
import { regions, roleAssignments, users } from '../../../db/schema/index';
import { withinSql, isWithin, pathIds } from '../org/scope';
import { phoneField, personName, isValidIdNumber } from '../validation/form';
import { maskPhone } from '../privacy/mask';
import { writeAudit } from '../audit/audit';
import { enrolNewMember, enrolNewMembersBatch } from '../learning/enrol';
import { refreshStaffingRollups } from '../dashboard/rollups';
import { mapColumns, type Table } from './table';
import { inTransactionInChunks, bulkAuditWriter, ImportRejected, type Problem, type ImportActor } from './common';

export { ImportRejected };

/**
 * 人员名单导入: directors (儿童主任, one village each) and supervisors (儿童督导员, one township each), upserted
 * by phone inside the importer's jurisdiction. `checkRoster` is the dry run (reads only); `commitRoster`
 * checks again under the write lock and writes everything in one transaction, or nothing (ADR 0015).
 */

export const ROSTER_ROLES = { director: '儿童主任', supervisor: '儿童督导员' } as const;
export type RosterRole = keyof typeof ROSTER_ROLES;

const ROLE_WORDS: Record<string, RosterRole> = {
  儿童主任: 'director',
  主任: 'director',
  director: 'director',
  儿童督导员: 'supervisor',
  督导员: 'supervisor',
  supervisor: 'supervisor',
};

export const ROSTER_COLUMNS = {
  name: { names: ['姓名'], required: true },
  phone: { names: ['手机号', '手机号码', '联系电话', '手机'], required: true },
  idNumber: { names: ['身份证号', '身份证号码', '公民身份号码'], required: false },
  role: { names: ['岗位', '角色', '职务'], required: true },
  city: { names: ['市州', '市', '地市'], required: false },
  county: { names: ['县(市、区)', '县市区', '区县', '县区'], required: false },
  township: { names: ['乡镇(街道)', '乡镇街道', '街道'], required: true },
  village: { names: ['村(社区)', '村社区', '社区'], required: false },
} as const;
export type RosterField = keyof typeof ROSTER_COLUMNS;

/** The template's header (the importer accepts any column order and the other spellings above). */
export const ROSTER_TEMPLATE_HEADER = ['姓名*', '手机号*', '身份证号', '岗位*（儿童主任/儿童督导员）', '市州', '县(市、区)', '乡镇(街道)*', '村(社区)（儿童主任必填）'];

/** One data row as read from the file (cells trimmed), with its line number in the file. */
export type RawRosterRow = { line: number } & Record<RosterField, string>;

export function rosterRows(table: Table): RawRosterRow[] {
  const col = mapColumns(table.header, ROSTER_COLUMNS);
  return table.rows.map((r) => {
    const out = { line: r.line } as RawRosterRow;
    for (const k of Object.keys(ROSTER_COLUMNS) as RosterField[]) out[k] = col[k] >= 0 ? (r.cells[col[k]] ?? '').trim() : '';
    return out;
  });
}

export type RosterAction = 'create' | 'update' | 'unchanged';

export interface RosterPlan {
  line: number;
  action: RosterAction;
  name: string;
  phone: string;
  idNumber: string | null;
  role: RosterRole;
  regionId: number;
  regionPath: string;
  userId: number | null;
  /** an existing person's name and ID number before the import */
  before: { name: string; idNumber: string | null } | null;
  /** what changes for an existing person: 'name' | 'idNumber' | 'assignment' */
  changes: string[];
  /** active assignments of the same role inside the scope that this row replaces (调岗) */
  endAssignments: { id: number; regionId: number; regionPath: string }[];
}

export interface RosterCheck {
  plans: RosterPlan[];
  problems: Problem[];
  summary: { rows: number; create: number; update: number; unchanged: number; problems: number };
}

interface RegionLite {
  id: number;
  name: string;
  level: number;
  parentId: number | null;
  path: string;
}

/**
 * Every region of the scope from level 2 down (one range scan), indexed by name, by parent's name + name
 * and by county + township (+ village), so a row finds its region in a map look-up or two even when a
 * village name occurs in hundreds of townships.
 */
function regionIndex(db: Db, scopePath: string) {
  const rows = db.$client
    .prepare(`select id, name, level, parent_id as parentId, path from regions where path >= ? and path < ? and level >= 2 order by level`)
    .all(scopePath, scopePath + '~') as RegionLite[];
  const byId = new Map<number, RegionLite>();
  const byKey = new Map<string, RegionLite[]>();
  const add = (k: string, r: RegionLite) => {
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  };
  for (const r of rows) {
    byId.set(r.id, r);
    if (r.level !== 4 && r.level !== 5) continue;
    const parent = r.parentId ? byId.get(r.parentId) : undefined;
    const grand = parent?.parentId ? byId.get(parent.parentId) : undefined;
    add(`${r.level}|${r.name}`, r);
    if (r.level === 5 && parent) {
      add(`5|${parent.name}|${r.name}`, r);
      if (grand) add(`5|${grand.name}|${parent.name}|${r.name}`, r);
    }
    if (r.level === 4 && parent) add(`4|${parent.name}|${r.name}`, r);
  }
  return { byId, byKey };
}

function chunked<T>(xs: T[], n = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

interface ExistingUser {
  id: number;
  phone: string;
  name: string;
  idNumber: string | null;
  active: boolean;
}
interface ExistingAssignment {
  id: number;
  userId: number;
  role: string;
  regionId: number;
  regionPath: string;
  active: boolean;
}

/**
 * The dry run: every row checked against the file's other rows and the database, nothing written.
 * Problems name the line, the column and what is wrong, in the words of src/i18n (`v.import.*`).
 */
export function checkRoster(db: Db, scopePath: string, rows: RawRosterRow[]): RosterCheck {
  const problems: Problem[] = [];
  const idx = regionIndex(db, scopePath);
  const problem = (line: number, column: RosterField | '_row', key: string, params: Record<string, string | number> = {}) => problems.push({ line, column, key: `v.import.${key}`, params });

  // people already known by phone or ID number (chunked IN lists over the unique indexes)
  const phones = [...new Set(rows.map((r) => r.phone.replace(/[\s-]/g, '')).filter((p) => /^1\d{10}$/.test(p)))];
  const ids = [...new Set(rows.map((r) => r.idNumber.toUpperCase()).filter((s) => s.length === 18))];
  const byPhone = new Map<string, ExistingUser>();
  const byIdNumber = new Map<string, ExistingUser>();
  const userCols = { id: users.id, phone: users.phone, name: users.name, idNumber: users.idNumber, active: users.active };
  for (const c of chunked(phones)) for (const u of db.select(userCols).from(users).where(inArray(users.phone, c)).all()) byPhone.set(u.phone, u);
  for (const c of chunked(ids)) for (const u of db.select(userCols).from(users).where(inArray(users.idNumber, c)).all()) if (u.idNumber) byIdNumber.set(u.idNumber, u);
  const assignmentsByUser = new Map<number, ExistingAssignment[]>();
  for (const c of chunked([...byPhone.values()].map((u) => u.id))) {
    for (const a of db
      .select({ id: roleAssignments.id, userId: roleAssignments.userId, role: roleAssignments.role, regionId: roleAssignments.regionId, regionPath: roleAssignments.regionPath, active: roleAssignments.active })
      .from(roleAssignments)
      .where(inArray(roleAssignments.userId, c))
      .all()) {
      const list = assignmentsByUser.get(a.userId);
      if (list) list.push(a);
      else assignmentsByUser.set(a.userId, [a]);
    }
  }

  const firstLineOfPhone = new Map<string, number>();
  const firstOfId = new Map<string, { line: number; phone: string }>();
  const plans: RosterPlan[] = [];
  for (const r of rows) {
    const before = problems.length;
    const name = personName.safeParse(r.name);
    if (!name.success) problem(r.line, 'name', r.name ? 'personName' : 'required');
    const phone = phoneField.safeParse(r.phone);
    if (!phone.success) problem(r.line, 'phone', r.phone ? 'phone' : 'required');
    const idNumber = r.idNumber.toUpperCase() || null;
    if (idNumber && !isValidIdNumber(idNumber)) problem(r.line, 'idNumber', /^\d{17}[\dX]$/.test(idNumber) ? 'idNumberCheck' : 'idNumber');
    const role = ROLE_WORDS[r.role.replace(/\s/g, '')];
    if (!role) problem(r.line, 'role', r.role ? 'role' : 'required');

    // within the file
    if (phone.success) {
      const first = firstLineOfPhone.get(phone.data);
      if (first !== undefined) problem(r.line, 'phone', 'duplicatePhone', { line: first });
      else firstLineOfPhone.set(phone.data, r.line);
    }
    if (idNumber && isValidIdNumber(idNumber) && phone.success) {
      const first = firstOfId.get(idNumber);
      if (first && first.phone !== phone.data) problem(r.line, 'idNumber', 'duplicateIdNumber', { line: first.line });
      else if (!first) firstOfId.set(idNumber, { line: r.line, phone: phone.data });
    }

    // the post: a village for a director, a township for a supervisor, matched by name in the scope
    let region: RegionLite | null = null;
    if (role) region = matchRegion(idx, r, role, (column, key, params) => problem(r.line, column, key, params));

    // the person, if known
    let existing: ExistingUser | null = null;
    if (phone.success) {
      existing = byPhone.get(phone.data) ?? null;
      if (existing) {
        const mine = assignmentsByUser.get(existing.id) ?? [];
        if (!mine.some((a) => isWithin(scopePath, a.regionPath))) problem(r.line, 'phone', 'phoneOutOfScope');
        else if (!existing.active) problem(r.line, 'phone', 'inactive');
      }
    }
    if (idNumber && isValidIdNumber(idNumber) && phone.success) {
      const holder = byIdNumber.get(idNumber);
      if (holder && holder.phone !== phone.data) problem(r.line, 'idNumber', 'idNumberTaken', { phone: maskPhone(holder.phone) });
    }
    if (problems.length > before || !name.success || !phone.success || !role || !region) continue;

    const plan: RosterPlan = {
      line: r.line,
      action: 'create',
      name: name.data,
      phone: phone.data,
      idNumber,
      role,
      regionId: region.id,
      regionPath: region.path,
      userId: existing?.id ?? null,
      before: existing ? { name: existing.name, idNumber: existing.idNumber } : null,
      changes: [],
      endAssignments: [],
    };
    if (existing) {
      const mine = assignmentsByUser.get(existing.id) ?? [];
      if (existing.name !== plan.name) plan.changes.push('name');
      if (idNumber && existing.idNumber !== idNumber) plan.changes.push('idNumber');
      const holds = mine.some((a) => a.active && a.role === role && a.regionId === region.id);
      if (!holds) {
        plan.changes.push('assignment');
        plan.endAssignments = mine.filter((a) => a.active && a.role === role && isWithin(scopePath, a.regionPath)).map((a) => ({ id: a.id, regionId: a.regionId, regionPath: a.regionPath }));
      }
      plan.action = plan.changes.length ? 'update' : 'unchanged';
    }
    plans.push(plan);
  }
  const count = (a: RosterAction) => plans.filter((p) => p.action === a).length;
  return {
    plans,
    problems,
    summary: { rows: rows.length, create: count('create'), update: count('update'), unchanged: count('unchanged'), problems: problems.length },
  };
}

type RegionIdx = ReturnType<typeof regionIndex>;

/** The region a row names; township, county and city columns narrow a name that occurs more than once. */
function matchRegion(idx: RegionIdx, r: RawRosterRow, role: RosterRole, problem: (column: RosterField, key: string, params?: Record<string, string | number>) => void): RegionLite | null {
  const level = role === 'director' ? 5 : 4;
  const column: RosterField = role === 'director' ? 'village' : 'township';
  const wanted = role === 'director' ? r.village : r.township;
  if (!wanted) {
    problem(column, role === 'director' ? 'villageRequired' : 'required');
    return null;
  }
  if (role === 'supervisor' && r.village) {
    problem('village', 'supervisorVillage');
    return null;
  }
  const all = idx.byKey.get(`${level}|${wanted}`) ?? [];
  if (all.length === 0) {
    problem(column, role === 'director' ? 'unknownVillage' : 'unknownTownship', { name: wanted });
    return null;
  }
  const ancestor = (x: RegionLite, lvl: number): RegionLite | undefined => {
    let cur: RegionLite | undefined = x;
    while (cur && cur.level > lvl) cur = cur.parentId ? idx.byId.get(cur.parentId) : undefined;
    return cur;
  };
  // start from the most specific key the row allows, then check every given column
  let candidates =
    role === 'director'
      ? r.township && r.county
        ? (idx.byKey.get(`5|${r.county}|${r.township}|${wanted}`) ?? [])
        : r.township
          ? (idx.byKey.get(`5|${r.township}|${wanted}`) ?? [])
          : all
      : r.county
        ? (idx.byKey.get(`4|${r.county}|${wanted}`) ?? [])
        : all;
  const narrow = (lvl: number, name: string) => {
    if (name) candidates = candidates.filter((c) => ancestor(c, lvl)?.name === name);
  };
  if (role === 'director') narrow(4, r.township);
  narrow(3, r.county);
  narrow(2, r.city);
  if (candidates.length === 0) {
    const where = [r.city, r.county, role === 'director' ? r.township : ''].filter(Boolean).join('');
    problem(column, role === 'director' ? 'villageNotUnder' : 'townshipNotUnder', { name: wanted, where });
    return null;
  }
  if (candidates.length > 1) {
    const places = candidates
      .slice(0, 4)
      .map((c) => [ancestor(c, 3)?.name, role === 'director' ? ancestor(c, 4)?.name : null].filter(Boolean).join(''))
      .join('、');
    problem(column, role === 'director' ? 'ambiguousVillage' : 'ambiguousTownship', { name: wanted, n: candidates.length, places });
    return null;
  }
  return candidates[0]!;
}

export interface RosterResult {
  created: number;
  updated: number;
  unchanged: number;
  /** regions whose staffing changed (villages and townships where an assignment was added or ended) */
  affectedRegionIds: number[];
}

/**
 * The roster import's whole write path, in one function and one transaction (ADR 0015): the rows are
 * checked again under the write lock (someone may have changed people since the dry run), any problem
 * rolls everything back (ImportRejected), otherwise every row is applied in chunks, yielding to the event
 * loop between chunks so the server keeps answering (and the page can poll the progress).
 *
 * `db` must be a connection nobody else uses meanwhile (the server opens one per import): requests
 * served between two chunks must not run inside this transaction.
 *
 * New people get `passwordHash` (the administrator's initial password, hashed once per import) and must
 * change it at first sign-in; an existing person's password is never touched.
 */
export async function commitRoster(
  db: Db,
  actor: ImportActor,
  rows: RawRosterRow[],
  opts: { passwordHash: string; jobId: number | null; now?: number; chunkSize?: number; onProgress?: (done: number, total: number) => void; beforeCommit?: (r: RosterResult) => void },
): Promise<RosterResult> {
  const now = opts.now ?? Date.now();
  return inTransactionInChunks(db, async (step) => {
    const check = checkRoster(db, actor.scopePath, rows);
    if (check.problems.length) throw new ImportRejected(check.problems);
    const affected = new Set<number>();
    const insertUser = db.$client.prepare(
      `insert into users (phone, name, id_number, password_hash, must_change_password, active, created_at, updated_at, password_changed_at)
       values (?, ?, ?, ?, 1, 1, ?, ?, ?)`,
    );
    const insertAssignment = db.$client.prepare(`insert into role_assignments (user_id, role, region_id, region_path, active, created_at) values (?, ?, ?, ?, 1, ?)`);
    const updateUser = db.$client.prepare(`update users set name = ?, id_number = ?, updated_at = ? where id = ?`);
    const endAssignment = db.$client.prepare(`update role_assignments set active = 0, ended_at = ? where id = ? and active = 1`);
    const source = { source: 'import', jobId: opts.jobId };
    const audit = bulkAuditWriter(db);
    // new people's onboarding gate and cohort enrolments, per chunk (the same as enrolNewMember, batched)
    let fresh: { id: number; userId: number; role: RosterRole; regionPath: string }[] = [];
    await step(check.plans, opts.chunkSize ?? 2000, (p) => {
      if (p.action === 'unchanged') return;
      if (p.action === 'create') {
        const userId = Number(insertUser.run(p.phone, p.name, p.idNumber, opts.passwordHash, now, now, now).lastInsertRowid);
        const assignmentId = Number(insertAssignment.run(userId, p.role, p.regionId, p.regionPath, now).lastInsertRowid);
        fresh.push({ id: assignmentId, userId, role: p.role, regionPath: p.regionPath });
        affected.add(p.regionId);
        audit({
          actorUserId: actor.userId,
          action: 'user.create',
          entityType: 'user',
          entityId: userId,
          regionPath: p.regionPath,
          after: { name: p.name, phone: p.phone, idNumber: p.idNumber, active: true, assignment: { id: assignmentId, role: p.role, regionId: p.regionId }, ...source },
          ip: actor.ip,
          at: now,
        });
        return;
      }
      const userId = p.userId!;
      const before = p.before!;
      const after: Record<string, unknown> = {};
      if (p.changes.includes('name') || p.changes.includes('idNumber')) {
        updateUser.run(p.name, p.idNumber ?? before.idNumber, now, userId);
        after.name = p.name;
        after.idNumber = p.idNumber ?? before.idNumber;
      }
      if (p.changes.includes('assignment')) {
        for (const e of p.endAssignments) {
          endAssignment.run(now, e.id);
          affected.add(e.regionId);
        }
        const assignmentId = Number(insertAssignment.run(userId, p.role, p.regionId, p.regionPath, now).lastInsertRowid);
        enrolNewMember(db, assignmentId, now);
        affected.add(p.regionId);
        after.assignment = { id: assignmentId, role: p.role, regionId: p.regionId, ended: p.endAssignments.map((e) => e.id) };
      }
      audit({
        actorUserId: actor.userId,
        action: 'user.import_update',
        entityType: 'user',
        entityId: userId,
        regionPath: p.regionPath,
        before: { name: before.name, idNumber: before.idNumber },
        after: { ...after, ...source },
        ip: actor.ip,
        at: now,
      });
    }, (done, total) => {
      enrolNewMembersBatch(db, fresh, now);
      fresh = [];
      opts.onProgress?.(done, total);
    });
    // staffing is counted per village and township: a changed village changes its township's figures too
    const affectedRegionIds = [...affected].sort((a, b) => a - b);
    // the dashboards' staffing rollups of the affected villages/townships (and their ancestors), inside
    // this transaction so they commit together (ADR 0014)
    if (affectedRegionIds.length) refreshStaffingRollups(db, affectedRegionIds);
    const result: RosterResult = { created: check.summary.create, updated: check.summary.update, unchanged: check.summary.unchanged, affectedRegionIds };
    writeAudit(db, {
      actorUserId: actor.userId,
      action: 'roster.import',
      entityType: 'import_job',
      entityId: opts.jobId,
      regionPath: actor.scopePath,
      after: { rows: rows.length, created: result.created, updated: result.updated, unchanged: result.unchanged, regions: affectedRegionIds.length },
      ip: actor.ip,
      at: now,
    });
    opts.beforeCommit?.(result);
    return result;
  });
}

/** The template: header, two example rows (a director, a supervisor) and a sheet of instructions. */
export async function rosterTemplateXlsx(exampleVillage: { city: string; county: string; township: string; village: string } | null): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  const ws = wb.addWorksheet('人员名单');
  ws.addRow(ROSTER_TEMPLATE_HEADER).font = { bold: true };
  const ex = exampleVillage ?? { city: '十堰市', county: '竹山县', township: '城关镇', village: '示例村' };
  ws.addRow(['张三', '13800000000', '', '儿童主任', ex.city, ex.county, ex.township, ex.village]);
  ws.addRow(['李四', '13800000001', '', '儿童督导员', ex.city, ex.county, ex.township, '']);
  [10, 14, 21, 26, 10, 12, 14, 20].forEach((w, i) => (ws.getColumn(i + 1).width = w));
  // phones and ID numbers as text, so Excel keeps every digit (an 18-digit number loses its last digits)
  ws.getColumn(2).numFmt = '@';
  ws.getColumn(3).numFmt = '@';
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  const help = wb.addWorksheet('填写说明');
  for (const line of ROSTER_TEMPLATE_HELP) help.addRow([line]);
  help.getColumn(1).width = 100;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const ROSTER_TEMPLATE_HELP = [
  '人员名单导入说明（童护学堂）',
  '1. 第一行是表头，请勿修改列名；列的顺序可以调整。带 * 的列必填。示例行请删除后再导入。',
  '2. 岗位填“儿童主任”或“儿童督导员”。儿童主任须填写所在村(社区)；儿童督导员填写所在乡镇(街道)，村(社区)留空。',
  '3. 村(社区)、乡镇(街道)按名称在您管辖的区划内查找；同名时请填写县(市、区)（必要时填写市州）以区分。',
  '4. 手机号是每个人的唯一标识：已有账号按手机号更新姓名、身份证号和岗位（调岗时原岗位自动结束），新手机号新建账号。',
  '5. 身份证号可留空；填写时须为 18 位，出生日期和末位校验码须正确。手机号、身份证号两列请设置为“文本”格式。',
  '6. 使用 CSV 时请另存为“CSV UTF-8（逗号分隔）”；GBK 编码的 CSV 不能读取。',
  '7. 导入前系统会先检查每一行并列出问题；有任何问题时不会写入任何数据。同一文件重复导入不会产生重复账号。',
  '8. 新账号使用导入时设置的初始密码，首次登录时必须修改。',
];

/** A village of the scope for the template's example row (so it imports once the names are changed). */
export function exampleVillage(db: Db, scopePath: string) {
  const v = db
    .select({ path: regions.path })
    .from(regions)
    .where(and(eq(regions.level, 5), withinSql(regions.path, scopePath)))
    .orderBy(regions.path)
    .limit(1)
    .get();
  if (!v) return null;
  const ids = pathIds(v.path);
  const names = new Map(
    db
      .select({ id: regions.id, name: regions.name })
      .from(regions)
      .where(inArray(regions.id, ids))
      .all()
      .map((r) => [r.id, r.name]),
  );
  return { city: names.get(ids[1]!) ?? '', county: names.get(ids[2]!) ?? '', township: names.get(ids[3]!) ?? '', village: names.get(ids[4]!) ?? '' };
}

