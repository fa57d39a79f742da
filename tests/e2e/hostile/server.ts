import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The hostile-input spec's own server: a consistent copy (SQLite online backup) of the demo database the
 * Playwright webServer seeded, with change-tracking triggers on every table, served by a second built
 * server without scheduled jobs. Every write a request causes shows up as rows in _hostile_writes, so a
 * rejected request can be proved to have written nothing.
 */
export const SOURCE_DB = resolve('tmp/e2e/tonghu.db');
export const DIR = resolve('tmp/e2e-hostile');
export const DB_FILE = join(DIR, 'tonghu.db');

/**
 * Tables a request writes for reasons that have nothing to do with the form it sends; not tracked.
 * Everything else is: a rejected form that touches any other table has partially written.
 */
export const UNTRACKED: Record<string, string> = {
  // the sign-in throttle counts failed sign-ins (src/lib/auth/throttle.ts): a rejected /login or a wrong
  // current password is *meant* to be counted, that is the brute-force defence
  auth_throttle: 'failed sign-ins are counted on purpose (brute-force lock)',
};

/**
 * Columns written on every request for reasons unrelated to the form: the session's last-seen time and its
 * sliding expiry (src/lib/auth/session.ts validateSession). Updates of other session columns (the active
 * role, sign-out) are tracked; inserts and deletes of sessions are tracked.
 */
export const UNTRACKED_COLUMNS: Record<string, string[]> = {
  sessions: ['last_seen_at', 'expires_at'],
};

export async function copyDatabase(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const src = new Database(SOURCE_DB, { readonly: true, fileMustExist: true });
  try {
    await src.backup(DB_FILE);
  } finally {
    src.close();
  }
  // uploaded H5P packages are extracted beside the database (src/server/h5p.ts)
  if (existsSync(resolve('tmp/e2e/h5p'))) cpSync(resolve('tmp/e2e/h5p'), join(DIR, 'h5p'), { recursive: true });
  const db = new Database(DB_FILE);
  try {
    // a sign-in lock another spec holds on this machine's address at the moment of the copy (harden.spec.ts
    // tries brute force) would lock this server's own sign-ins
    db.exec('delete from auth_throttle');
    db.exec('create table _hostile_writes (n integer primary key autoincrement, tbl text not null, op text not null)');
    const tables = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_%' escape '\\' and name not like '__drizzle%'").all() as { name: string }[]).map((r) => r.name);
    for (const t of tables) {
      if (t in UNTRACKED) continue;
      const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
      const cols = (db.prepare(`pragma table_info(${q(t)})`).all() as { name: string }[]).map((c) => c.name);
      const skip = UNTRACKED_COLUMNS[t] ?? [];
      const tracked = cols.filter((c) => !skip.includes(c));
      const ins = (op: string) => `insert into _hostile_writes (tbl, op) values ('${t}', '${op}')`;
      db.exec(`create trigger ${q(`_hw_${t}_i`)} after insert on ${q(t)} begin ${ins('insert')}; end`);
      db.exec(`create trigger ${q(`_hw_${t}_d`)} after delete on ${q(t)} begin ${ins('delete')}; end`);
      const of = skip.length ? ` of ${tracked.map(q).join(', ')}` : '';
      db.exec(`create trigger ${q(`_hw_${t}_u`)} after update${of} on ${q(t)} begin ${ins('update')}; end`);
    }
  } finally {
    db.close();
  }
}

/** A read-write handle on the copy: reads objects for the forms, and the write counter. */
export function openCopy(): Database.Database {
  const db = new Database(DB_FILE, { fileMustExist: true });
  db.pragma('busy_timeout = 15000');
  return db;
}

export function writeMark(db: Database.Database): number {
  return (db.prepare('select coalesce(max(n), 0) as n from _hostile_writes').get() as { n: number }).n;
}

export function writesSince(db: Database.Database, mark: number): string[] {
  return (db.prepare('select tbl, op from _hostile_writes where n > ? order by n').all(mark) as { tbl: string; op: string }[]).map((r) => `${r.op} ${r.tbl}`);
}

export function startServer(port: number): { child: ChildProcess; log: () => string } {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/serve.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: DB_FILE,
      TONGHU_DEMO: '0',
      TONGHU_JOBS: '0',
      TONGHU_COMPRESS: '0',
      // the spec signs in a dozen times and sends hostile sign-ins: the lock is tested in harden.spec.ts
      TONGHU_LOGIN_MAX_FAILURES: '100',
      // the copy has the demo signing key beside the source database
      TONGHU_CERT_KEY_DIR: resolve('tmp/e2e/keys'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, log: () => out };
}

export async function waitHealthy(base: string, child: ChildProcess, log: () => string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`hostile server exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`hostile server did not become healthy:\n${log()}`);
}

export async function stopServer(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
}
