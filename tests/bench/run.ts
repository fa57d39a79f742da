/**
 * `npm run bench`: start the built server on a fresh demo database, sign in as demo users and measure
 * the signed-in home pages, a lesson page and the trainer's county progress view (bytes over the wire
 * per encoding, fixed autocannon load).
 *
 *   npm run bench             # builds first only if dist/server/entry.mjs is missing
 *   npm run bench -- --build  # always rebuild first
 *
 * Prints one markdown table per section and writes everything to tests/bench/results/latest.json.
 * To add measurements, append a scenario to SCENARIOS: a named async function that receives the
 * BenchContext (base URL, sign-in, raw fetch, load helper) and returns one or more Sections.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = join(ROOT, 'tests/bench/results');
const PORT = 4398;
const HOST = '127.0.0.1';
const BASE = `http://${HOST}:${PORT}`;
// The demo seed (regions, people, course content, learning progress) takes ~8 s before 已启动; leave room
// for a loaded machine.
const STARTUP_TIMEOUT_MS = 60_000;
const LOAD = { durationS: 10, connections: 32 } as const;
const WARMUP_REQUESTS = 20;

const DEMO = {
  director: { phone: '13900000005', password: 'Tonghu#2026', label: '儿童主任 director (竹山县)' },
  official: { phone: '13900000001', password: 'Tonghu#2026', label: '省级官员 province official' },
  trainer: { phone: '13900000003', password: 'Tonghu#2026', label: '培训专员 trainer (竹山县)' },
} as const;

/** A lesson of the onboarding curriculum the demo director (待上岗) can read. */
const LESSON_PATH = '/learn/courses/director-duties/01-who-is-director';
/** Title of the curriculum the demo seed assigns to all directors of 竹山县 (~240 learners, 17 townships). */
const REFRESHER_TITLE = '儿童主任年度轮训';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

type Cell = string | number | boolean | null;
type Row = Record<string, Cell>;

export interface Section {
  /** Stable id used as the key in latest.json. */
  id: string;
  title: string;
  /** Column order for the printed table; every row should have these keys. */
  columns: string[];
  rows: Row[];
  /** Problems that make the run fail (non-2xx under load, errors, unexpected status...). */
  failures?: string[];
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Bytes received on the wire (still compressed if the server compressed). */
  wireBytes: number;
  body: Buffer;
}

export interface LoadResult {
  path: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  throughputBytesPerSec: number;
}

export interface BenchContext {
  base: string;
  /** Sign in through POST /login, returns the `tonghu_session=…` cookie pair. */
  signIn(phone: string, password: string): Promise<string>;
  /** One request via node:http (no automatic decompression). */
  raw(path: string, headers?: Record<string, string>, method?: string, body?: string): Promise<RawResponse>;
  /** Fixed autocannon load (LOAD.durationS seconds, LOAD.connections connections). */
  load(path: string, headers: Record<string, string>): Promise<LoadResult>;
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<Section | Section[]>;
}

// ---------------------------------------------------------------------------------------------
// autocannon (no bundled types: describe the part we use)
// ---------------------------------------------------------------------------------------------

interface AutocannonHist {
  average: number;
  mean: number;
  p50: number;
  p99: number;
  total: number;
}
interface AutocannonResult {
  latency: AutocannonHist;
  requests: AutocannonHist & { sent: number };
  throughput: AutocannonHist;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function raw(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, path, method, headers, agent: false, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, wireBytes: buf.length, body: buf });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function signIn(phone: string, password: string): Promise<string> {
  const body = new URLSearchParams({ phone, password }).toString();
  const res = await raw(
    '/login',
    {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': String(Buffer.byteLength(body)),
      Origin: BASE,
    },
    'POST',
    body,
  );
  const setCookie = res.headers['set-cookie'] ?? [];
  const pair = setCookie.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('tonghu_session=') && c.length > 'tonghu_session='.length);
  if (res.status !== 303 || !pair) {
    throw new Error(`sign-in as ${phone} failed: HTTP ${res.status}, location=${String(res.headers.location)}, set-cookie=${JSON.stringify(setCookie)}`);
  }
  if (res.headers.location === '/password') throw new Error(`sign-in as ${phone} redirected to /password (must change password)`);
  return pair;
}

async function load(path: string, headers: Record<string, string>): Promise<LoadResult> {
  // Short sequential warm-up so the first measured second is not dominated by cold caches / JIT.
  for (let i = 0; i < WARMUP_REQUESTS; i++) {
    const r = await raw(path, headers);
    if (r.status !== 200) throw new Error(`warm-up GET ${path} answered ${r.status}`);
  }
  const r = await autocannon({ url: BASE + path, connections: LOAD.connections, duration: LOAD.durationS, headers });
  return {
    path,
    requestsPerSec: round(r.requests.average, 1),
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMeanMs: round(r.latency.average, 2),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    throughputBytesPerSec: Math.round(r.throughput.average),
  };
}

const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
const kb = (n: number) => round(n / 1024, 1);

function loadFailures(l: LoadResult): string[] {
  const f: string[] = [];
  if (l.non2xx > 0) f.push(`GET ${l.path}: ${l.non2xx} non-2xx responses under load`);
  // Timeouts (autocannon's 10 s default) are a measurement, reported in the table and as a warning;
  // connection errors and non-2xx answers mean the app misbehaved.
  if (l.errors - l.timeouts > 0) f.push(`GET ${l.path}: ${l.errors - l.timeouts} connection errors under load`);
  if (l.requests === 0) f.push(`GET ${l.path}: no requests completed`);
  return f;
}

function loadRow(label: string, l: LoadResult): Row {
  return {
    scenario: label,
    path: l.path,
    'req/s': l.requestsPerSec,
    'p50 ms': l.latencyP50Ms,
    'p99 ms': l.latencyP99Ms,
    'mean ms': l.latencyMeanMs,
    requests: l.requests,
    non2xx: l.non2xx,
    errors: l.errors,
    timeouts: l.timeouts,
  };
}
const LOAD_COLUMNS = ['scenario', 'path', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'requests', 'non2xx', 'errors', 'timeouts'];

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/** Bytes over the wire for one signed-in page, for br / gzip / identity. */
async function pageSize(ctx: BenchContext, id: string, title: string, path: string, cookie: string): Promise<Section> {
  const rows: Row[] = [];
  const failures: string[] = [];
  let identity = 0;
  for (const enc of ['br', 'gzip', 'identity'] as const) {
    const headers: Record<string, string> = { Cookie: cookie };
    if (enc !== 'identity') headers['Accept-Encoding'] = enc;
    const r = await ctx.raw(path, headers);
    if (r.status !== 200) failures.push(`GET ${path} (Accept-Encoding: ${enc}) answered ${r.status}`);
    const ce = (r.headers['content-encoding'] as string | undefined) ?? 'none';
    if (enc === 'identity') identity = r.wireBytes;
    if (enc !== 'identity' && ce !== enc) failures.push(`GET ${path} with Accept-Encoding: ${enc} came back as Content-Encoding: ${ce}`);
    rows.push({ path, 'accept-encoding': enc === 'identity' ? '(none)' : enc, status: r.status, 'content-encoding': ce, bytes: r.wireBytes, KiB: kb(r.wireBytes) });
  }
  for (const row of rows) row['% of raw'] = identity ? round(((row.bytes as number) / identity) * 100, 1) : null;
  return { id, title, columns: ['path', 'accept-encoding', 'status', 'content-encoding', 'bytes', 'KiB', '% of raw'], rows, failures };
}

const directorHome: Scenario = {
  name: 'director /learn',
  async run(ctx) {
    const cookie = await ctx.signIn(DEMO.director.phone, DEMO.director.password);
    const size = await pageSize(ctx, 'learn-size', `GET /learn size — ${DEMO.director.label}`, '/learn', cookie);
    const l = await ctx.load('/learn', { cookie, 'accept-encoding': 'br' });
    return [
      size,
      {
        id: 'learn-load',
        title: `GET /learn load — ${DEMO.director.label}, ${LOAD.connections} conns × ${LOAD.durationS}s, br`,
        columns: LOAD_COLUMNS,
        rows: [loadRow('director home', l)],
        failures: loadFailures(l),
      },
    ];
  },
};

const officialHome: Scenario = {
  name: 'official /review',
  async run(ctx) {
    const cookie = await ctx.signIn(DEMO.official.phone, DEMO.official.password);
    const size = await pageSize(ctx, 'review-size', `GET /review size — ${DEMO.official.label}`, '/review', cookie);
    const l = await ctx.load('/review', { cookie, 'accept-encoding': 'br' });
    return [
      size,
      {
        id: 'review-load',
        title: `GET /review load — ${DEMO.official.label}, ${LOAD.connections} conns × ${LOAD.durationS}s, br`,
        columns: LOAD_COLUMNS,
        rows: [loadRow('official home', l)],
        failures: loadFailures(l),
      },
    ];
  },
};

const directorLesson: Scenario = {
  name: 'director lesson page',
  async run(ctx) {
    const cookie = await ctx.signIn(DEMO.director.phone, DEMO.director.password);
    const size = await pageSize(ctx, 'lesson-size', `GET ${LESSON_PATH} size — ${DEMO.director.label}`, LESSON_PATH, cookie);
    const l = await ctx.load(LESSON_PATH, { cookie, 'accept-encoding': 'br' });
    return [
      size,
      {
        id: 'lesson-load',
        title: `GET ${LESSON_PATH} load — ${DEMO.director.label}, ${LOAD.connections} conns × ${LOAD.durationS}s, br`,
        columns: LOAD_COLUMNS,
        rows: [loadRow('director lesson', l)],
        failures: loadFailures(l),
      },
    ];
  },
};

/** Id of the first assignment on /train/assignments whose table row mentions `title`. */
async function findAssignmentId(ctx: BenchContext, cookie: string, title: string): Promise<string> {
  const r = await ctx.raw('/train/assignments', { Cookie: cookie });
  if (r.status !== 200) throw new Error(`GET /train/assignments answered ${r.status}`);
  const html = r.body.toString('utf8');
  for (const row of html.split(/<tr[\s>]/).slice(1)) {
    const rowHtml = row.split('</tr>')[0] ?? '';
    const m = /\/train\/assignments\/(\d+)/.exec(rowHtml);
    if (m && rowHtml.includes(title)) return m[1]!;
  }
  throw new Error(`no row with a /train/assignments/<id> link and the text ${title} on GET /train/assignments`);
}

const trainerProgress: Scenario = {
  name: 'trainer county progress',
  async run(ctx) {
    const cookie = await ctx.signIn(DEMO.trainer.phone, DEMO.trainer.password);
    const id = await findAssignmentId(ctx, cookie, REFRESHER_TITLE);
    const detail = `/train/assignments/${id}`;
    console.log(`[bench]   ${REFRESHER_TITLE} (竹山县) is ${detail}`);
    const homeSize = await pageSize(ctx, 'train-size', `GET /train size — ${DEMO.trainer.label}`, '/train', cookie);
    const detailSize = await pageSize(ctx, 'train-assignment-size', `GET ${detail} size — ${REFRESHER_TITLE}, 竹山县, ${DEMO.trainer.label}`, detail, cookie);
    const headers = { cookie, 'accept-encoding': 'br' };
    const home = await ctx.load('/train', headers);
    const progress = await ctx.load(detail, headers);
    return [
      homeSize,
      detailSize,
      {
        id: 'train-load',
        title: `GET /train and ${detail} load — ${DEMO.trainer.label}, ${LOAD.connections} conns × ${LOAD.durationS}s, br`,
        columns: LOAD_COLUMNS,
        rows: [loadRow('trainer home', home), loadRow('county progress (年度轮训)', progress)],
        failures: [...loadFailures(home), ...loadFailures(progress)],
      },
    ];
  },
};

/** Add new scenarios here; they run in order against the same server and database. */
export const SCENARIOS: Scenario[] = [directorHome, officialHome, directorLesson, trainerProgress];

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

function markdownTable(s: Section): string {
  const cells = (r: Row) => s.columns.map((c) => (r[c] === null || r[c] === undefined ? '—' : String(r[c])));
  const body = s.rows.map(cells);
  const widths = s.columns.map((c, i) => Math.max(width(c), ...body.map((b) => width(b[i] ?? ''))));
  const line = (vals: string[]) => `| ${vals.map((v, i) => pad(v, widths[i] ?? 0)).join(' | ')} |`;
  return [
    `### ${s.title}`,
    '',
    line(s.columns),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...body.map(line),
  ].join('\n');
}
/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));

// ---------------------------------------------------------------------------------------------
// Server lifecycle
// ---------------------------------------------------------------------------------------------

function ensureBuild(force: boolean): void {
  if (!force && existsSync(join(ROOT, 'dist/server/entry.mjs'))) return;
  console.log(force ? '[bench] --build: npm run build' : '[bench] dist/server/entry.mjs missing: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${String(r.status)})`);
}

function startServer(dbPath: string): { child: ChildProcess; log: string[]; exited: Promise<number | null> } {
  const log: string[] = [];
  // detached: own process group, so the whole npx → tsx → node chain can be stopped together.
  const child = spawn('npx', ['tsx', 'src/cli/serve.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: String(PORT), HOST, DATABASE_PATH: dbPath, TONGHU_DEMO: '1', NODE_ENV: 'production' },
  });
  const collect = (b: Buffer) => {
    for (const l of b.toString('utf8').split('\n')) if (l.trim()) log.push(l);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, log, exited };
}

async function waitHealthy(exited: Promise<number | null>, log: string[]): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((c) => (gone = c));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`server exited (code ${String(gone)}) before /healthz answered:\n${log.join('\n')}`);
    try {
      const r = await raw('/healthz');
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(200);
  }
  throw new Error(`server did not answer GET /healthz 200 within ${STARTUP_TIMEOUT_MS / 1000}s:\n${log.join('\n')}`);
}

async function stopServer(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  signalGroup('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
  if (!done) {
    signalGroup('SIGKILL');
    await Promise.race([exited, sleep(2_000)]);
  }
  // The group may outlive the npx leader briefly; make sure nothing is left on our port's process group.
  signalGroup('SIGKILL');
}

async function portInUse(): Promise<boolean> {
  try {
    await raw('/healthz');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const t0 = Date.now();
  const loadBefore = loadavg()[0] ?? 0;
  if (loadBefore > cpus().length / 2) {
    console.warn(`[bench] warning: 1-min load average is ${loadBefore.toFixed(1)} on ${cpus().length} CPUs; figures will be noisy`);
  }
  if (await portInUse()) throw new Error(`port ${PORT} is already in use; stop whatever is listening on ${BASE} first`);
  ensureBuild(process.argv.includes('--build'));

  const tmp = mkdtempSync(join(tmpdir(), 'tonghu-bench-'));
  const dbPath = join(tmp, 'bench.db');
  const server = startServer(dbPath);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await stopServer(server.child, server.exited);
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await waitHealthy(server.exited, server.log);
    const startedMs = Date.now() - t0;
    console.log(`[bench] server up on ${BASE} in ${(startedMs / 1000).toFixed(1)}s (db ${dbPath})`);

    const ctx: BenchContext = { base: BASE, signIn, raw, load };
    const sections: Section[] = [];
    for (const sc of SCENARIOS) {
      console.log(`[bench] ${sc.name}…`);
      const out = await sc.run(ctx);
      sections.push(...(Array.isArray(out) ? out : [out]));
    }

    const failures = sections.flatMap((s) => s.failures ?? []);
    const gitRev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    const result = {
      generatedAt: new Date().toISOString(),
      commit: gitRev.status === 0 ? gitRev.stdout.trim() : null,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      // 1-minute load average before / after: figures are only comparable between quiet machines.
      loadAvg1: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) },
      base: BASE,
      load: LOAD,
      serverStartupMs: startedMs,
      totalMs: Date.now() - t0,
      sections: Object.fromEntries(sections.map((s) => [s.id, { title: s.title, rows: s.rows }])),
      failures,
    };

    console.log('');
    console.log(sections.map(markdownTable).join('\n\n'));
    console.log('');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const outFile = join(RESULTS_DIR, 'latest.json');
    writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
    console.log(`[bench] wrote ${relative(ROOT, outFile)} (${(result.totalMs / 1000).toFixed(1)}s total)`);

    const slow = sections.flatMap((s) => s.rows).filter((r) => typeof r.timeouts === 'number' && r.timeouts > 0);
    for (const r of slow) console.warn(`[bench] warning: ${String(r.timeouts)} requests to ${String(r.path)} timed out (>10 s)`);
    if (failures.length) {
      console.error(`[bench] FAILED:\n  ${failures.join('\n  ')}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (server.log.length) console.error(`[bench] server log (last 30 lines):\n${server.log.slice(-30).join('\n')}`);
    throw e;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`[bench] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
