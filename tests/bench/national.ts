/**
 * `npm run bench:national [-- --scale national|province] [--db path] [--month YYYY-MM] [--store]`
 *
 * The subsidy's monthly computation at scale (issue 7): generates the scale database once with the scale
 * seed (db/seed/scale.ts; reused on later runs), then computes the month for every county in one process
 * and reports the time (total, per county p50/p99/max), the peak memory, and the lines, eligibility and
 * total amount. With --store it also stores every county's run (computeRun: lines, totals, audit), as the
 * officials' button does. Target (issue 7): all counties of the nation in ≤ 60 s.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { eq } from 'drizzle-orm';
import { openDb, migrateDb } from '../../db/client';
import { regions, users } from '../../db/schema/index';
import { seedScale, SCALES, type ScaleName } from '../../db/seed/scale';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../src/lib/policy/policy';
import { subsidyRulesFor } from '../../src/lib/subsidy/rules';
import { computeCountyMonth, monthBounds } from '../../src/lib/subsidy/compute';
import { computeRun } from '../../src/lib/subsidy/runs';
import { dayOf } from '../../src/lib/time';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const scale = (arg('scale') ?? 'national') as ScaleName;
  if (!SCALES.includes(scale)) throw new Error(`--scale: one of ${SCALES.join(', ')}`);
  const file = arg('db') ?? `tmp/scale-${scale}.db`;
  const today = dayOf(Date.now());
  const lastMonth = (() => {
    const [y, m] = today.split('-').map(Number) as [number, number];
    return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  })();
  const month = arg('month') ?? lastMonth;
  const store = process.argv.includes('--store');
  mkdirSync('tmp', { recursive: true });

  let generatedS: number | null = null;
  if (!existsSync(file)) {
    console.log(`[national] generating ${file} (--scale ${scale}); this is done once and reused`);
    const t0 = performance.now();
    const gen = openDb(file);
    migrateDb(gen);
    await seedScale(gen, { scale, months: 12, seed: 20261 });
    const defaults = loadPolicyDefaults('content');
    syncPolicyDefaults(gen, defaults);
    for (const p of gen.select().from(regions).where(eq(regions.level, 1)).all().slice(1)) {
      for (const d of defaults) addPolicyVersion(gen, { kind: d.kind, regionId: p.id, version: d.version, effectiveFrom: d.effectiveFrom, body: d.body, note: d.note ?? null });
    }
    gen.$client.pragma('wal_checkpoint(TRUNCATE)');
    gen.$client.close();
    generatedS = (performance.now() - t0) / 1000;
  }

  const db = openDb(file);
  migrateDb(db);
  const counties = db.select({ id: regions.id, path: regions.path }).from(regions).where(eq(regions.level, 3)).all();
  const people = db.$client.prepare(`select count(*) n from role_assignments where active = 1 and role in ('director','supervisor')`).get() as { n: number };
  const entries = db.$client.prepare(`select count(*) n from work_entries`).get() as { n: number };
  console.log(`[national] ${file}: ${counties.length} counties, ${people.n.toLocaleString('en')} workers, ${entries.n.toLocaleString('en')} entries; month ${month}; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);

  let peakRss = process.memoryUsage().rss;
  const per: number[] = [];
  let lines = 0;
  let eligible = 0;
  let totalFen = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const c of counties) {
    const s = performance.now();
    const rules = subsidyRulesFor(db, c.path, monthBounds(month).end);
    if (!rules) continue;
    const out = computeCountyMonth(db, c.path, month, rules.rules, today);
    lines += out.length;
    for (const l of out) {
      if (l.eligible) eligible++;
      totalFen += l.amountFen;
    }
    per.push(performance.now() - s);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const computeS = (performance.now() - t0) / 1000;
  // CPU time of the computation: what it costs regardless of other load on the machine
  const cpu = process.cpuUsage(cpu0);
  const computeCpuS = (cpu.user + cpu.system) / 1e6;
  per.sort((a, b) => a - b);
  const q = (p: number) => per[Math.min(per.length - 1, Math.floor(p * per.length))] ?? 0;

  let storeS: number | null = null;
  if (store) {
    const anyone = db.select({ id: users.id }).from(users).limit(1).get()!;
    const actor = { userId: anyone.id, role: 'official' as const, regionId: counties[0]!.id, regionPath: '/' };
    const s = performance.now();
    for (const c of counties) {
      computeRun(db, actor, c.id, month);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    storeS = (performance.now() - s) / 1000;
  }
  db.$client.close();

  const result = {
    at: new Date().toISOString(),
    scale,
    file,
    dbMB: Math.round(statSync(file).size / 1048576),
    month,
    counties: counties.length,
    workers: people.n,
    entries: entries.n,
    generatedS,
    computeS: Math.round(computeS * 10) / 10,
    computeCpuS: Math.round(computeCpuS * 10) / 10,
    perCountyMs: { p50: Math.round(q(0.5)), p99: Math.round(q(0.99)), max: Math.round(per[per.length - 1] ?? 0) },
    storeS: storeS === null ? null : Math.round(storeS * 10) / 10,
    peakRssMB: Math.round(peakRss / 1048576),
    lines,
    eligible,
    totalYuan: Math.round(totalFen / 100),
    targetS: 60,
    load1: Math.round(loadavg()[0]! * 10) / 10,
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync('tests/bench/results', { recursive: true });
  writeFileSync(`tests/bench/results/national-${scale}.json`, JSON.stringify(result, null, 2) + '\n');
  if (computeS > 60) console.log(`[national] computation took ${computeS.toFixed(1)} s: over the 60 s target`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
