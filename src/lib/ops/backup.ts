import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Online backups and restores of the SQLite database (docs/decisions/0018-hardening.md).
 *
 * A backup uses SQLite's online backup API (better-sqlite3 `db.backup()`): pages are copied a few at a
 * time while the server keeps reading and writing, and the copy is a consistent snapshot of one moment.
 * The files that live beside the database and cannot be recreated — the certificate signing key (keys/)
 * and uploaded H5P packages (h5p/) — are copied into `<backup>.files/`.
 *
 * A restore never swaps in a file that fails `PRAGMA integrity_check`, and refuses while a server has the
 * database open (its pid file, see `serverPidFile`) unless told to.
 */

export class OpsError extends Error {}

/** Folders beside the database that a backup carries along. */
export const SIDE_FOLDERS = ['keys', 'h5p'] as const;

export function serverPidFile(dbFile: string): string {
  return `${resolve(dbFile)}.server.pid`;
}

/** Written by src/cli/serve.ts while it serves; removed on a clean stop. */
export function writeServerPid(dbFile: string, pid = process.pid): void {
  writeFileSync(serverPidFile(dbFile), String(pid));
}

export function removeServerPid(dbFile: string): void {
  rmSync(serverPidFile(dbFile), { force: true });
}

/** The pid of a live server using this database, or null (a pid file left by a killed server is stale). */
export function runningServerPid(dbFile: string): number | null {
  const f = serverPidFile(dbFile);
  if (!existsSync(f)) return null;
  const pid = Number(readFileSync(f, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** `PRAGMA integrity_check` of a database file, opened read-only: 'ok' or the first problems found. */
export function integrityCheck(file: string): string {
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).slice(0, 10).join('; ');
  } catch (e) {
    // a file so damaged that SQLite cannot read its schema ("database disk image is malformed")
    return e instanceof Error ? e.message : String(e);
  } finally {
    db?.close();
  }
}

export function defaultBackupPath(dbFile: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return join(dirname(resolve(dbFile)), 'backups', `tonghu-${stamp}.db`);
}

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
  sideFolders: string[];
}

/**
 * Online backup of `dbFile` to `to` (which must not exist). `source` may be an already open connection
 * (the server's own, in tests); otherwise a separate connection is opened, which works while another
 * process serves from the same file.
 */
export async function backupDatabase(dbFile: string, to: string, opts: { source?: Database.Database; pagesPerStep?: number } = {}): Promise<BackupResult> {
  const dest = resolve(to);
  if (existsSync(dest)) throw new OpsError(`备份目标已存在：${dest}`);
  if (!existsSync(resolve(dbFile))) throw new OpsError(`数据库文件不存在：${resolve(dbFile)}`);
  mkdirSync(dirname(dest), { recursive: true });
  const started = Date.now();
  const src = opts.source ?? new Database(resolve(dbFile), { fileMustExist: true });
  let pages = 0;
  try {
    if (!opts.source) src.pragma('busy_timeout = 15000');
    const r = await src.backup(`${dest}.partial`, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        // All pages in one step by default: a write by another connection (the server) between two steps
        // would make SQLite restart the copy, and a busy server would keep it restarting for ever. One step
        // is one read transaction, which in WAL mode never blocks the server's writers.
        return opts.pagesPerStep ?? 0x7fffffff;
      },
    });
    pages = r.totalPages;
  } catch (e) {
    rmSync(`${dest}.partial`, { force: true });
    throw e;
  } finally {
    if (!opts.source) src.close();
  }
  // a backup is one self-contained file: the copy inherits WAL mode from the source, so switch it back to
  // a rollback journal (the server sets WAL again when it opens a restored file)
  const copy = new Database(`${dest}.partial`);
  copy.pragma('journal_mode = DELETE');
  copy.close();
  const check = integrityCheck(`${dest}.partial`);
  if (check !== 'ok') {
    rmSync(`${dest}.partial`, { force: true });
    throw new OpsError(`备份副本未通过完整性检查：${check}`);
  }
  renameSync(`${dest}.partial`, dest);
  const sideFolders: string[] = [];
  for (const name of SIDE_FOLDERS) {
    const dir = join(dirname(resolve(dbFile)), name);
    if (existsSync(dir)) {
      cpSync(dir, join(`${dest}.files`, name), { recursive: true });
      sideFolders.push(name);
    }
  }
  return { file: dest, bytes: statSync(dest).size, pages, ms: Date.now() - started, sideFolders };
}

export interface RestoreResult {
  file: string;
  /** where the database that was replaced was kept */
  previous: string | null;
  sideFolders: string[];
}

/**
 * Brings a backup back as `dbFile`. The backup is checked first (integrity_check), copied beside the
 * target and checked again, and only then renamed over it (a rename is atomic on one file system). The
 * replaced database (with its -wal) is kept as `<db>.before-restore-<time>`.
 */
export function restoreDatabase(opts: { from: string; dbFile: string; force?: boolean; now?: Date }): RestoreResult {
  const from = resolve(opts.from);
  const target = resolve(opts.dbFile);
  if (!existsSync(from)) throw new OpsError(`备份文件不存在：${from}`);
  const pid = runningServerPid(target);
  if (pid !== null && !opts.force) {
    throw new OpsError(`服务器 (进程 ${pid}) 正在使用 ${target}：请先停止服务器，或确认无误后加 --force。`);
  }
  const check = integrityCheck(from);
  if (check !== 'ok') throw new OpsError(`备份文件未通过完整性检查，未恢复：${check}`);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.restoring`;
  rmSync(tmp, { force: true });
  cpSync(from, tmp);
  const check2 = integrityCheck(tmp);
  if (check2 !== 'ok') {
    rmSync(tmp, { force: true });
    throw new OpsError(`复制后的文件未通过完整性检查，未恢复：${check2}`);
  }
  let previous: string | null = null;
  if (existsSync(target)) {
    const stamp = (opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    previous = `${target}.before-restore-${stamp}`;
    // fold the old WAL into the old file first, so the kept copy is whole on its own
    try {
      const old = new Database(target, { fileMustExist: true });
      old.pragma('wal_checkpoint(TRUNCATE)');
      old.close();
    } catch {
      /* a damaged old database is kept as it is */
    }
    renameSync(target, previous);
    for (const ext of ['-wal', '-shm']) if (existsSync(target + ext)) renameSync(target + ext, previous + ext);
  }
  for (const ext of ['-wal', '-shm']) if (existsSync(target + ext)) unlinkSync(target + ext);
  renameSync(tmp, target);
  const sideFolders: string[] = [];
  for (const name of SIDE_FOLDERS) {
    const dir = join(`${from}.files`, name);
    if (existsSync(dir)) {
      cpSync(dir, join(dirname(target), name), { recursive: true });
      sideFolders.push(name);
    }
  }
  return { file: target, previous, sideFolders };
}

export function describeBackup(r: BackupResult): string {
  return `${basename(r.file)}: ${(r.bytes / 1024 / 1024).toFixed(1)} MB, ${r.pages} 页, ${r.ms} ms${r.sideFolders.length ? `, 另含 ${r.sideFolders.join(', ')}/` : ''}`;
}
