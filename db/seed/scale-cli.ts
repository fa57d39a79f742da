/**
 * npm run seed -- --scale national|province|tiny [--db path] [--months 12] [--seed n]
 *
 * Fills a FRESH database with a synthetic population and a year of field work for benchmarks (see
 * db/seed/scale.ts). Prints the rows per table, seconds, the database size and the peak RSS.
 */
import { existsSync, statSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { openDb, migrateDb } from '../client';
import { regions } from '../schema/index';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../src/lib/policy/policy';
import { seedScale, SCALES, SCALE_PASSWORD, type ScaleName } from './scale';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eqArg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eqArg?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const scale = (arg('scale') ?? '') as ScaleName;
  if (!SCALES.includes(scale)) {
    console.error(`usage: npm run seed -- --scale ${SCALES.join('|')} [--db path] [--months 12] [--seed n]`);
    process.exit(2);
  }
  const file = arg('db') ?? `tmp/scale-${scale}.db`;
  const months = Number(arg('months') ?? 12);
  const seed = Number(arg('seed') ?? 20261);
  if (!Number.isInteger(months) || months < 1 || months > 60) throw new Error('--months: 1 to 60');
  if (!Number.isInteger(seed)) throw new Error('--seed: an integer');

  const t0 = performance.now();
  const db = openDb(file);
  migrateDb(db);
  const started = performance.now();
  let last = 0;
  const counts = await seedScale(db, {
    scale,
    months,
    seed,
    onProgress: (done, total, c) => {
      const t = performance.now();
      if (t - last > 5000 || done === total) {
        last = t;
        console.log(`  ${done}/${total} counties, ${c.workEntries.toLocaleString('en')} entries, ${((t - started) / 1000).toFixed(0)} s`);
      }
    },
  });
  // the policy defaults: syncPolicyDefaults attaches them to the first province; the others get the same
  const defaults = loadPolicyDefaults('content');
  syncPolicyDefaults(db, defaults);
  const provinces = db.select().from(regions).where(eq(regions.level, 1)).all();
  for (const p of provinces.slice(1)) {
    for (const d of defaults) addPolicyVersion(db, { kind: d.kind, regionId: p.id, version: d.version, effectiveFrom: d.effectiveFrom, body: d.body, note: d.note ?? null });
  }
  db.$client.pragma('wal_checkpoint(TRUNCATE)');
  const seconds = (performance.now() - t0) / 1000;

  const tables = ['regions', 'users', 'role_assignments', 'cases', 'work_entries', 'policies'];
  console.log(`\nscale ${scale}, ${months} months, seed ${seed} → ${file}`);
  for (const t of tables) {
    const n = (db.$client.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
    console.log(`  ${t.padEnd(18)} ${n.toLocaleString('en').padStart(12)}`);
  }
  const byStatus = db.$client.prepare('select type, status, count(*) as n from work_entries group by type, status order by type, status').all() as { type: string; status: string; n: number }[];
  for (const r of byStatus) console.log(`    ${`${r.type}/${r.status}`.padEnd(20)} ${r.n.toLocaleString('en').padStart(12)}`);
  db.$client.close();
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const bytes = size(file) + size(`${file}-wal`);
  console.log(`  seconds            ${seconds.toFixed(1).padStart(12)}`);
  console.log(`  db size            ${(bytes / 1024 / 1024).toFixed(1).padStart(9)} MiB`);
  console.log(`  peak RSS           ${(process.resourceUsage().maxRSS / 1024).toFixed(0).padStart(9)} MiB`);
  console.log(`  (counts written: ${JSON.stringify(counts)}; every synthetic user's password: ${SCALE_PASSWORD})`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
