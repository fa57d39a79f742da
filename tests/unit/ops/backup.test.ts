import { describe, it, expect, afterEach } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { openDb, migrateDb } from '../../../db/client';
import { buildWorld } from '../../factories/world';
import { backupDatabase, restoreDatabase, integrityCheck, writeServerPid, runningServerPid, OpsError } from '../../../src/lib/ops/backup';

const WRITER = `
const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
const db = new Database(process.argv[1]);
db.pragma('busy_timeout = 15000');
const ins = db.prepare("insert into audit_log (at, action, entity_type, entity_id) values (?, 'test.write', 'test', ?)");
let i = 0;
process.stdout.write('ready\\n');
for (;;) ins.run(Date.now(), String(++i));
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tonghu-backup-'));
  dirs.push(d);
  return d;
}

/** Every table's rows, in rowid order, hashed: two databases with equal digests answer every query alike. */
function digest(file: string): Record<string, { rows: number; sha: string }> {
  const db = new Database(file, { readonly: true });
  const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as { name: string }[];
  const out: Record<string, { rows: number; sha: string }> = {};
  for (const { name } of tables) {
    const rows = db.prepare(`select * from "${name}" order by rowid`).raw().all();
    out[name] = { rows: rows.length, sha: createHash('sha256').update(JSON.stringify(rows)).digest('hex') };
  }
  db.close();
  return out;
}

async function world(dir: string) {
  const file = join(dir, 'tonghu.db');
  const db = openDb(file);
  migrateDb(db);
  const w = await buildWorld(db);
  for (let i = 0; i < 30; i++) w.person('director', w.cgVillage);
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'cert-signing.key'), 'secret-key');
  return { file, db, w };
}

describe('npm run backup / restore', () => {
  it('takes an online backup while another connection keeps writing; the restored copy answers queries as the original did', async () => {
    const dir = tmp();
    const { file, db } = await world(dir);
    // the "server": another process writing numbered audit rows as fast as it can during the backup
    const writer = spawn(process.execPath, ['-e', WRITER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => writer.stdout.once('data', () => res()));
    const to = join(dir, 'backups', 'b1.db');
    const r = await backupDatabase(file, to);
    writer.kill('SIGKILL');
    await new Promise((res) => writer.once('exit', res));
    expect(r.sideFolders).toEqual(['keys']);
    expect(integrityCheck(to)).toBe('ok');
    // one self-contained file, nothing left beside it
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual(['b1.db', 'b1.db.files']);
    // the backup is a consistent snapshot: the audit ids it holds are 1..n without a gap
    const b = new Database(to, { readonly: true });
    const { n, max } = b.prepare("select count(*) n, max(cast(entity_id as integer)) max from audit_log where action = 'test.write'").get() as { n: number; max: number };
    b.close();
    expect(n).toBe(max);
    expect(n).toBeGreaterThan(0);
    const server = openDb(file);
    expect((server.$client.prepare("select count(*) n from audit_log where action = 'test.write'").get() as { n: number }).n).toBeGreaterThan(n);

    // freeze the original at the backup's moment: drop the writes made after it, then compare everything
    server.$client.prepare("delete from audit_log where action = 'test.write' and cast(entity_id as integer) > ?").run(n);
    server.$client.close();
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
    expect(digest(to)).toEqual(digest(file));

    // restore over a fresh location and over the original (keeping the replaced one)
    const other = join(dir, 'restored', 'tonghu.db');
    const rr = restoreDatabase({ from: to, dbFile: other });
    expect(rr.previous).toBeNull();
    expect(rr.sideFolders).toEqual(['keys']);
    expect(readFileSync(join(dir, 'restored', 'keys', 'cert-signing.key'), 'utf8')).toBe('secret-key');
    expect(digest(other)).toEqual(digest(file));
    const restoredDb = openDb(other);
    migrateDb(restoredDb); // migrations already applied: nothing to do, and no error
    expect(restoredDb.$client.prepare('select count(*) n from users').get()).toEqual(db.$client.prepare('select count(*) n from users').get());
    restoredDb.$client.close();
    db.$client.close();
  });

  it('refuses to restore over a database a live server uses, unless forced; and refuses a damaged backup', async () => {
    const dir = tmp();
    const { file, db } = await world(dir);
    const to = join(dir, 'b.db');
    await backupDatabase(file, to);
    db.$client.close();
    writeServerPid(file, process.pid);
    expect(runningServerPid(file)).toBe(process.pid);
    expect(() => restoreDatabase({ from: to, dbFile: file })).toThrow(/正在使用/);
    const forced = restoreDatabase({ from: to, dbFile: file, force: true });
    expect(forced.previous && existsSync(forced.previous)).toBe(true);
    // a pid file left behind by a killed server does not block
    writeServerPid(file, 2 ** 22 + 12345);
    expect(runningServerPid(file)).toBeNull();

    // a backup with damaged pages is refused before anything is swapped
    const bad = join(dir, 'bad.db');
    const buf = readFileSync(to);
    for (let i = 4096 * 3; i < Math.min(buf.length, 4096 * 12); i++) buf[i] = 0x5a;
    writeFileSync(bad, buf);
    const before = digest(file);
    expect(() => restoreDatabase({ from: bad, dbFile: file })).toThrow(OpsError);
    expect(digest(file)).toEqual(before);
    // a target that already exists is never overwritten by a backup
    await expect(backupDatabase(file, to)).rejects.toThrow(/已存在/);
  });
});
