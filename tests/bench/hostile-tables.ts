/**
 * Upload attacks on the roster and information-system imports (issue 10): how much memory and time
 * refusing a hostile table costs. Each file is generated (streaming) in a temporary folder and read by
 * `readTable` (src/lib/exchange/table.ts) in a child process of its own, whose peak RSS
 * (process.resourceUsage().maxRSS) is the figure: the server does exactly this in the upload request.
 *
 *   npx tsx tests/bench/hostile-tables.ts          # alone
 *   npm run bench -- --only "hostile tables"       # as a scenario of the bench (the server is not used)
 *
 * A 30,000-row roster (a province, ADR 0015) is read for comparison: the memory it needs is the bound the
 * refusals must stay near.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBigCsv, writeBigXlsx, buildXlsx, sheetXml } from '../factories/xlsx';
import { writeFileSync } from 'node:fs';

export interface HostileFigure {
  file: string;
  'size MB': number;
  outcome: string;
  'read ms': number;
  /** the process's peak RSS (process.resourceUsage().maxRSS), start-up of tsx included (~130 MB) */
  'peak RSS MB': number;
  /** RSS sampled during the read minus RSS just before it */
  'RSS growth MB': number;
}

const HERE = fileURLToPath(import.meta.url);

async function child(file: string): Promise<void> {
  const { readTable } = await import('../../src/lib/exchange/table');
  const { FieldError } = await import('../../src/lib/errors');
  const bytes = readFileSync(file);
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  // sampled between the reader's turns of the event loop (it awaits every inflated chunk)
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const t = performance.now();
  let outcome: string;
  try {
    const table = await readTable(bytes, file.split('/').pop()!);
    outcome = `read ${table.rows.length} rows`;
  } catch (e) {
    outcome = e instanceof FieldError ? `refused: ${e.key}` : `error: ${e instanceof Error ? e.message.slice(0, 80) : String(e)}`;
  }
  const ms = performance.now() - t;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(JSON.stringify({ outcome, ms: Math.round(ms), maxRssKb: process.resourceUsage().maxRSS, beforeKb: before / 1024, growthKb: (peak - before) / 1024 }) + '\n');
}

function measure(file: string): HostileFigure {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', HERE, '--child', file], { encoding: 'utf8', cwd: resolve(HERE, '../../..'), maxBuffer: 1 << 20, timeout: 600_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { outcome: string; ms: number; maxRssKb: number; growthKb: number } | null = null;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = null;
  }
  return {
    file: file.split('/').pop()!,
    'size MB': Math.round((statSync(file).size / (1024 * 1024)) * 10) / 10,
    outcome: parsed?.outcome ?? `child failed (${r.status ?? r.signal}): ${r.stderr.slice(-200)}`,
    'read ms': parsed?.ms ?? -1,
    'peak RSS MB': parsed ? Math.round(parsed.maxRssKb / 1024) : -1,
    'RSS growth MB': parsed ? Math.round(parsed.growthKb / 1024) : -1,
  };
}

export async function benchHostileTables(log: (s: string) => void = () => {}): Promise<HostileFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tonghu-bench-hostile-'));
  try {
    const files: string[] = [];
    const add = (name: string) => {
      const f = join(dir, name);
      files.push(f);
      return f;
    };
    // the baseline: a province's roster, 30,000 rows of 8 columns
    const roster = (n: number) => [`张${n}`, 13800000000 + n, '', '儿童主任', '十堰市', '竹山县', '城关镇', `第${n}村`];
    await writeBigXlsx(add('roster-30000.xlsx'), 30_000, roster);
    // a million rows, small enough to pass the 10 MB upload limit
    await writeBigXlsx(add('million-rows.xlsx'), 1_000_000, (n) => [n]);
    await writeBigCsv(add('million-rows.csv'), 1_000_000, (n) => String(n % 10));
    // a zip bomb: one sheet of 1 GB (ten rows, then blank space) in a file of ~1 MB, its size declared truthfully
    await writeBigXlsx(add('bomb-sheet.xlsx'), 10, (n) => [n], 1024);
    // a shared-strings bomb: 60 MB of strings in a file of 60 KB, referenced by one cell
    const sst = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>${'y'.repeat(60 * 1024 * 1024)}</t></si></sst>`;
    writeFileSync(add('sst-bomb.xlsx'), buildXlsx({ sheets: [{ name: '名单', xml: sheetXml([['姓名'], [{ raw: '<v>0</v>', attrs: 't="s"' }]]) }], sharedStrings: sst }));
    // very wide rows: 16,384 columns (Excel's most) in each of 60 rows
    await writeBigXlsx(add('wide-rows.xlsx'), 60, () => Array.from({ length: 16_384 }, () => 1));
    for (const f of files) log(`generated ${f.split('/').pop()} (${(statSync(f).size / 1048576).toFixed(1)} MB)`);
    const out: HostileFigure[] = [];
    for (const f of files) {
      const m = measure(f);
      log(JSON.stringify(m));
      out.push(m);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ci = process.argv.indexOf('--child');
if (ci > 0) {
  void child(process.argv[ci + 1]!);
} else if (process.argv[1] && resolve(process.argv[1]) === HERE) {
  benchHostileTables(console.log).then(
    (f) => console.table(f),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
