import ExcelJS from 'exceljs';
import type { Db } from '../../../db/client';
import { dayOf, isValidDay } from '../time';
import { ID_NUMBER_LIKE, INFO_NOTE_MAX as NOTE_MAX } from '../fieldwork/schemas';
import { mapColumns, type Table } from './table';
import { inTransactionInChunks, bulkAuditWriter, ImportRejected, type ImportActor, type Problem } from './common';

/**
 * 信息系统更新记录导入: the records a worker made in the national child-welfare information system
 * (全国儿童福利信息管理系统), exported as a table of worker, case code and update date. Each record becomes a
 * work entry of type `info_update` for that case — the same kind a director logs by hand — already
 * verified (the national system is the evidence), so 信息更新及时率 and the subsidy's infoUpdates criterion
 * (src/lib/subsidy/compute.ts) count real updates. The entry's clientId is `infosys:<case id>:<day>`, so
 * the same worker, case and day imported twice (in one file or two) is one entry.
 */

export const INFOSYS_COLUMNS = {
  worker: { names: ['工作人员', '工作人员手机号', '工作人员身份证号', '更新人', '儿童主任'], required: true },
  caseCode: { names: ['个案编号', '儿童编号', '档案编号'], required: true },
  day: { names: ['更新日期', '更新时间', '日期'], required: true },
  note: { names: ['更新内容', '备注'], required: false },
} as const;
export type InfosysField = keyof typeof INFOSYS_COLUMNS;
export const INFOSYS_TEMPLATE_HEADER = ['工作人员*（手机号或身份证号）', '个案编号*', '更新日期*（如 2026-11-03）', '更新内容'];

export type RawInfosysRow = { line: number } & Record<InfosysField, string>;

export function infosysRows(table: Table): RawInfosysRow[] {
  const col = mapColumns(table.header, INFOSYS_COLUMNS);
  return table.rows.map((r) => {
    const out = { line: r.line } as RawInfosysRow;
    for (const k of Object.keys(INFOSYS_COLUMNS) as InfosysField[]) out[k] = col[k] >= 0 ? (r.cells[col[k]] ?? '').trim() : '';
    return out;
  });
}

/** 2026-11-03, 2026/11/3, 2026.11.3, 2026年11月3日, optionally followed by a time → 2026-11-03 (or null). */
export function parseDay(s: string): string | null {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$/.exec(s.trim());
  if (!m) return null;
  const day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return isValidDay(day) ? day : null;
}

export interface InfosysPlan {
  line: number;
  userId: number;
  caseId: number;
  villageId: number;
  regionPath: string;
  day: string;
  note: string;
  clientId: string;
  /** already imported (or logged with the same key) before: nothing to write */
  already: boolean;
}

export interface InfosysCheck {
  plans: InfosysPlan[];
  problems: Problem[];
  summary: { rows: number; create: number; unchanged: number; duplicates: number; problems: number };
}

function chunked<T>(xs: T[], n = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** The dry run: workers, cases and days checked; nothing written. */
export function checkInfosys(db: Db, scopePath: string, rows: RawInfosysRow[], now = Date.now()): InfosysCheck {
  const problems: Problem[] = [];
  const problem = (line: number, column: InfosysField, key: string, params: Record<string, string | number> = {}) => problems.push({ line, column, key: `v.import.${key}`, params });
  const c = db.$client;
  const today = dayOf(now);
  const norm = (w: string) => w.replace(/[\s-]/g, '').toUpperCase();

  // workers by phone or ID number, and the villages where they are or were 儿童主任 inside the scope
  const keys = [...new Set(rows.map((r) => norm(r.worker)).filter(Boolean))];
  const workers = new Map<string, number>();
  for (const ch of chunked(keys)) {
    const q = ch.map(() => '?').join(',');
    for (const u of c.prepare(`select id, phone, id_number as idNumber from users where phone in (${q}) or id_number in (${q})`).all(...ch, ...ch) as { id: number; phone: string; idNumber: string | null }[]) {
      workers.set(u.phone, u.id);
      if (u.idNumber) workers.set(u.idNumber, u.id);
    }
  }
  const villagesOf = new Map<number, Set<number>>();
  for (const ch of chunked([...new Set(workers.values())])) {
    for (const a of c
      .prepare(`select user_id as userId, region_id as regionId from role_assignments where role = 'director' and user_id in (${ch.map(() => '?').join(',')}) and region_path >= ? and region_path < ?`)
      .all(...ch, scopePath, scopePath + '~') as { userId: number; regionId: number }[]) {
      const set = villagesOf.get(a.userId) ?? new Set<number>();
      set.add(a.regionId);
      villagesOf.set(a.userId, set);
    }
  }
  // cases by code inside the scope (a code is unique per village only)
  const codes = [...new Set(rows.map((r) => r.caseCode).filter(Boolean))];
  const casesByCode = new Map<string, { id: number; villageId: number; regionPath: string; openedOn: string }[]>();
  for (const ch of chunked(codes)) {
    for (const k of c
      .prepare(`select id, code, village_id as villageId, region_path as regionPath, opened_on as openedOn from cases where code in (${ch.map(() => '?').join(',')}) and region_path >= ? and region_path < ?`)
      .all(...ch, scopePath, scopePath + '~') as { id: number; code: string; villageId: number; regionPath: string; openedOn: string }[]) {
      const list = casesByCode.get(k.code) ?? [];
      list.push(k);
      casesByCode.set(k.code, list);
    }
  }

  const plans: InfosysPlan[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of rows) {
    const before = problems.length;
    let userId: number | undefined;
    if (!r.worker) problem(r.line, 'worker', 'required');
    else {
      userId = workers.get(norm(r.worker));
      if (userId === undefined) problem(r.line, 'worker', 'unknownWorker', { worker: r.worker.length > 11 ? `${r.worker.slice(0, 4)}…` : r.worker });
    }
    const day = r.day ? parseDay(r.day) : null;
    if (!r.day) problem(r.line, 'day', 'required');
    else if (!day) problem(r.line, 'day', 'badDate', { value: r.day });
    else if (day > today) problem(r.line, 'day', 'futureDate');
    let kase: { id: number; villageId: number; regionPath: string; openedOn: string } | undefined;
    if (!r.caseCode) problem(r.line, 'caseCode', 'required');
    else {
      const all = casesByCode.get(r.caseCode) ?? [];
      if (all.length === 0) problem(r.line, 'caseCode', 'unknownCase', { code: r.caseCode });
      else if (userId !== undefined) {
        const mine = all.filter((k) => villagesOf.get(userId!)?.has(k.villageId));
        if (mine.length === 0) problem(r.line, 'worker', 'workerNotDirector', { code: r.caseCode });
        else if (mine.length > 1) problem(r.line, 'caseCode', 'ambiguousCase', { code: r.caseCode });
        else kase = mine[0];
      }
    }
    if (kase && day && day < kase.openedOn) problem(r.line, 'day', 'beforeOpened', { day: kase.openedOn });
    // the same rule as the form's note: a child is known by the case code only (ADR 0010)
    if (ID_NUMBER_LIKE.test(r.note)) problem(r.line, 'note', 'noIdNumber');
    // the form's limit: a longer text is refused, never cut short without a word
    else if (r.note.length > NOTE_MAX) problem(r.line, 'note', 'noteTooLong', { max: NOTE_MAX, n: r.note.length });
    if (problems.length > before || userId === undefined || !kase || !day) continue;
    const clientId = `infosys:${kase.id}:${day}`;
    const key = `${userId}|${clientId}`;
    if (seen.has(key)) {
      duplicates++;
      continue;
    }
    seen.add(key);
    plans.push({ line: r.line, userId, caseId: kase.id, villageId: kase.villageId, regionPath: kase.regionPath, day, note: r.note, clientId, already: false });
  }
  // already imported (the unique (user_id, client_id) index answers)
  for (const ch of chunked(plans, 300)) {
    const found = new Set(
      (c.prepare(`select user_id as u, client_id as k from work_entries where (user_id, client_id) in (values ${ch.map(() => '(?, ?)').join(',')})`).all(...ch.flatMap((p) => [p.userId, p.clientId])) as { u: number; k: string }[]).map((x) => `${x.u}|${x.k}`),
    );
    for (const p of ch) p.already = found.has(`${p.userId}|${p.clientId}`);
  }
  const create = plans.filter((p) => !p.already).length;
  return { plans, problems, summary: { rows: rows.length, create, unchanged: plans.length - create, duplicates, problems: problems.length } };
}

export interface InfosysResult {
  created: number;
  unchanged: number;
  duplicates: number;
}

/** The whole write path of an information-system import: checked again under the write lock, one transaction. */
export async function commitInfosys(
  db: Db,
  actor: ImportActor,
  rows: RawInfosysRow[],
  opts: { jobId: number | null; now?: number; chunkSize?: number; onProgress?: (done: number, total: number) => void; beforeCommit?: (r: InfosysResult) => void },
): Promise<InfosysResult> {
  const now = opts.now ?? Date.now();
  return inTransactionInChunks(db, async (step) => {
    const check = checkInfosys(db, actor.scopePath, rows, now);
    if (check.problems.length) throw new ImportRejected(check.problems);
    const insert = db.$client.prepare(
      `insert into work_entries (user_id, client_id, type, case_id, village_id, region_path, day, data, flagged, situations, status, submitted_at, decided_at, decided_by, revision, created_at, updated_at)
       values (?, ?, 'info_update', ?, ?, ?, ?, ?, 0, '[]', 'verified', ?, ?, ?, 1, ?, ?) on conflict do nothing`,
    );
    const audit = bulkAuditWriter(db);
    let created = 0;
    await step(
      check.plans.filter((p) => !p.already),
      opts.chunkSize ?? 2000,
      (p) => {
        const data = JSON.stringify({ note: p.note || '全国儿童福利信息管理系统更新记录（导入）', source: 'infosys', jobId: opts.jobId });
        const r = insert.run(p.userId, p.clientId, p.caseId, p.villageId, p.regionPath, p.day, data, now, now, actor.userId, now, now);
        if (r.changes === 0) return;
        created++;
        audit({ actorUserId: actor.userId, action: 'work.info_update_import', entityType: 'work_entry', entityId: Number(r.lastInsertRowid), regionPath: p.regionPath, after: { day: p.day, caseId: p.caseId, userId: p.userId, source: 'infosys', jobId: opts.jobId }, ip: actor.ip, at: now });
      },
      opts.onProgress,
    );
    audit({ actorUserId: actor.userId, action: 'infosys.import', entityType: 'import_job', entityId: opts.jobId, regionPath: actor.scopePath, after: { rows: rows.length, created, unchanged: check.summary.unchanged, duplicates: check.summary.duplicates }, ip: actor.ip, at: now });
    const result = { created, unchanged: check.summary.unchanged, duplicates: check.summary.duplicates };
    opts.beforeCommit?.(result);
    return result;
  });
}

export async function infosysTemplateXlsx(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '童护学堂';
  const ws = wb.addWorksheet('信息更新记录');
  ws.addRow(INFOSYS_TEMPLATE_HEADER).font = { bold: true };
  ws.addRow(['13800000000', 'V1-001', '2026-11-03', '更新监护情况']);
  [28, 14, 24, 30].forEach((w, i) => (ws.getColumn(i + 1).width = w));
  ws.getColumn(1).numFmt = '@';
  ws.getColumn(2).numFmt = '@';
  const help = wb.addWorksheet('填写说明');
  for (const line of [
    '信息系统更新记录导入说明（童护学堂）',
    '1. 每行一条在全国儿童福利信息管理系统中的更新记录：工作人员（手机号或 18 位身份证号）、个案编号、更新日期。示例行请删除后再导入。',
    '2. 个案编号须是该工作人员担任儿童主任的村(社区)中的个案（与“工作记录”中的编号一致）。',
    '3. 更新日期写作 2026-11-03、2026/11/3 或 2026年11月3日，不能晚于今天，不能早于个案建档日期。',
    '4. 同一工作人员、同一个案、同一天的记录只计一次；重复导入同一文件不会重复计数。',
    '5. 导入的记录计为已核实的“信息系统更新”，用于信息更新及时率和补贴考核。',
    '6. 使用 CSV 时请另存为“CSV UTF-8（逗号分隔）”；GBK 编码的 CSV 不能读取。',
  ])
    help.addRow([line]);
  help.getColumn(1).width = 100;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
