/**
 * Roster import at province scale (M18): 30,000 rows (28,500 儿童主任 in as many villages, 1,500 督导员 in as
 * many townships) imported by the province administrator into a fresh database holding Hubei's real
 * cities and counties plus synthetic townships and villages under 100 counties, with the content and
 * policy defaults (so every new director gets the onboarding gate and its enrolment, as in production).
 * Measures, in this process: reading the CSV, the dry run, the commit (one transaction, chunks of 2,000),
 * and the same file imported again (nothing to change). Target: the 30,000-row import in ≤ 10 s.
 *
 *   npx tsx tests/bench/roster-import.ts        # alone
 *   npm run bench -- --only "roster import"     # as a scenario of the bench (the server is not used)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDb, type Db } from '../../db/client';
import { prepareDatabase } from '../../db/seed/prepare';
import { regions, roleAssignments, users } from '../../db/schema/index';
import { hashPassword } from '../../src/lib/auth/password';
import { toCsv } from '../../src/lib/exchange/csv';
import { readTable } from '../../src/lib/exchange/table';
import { checkRoster, commitRoster, rosterRows } from '../../src/lib/exchange/roster';

export const ROSTER_BENCH = { counties: Number(process.env.ROSTER_BENCH_COUNTIES ?? 100), townshipsPerCounty: 15, villagesPerTownship: 19, targetMs: 10_000 } as const;

type Figures = {
  rows: number;
  'read CSV ms': number;
  'dry run ms': number;
  'import ms': number;
  'import rows/s': number;
  'import CPU ms': number;
  're-import ms': number;
  created: number;
  unchanged: number;
  'target met': string;
};

/** Synthetic townships and villages under the first `counties` counties (raw statements, one transaction). */
function addTownshipsAndVillages(db: Db): { city: string; county: string; township: string; village: string | null }[] {
  const counties = db.$client.prepare(`select c.id, c.name, c.path, c.full_name as fullName, p.name as city from regions c join regions p on p.id = c.parent_id where c.level = 3 order by c.id limit ?`).all(ROSTER_BENCH.counties) as { id: number; name: string; path: string; fullName: string; city: string }[];
  const ins = db.$client.prepare(`insert into regions (code, name, level, parent_id, path, full_name, is_demo_name) values (null, ?, ?, ?, ?, ?, 1)`);
  const setPath = db.$client.prepare(`update regions set path = ? where id = ?`);
  const posts: { city: string; county: string; township: string; village: string | null }[] = [];
  db.$client.transaction(() => {
    for (const c of counties) {
      for (let t = 1; t <= ROSTER_BENCH.townshipsPerCounty; t++) {
        const tName = `第${t}镇`;
        const tid = Number(ins.run(tName, 4, c.id, `pending:${c.id}:${t}`, c.fullName + tName).lastInsertRowid);
        const tPath = `${c.path}${tid}/`;
        setPath.run(tPath, tid);
        posts.push({ city: c.city, county: c.name, township: tName, village: null });
        for (let v = 1; v <= ROSTER_BENCH.villagesPerTownship; v++) {
          const vName = `第${v}村`;
          const vid = Number(ins.run(vName, 5, tid, `pending:${tid}:${v}`, c.fullName + tName + vName).lastInsertRowid);
          setPath.run(`${tPath}${vid}/`, vid);
          posts.push({ city: c.city, county: c.name, township: tName, village: vName });
        }
      }
    }
  })();
  return posts;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '芳敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂';

export async function benchRosterImport(log: (s: string) => void = () => {}): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tonghu-bench-roster-'));
  const db = openDb(join(dir, 'roster.db'));
  try {
    const root = resolve(fileURLToPath(import.meta.url), '../../..');
    await prepareDatabase(db, { demo: false, contentDir: join(root, 'content'), adminPhone: '13900000000', adminPassword: 'Bench#2026abc' });
    const posts = addTownshipsAndVillages(db);
    const province = db.select().from(regions).where(sql`${regions.level} = 1`).get()!;
    const admin = db.select({ id: users.id }).from(users).get()!.id;
    log(`regions ready: ${posts.length} posts`);
    const lines = [['姓名', '手机号', '身份证号', '岗位', '市州', '县(市、区)', '乡镇(街道)', '村(社区)']];
    posts.forEach((p, i) => {
      const name = SURNAMES[i % SURNAMES.length]! + GIVEN[Math.floor(i / SURNAMES.length) % GIVEN.length]! + (i % 3 === 0 ? GIVEN[(i * 7) % GIVEN.length]! : '');
      lines.push([name, `15${String(100000000 + i).slice(-9)}`, '', p.village ? '儿童主任' : '儿童督导员', p.city, p.county, p.township, p.village ?? '']);
    });
    const csv = Buffer.from(toCsv(lines));
    const actor = { userId: admin, scopePath: province.path, ip: null };
    const passwordHash = await hashPassword('Initial#2026');

    let t = performance.now();
    const rows = rosterRows(await readTable(csv, 'roster.csv'));
    const readMs = performance.now() - t;
    t = performance.now();
    const dry = checkRoster(db, province.path, rows);
    const dryMs = performance.now() - t;
    if (dry.problems.length) throw new Error(`dry run found ${dry.problems.length} problems, first: ${JSON.stringify(dry.problems[0])}`);
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const first = await commitRoster(db, actor, rows, { passwordHash, jobId: null });
    const importMs = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    t = performance.now();
    const again = await commitRoster(db, actor, rows, { passwordHash, jobId: null });
    const reMs = performance.now() - t;
    const n = db.select({ n: sql<number>`count(*)` }).from(roleAssignments).where(sql`${roleAssignments.role} in ('director', 'supervisor')`).get()!.n;
    if (n !== rows.length || again.unchanged !== rows.length) throw new Error(`expected ${rows.length} posts and nothing to change again, got ${n} and ${again.unchanged}`);
    const total = readMs + dryMs + importMs;
    return {
      rows: rows.length,
      'read CSV ms': Math.round(readMs),
      'dry run ms': Math.round(dryMs),
      'import ms': Math.round(importMs),
      'import rows/s': Math.round(rows.length / (importMs / 1000)),
      'import CPU ms': Math.round((cpu.user + cpu.system) / 1000),
      're-import ms': Math.round(reMs),
      created: first.created,
      unchanged: again.unchanged,
      'target met': importMs <= ROSTER_BENCH.targetMs ? `yes (read + dry run + import ${(total / 1000).toFixed(1)} s)` : 'no',
    };
  } finally {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  benchRosterImport(console.log).then(
    (f) => console.log(f),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
