/**
 * `npm run bench:dashboard [-- --scale national|province] [--db path] [--runs 40] [--rebuild]`
 *
 * The officials' dashboards (M16) on the scale database (db/seed/scale.ts; tests/bench/national.ts
 * generates tmp/scale-national.db): applies migrations, builds the rollups from scratch when they are empty
 * (or with --rebuild; timed), then times the page's whole server-side path — getDashboard (rollup reads),
 * the table model and every ECharts SVG — for the largest province and for counties spread over the
 * nation, and reports p50/p95/max. Targets (M16): province ≤ 200 ms p95, county ≤ 50 ms p95.
 *
 * `--attach` leaves the scale database untouched (e.g. one another process is benchmarking): it is
 * attached (and only read) to a fresh file (tmp/dashboard-rollups.db) that holds only the two rollup tables, so
 * the same queries read the scale data and write the rollups beside it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { openDb, migrateDb } from '../../db/client';
import { getRegion, type Region } from '../../src/lib/org/regions';
import { getDashboard, listVacancies } from '../../src/lib/dashboard/dashboard';
import { dashboardTables, tableChart } from '../../src/lib/dashboard/tables';
import { rebuildRollups, rollupsEmpty } from '../../src/lib/dashboard/rollups';
import { translator } from '../../src/i18n/index';
import { clearChartCache } from '../../src/lib/dashboard/charts';
import { dayOf } from '../../src/lib/time';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const TARGET = { province: 200, county: 50 } as const;

export interface DashboardBench {
  at: string;
  file: string;
  dbMB: number;
  regions: number;
  workers: number;
  rebuildS: number | null;
  statsRows: number;
  /** the page's server path with every chart drawn anew (cold chart cache) */
  province: { name: string; runs: number; p50: number; p95: number; max: number; targetMs: number };
  county: { counties: number; runs: number; p50: number; p95: number; max: number; targetMs: number };
  /** the same views when the figures have not changed since the last view (charts from the cache) */
  provinceCached: { p50: number; p95: number; max: number };
  countyCached: { p50: number; p95: number; max: number };
  /** the rollup reads alone (getDashboard + vacancies), no charts */
  provinceData: { p50: number; p95: number; max: number };
  countyData: { p50: number; p95: number; max: number };
  load1: number;
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0) * 10) / 10;
};

/** What /review does on the server for one region (minus the HTML around it); `charts: false` = reads only. */
function renderDashboard(db: ReturnType<typeof openDb>, region: Region, today: string, charts = true): number {
  const t = translator('zh-CN');
  const d = getDashboard(db, region, { today });
  const tables = dashboardTables(d, t);
  let bytes = 0;
  if (charts) for (const tb of tables) bytes += tableChart(tb)?.length ?? 0;
  if (region.level >= 3) bytes += listVacancies(db, region, { limit: 30 }).rows.length;
  return bytes;
}

function timeRuns(regions: Region[], f: (r: Region) => void): number[] {
  const out: number[] = [];
  for (const r of regions) {
    const t0 = performance.now();
    f(r);
    out.push(performance.now() - t0);
  }
  return out;
}

const stats = (xs: number[]) => ({ p50: q(xs, 0.5), p95: q(xs, 0.95), max: q(xs, 1) });

function openAttached(file: string): ReturnType<typeof openDb> {
  const side = 'tmp/dashboard-rollups.db';
  for (const f of [side, `${side}-wal`, `${side}-shm`]) rmSync(f, { force: true });
  const db = openDb(side);
  db.$client.pragma('foreign_keys = OFF');
  const ddl = readFileSync('db/migrations/0009_dashboard-rollups.sql', 'utf8').split('--> statement-breakpoint');
  for (const stmt of ddl) db.$client.exec(stmt.replace(/,\s*FOREIGN KEY[^\n]*\n/g, '\n'));
  // read only in practice: every write of the rollups goes to the side file's own two tables
  db.$client.prepare('attach database ? as scale').run(resolve(file));
  return db;
}

export function benchDashboard(file: string, runs: number, forceRebuild: boolean, attach = false): DashboardBench {
  const db = attach ? openAttached(file) : openDb(file);
  try {
    if (!attach) migrateDb(db);
    const today = dayOf(Date.now());
    let rebuildS: number | null = null;
    if (forceRebuild || rollupsEmpty(db)) {
      const t0 = performance.now();
      rebuildRollups(db, today);
      rebuildS = Math.round((performance.now() - t0) / 100) / 10;
      console.log(`[dashboard] rollups rebuilt in ${rebuildS} s`);
    }
    const sqlite = db.$client;
    const regions = (sqlite.prepare('select count(*) n from regions').get() as { n: number }).n;
    const workers = (sqlite.prepare(`select count(*) n from role_assignments where active = 1 and role in ('director','supervisor')`).get() as { n: number }).n;
    const statsRows = (sqlite.prepare('select count(*) n from region_stats').get() as { n: number }).n;
    // the province with the most villages (from the rollups), and counties spread over the nation
    const biggest = sqlite
      .prepare(`select r.id from regions r join region_stats s on s.region_id = r.id and s.metric = 'regions.village' and s.period = '' where r.level = 1 order by s.value desc limit 1`)
      .get() as { id: number } | undefined;
    const province = getRegion(db, biggest?.id ?? (sqlite.prepare('select id from regions where level = 1 limit 1').get() as { id: number }).id)!;
    const countyIds = (sqlite.prepare('select id from regions where level = 3 order by id').all() as { id: number }[]).map((r) => r.id);
    const step = Math.max(1, Math.floor(countyIds.length / runs));
    const counties = countyIds.filter((_, i) => i % step === 0).slice(0, runs).map((id) => getRegion(db, id)!);

    // warm-up: statements prepared, pages of the indexes in the cache (as on a running server)
    for (let i = 0; i < 3; i++) renderDashboard(db, province, today);
    for (const c of counties.slice(0, 3)) renderDashboard(db, c, today);

    const provinces = Array.from({ length: runs }, () => province);
    const provinceMs = timeRuns(provinces, (r) => {
      clearChartCache();
      renderDashboard(db, r, today);
    });
    const countyMs = timeRuns(counties, (r) => {
      clearChartCache();
      renderDashboard(db, r, today);
    });
    const provinceCached = timeRuns(provinces, (r) => renderDashboard(db, r, today));
    for (const c of counties) renderDashboard(db, c, today);
    const countyCached = timeRuns(counties, (r) => renderDashboard(db, r, today));
    const provinceData = timeRuns(provinces, (r) => renderDashboard(db, r, today, false));
    const countyData = timeRuns(counties, (r) => renderDashboard(db, r, today, false));
    return {
      at: new Date().toISOString(),
      file,
      dbMB: Math.round(statSync(file).size / 1048576),
      regions,
      workers,
      rebuildS,
      statsRows,
      province: { name: province.name, runs, p50: q(provinceMs, 0.5), p95: q(provinceMs, 0.95), max: q(provinceMs, 1), targetMs: TARGET.province },
      county: { counties: counties.length, runs: countyMs.length, p50: q(countyMs, 0.5), p95: q(countyMs, 0.95), max: q(countyMs, 1), targetMs: TARGET.county },
      provinceCached: stats(provinceCached),
      countyCached: stats(countyCached),
      provinceData: stats(provinceData),
      countyData: stats(countyData),
      load1: Math.round(loadavg()[0]! * 10) / 10,
    };
  } finally {
    db.$client.close();
  }
}

async function main() {
  const scale = arg('scale') ?? 'national';
  const file = arg('db') ?? `tmp/scale-${scale}.db`;
  if (!existsSync(file)) throw new Error(`${file} does not exist: generate it with npm run seed -- --scale ${scale} (or npm run bench:national)`);
  const runs = Number(arg('runs') ?? 40);
  console.log(`[dashboard] ${file}; ${runs} runs; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
  const r = benchDashboard(file, runs, process.argv.includes('--rebuild'), process.argv.includes('--attach'));
  console.log(JSON.stringify(r, null, 2));
  mkdirSync('tests/bench/results', { recursive: true });
  writeFileSync(`tests/bench/results/dashboard-${scale}.json`, JSON.stringify(r, null, 2) + '\n');
  const over: string[] = [];
  if (r.province.p95 > TARGET.province) over.push(`province p95 ${r.province.p95} ms > ${TARGET.province} ms`);
  if (r.county.p95 > TARGET.county) over.push(`county p95 ${r.county.p95} ms > ${TARGET.county} ms`);
  if (over.length) {
    console.log(`[dashboard] over target: ${over.join('; ')}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && /dashboard\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
