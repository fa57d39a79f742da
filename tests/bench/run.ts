/**
 * `npm run bench`: start the built server on a fresh demo database, sign in as demo users and measure
 * the signed-in home pages, a lesson page and the trainer's county progress view (bytes over the wire
 * per encoding, fixed autocannon load), then quiz submissions under 64 connections (throughput, p99,
 * and lost or duplicated attempts checked in the database afterwards), and certificate PDF generation
 * (in this process, no server involved: median time and size).
 *
 * The last scenario, "load" (tests/bench/load.ts), has 500 signed-in people browse and submit for 5 minutes.
 *
 *   npm run bench             # builds first only if dist/server/entry.mjs is missing
 *   npm run bench -- --build  # always rebuild first
 *   npm run bench -- --only load   # one scenario (name contains the text); its sections are merged into latest.json
 *   BENCH_PORT=4421 LOAD_USERS=50 LOAD_SECONDS=30 npm run bench -- --only load
 *
 * Prints one markdown table per section and writes everything to tests/bench/results/latest.json.
 * To add measurements, append a scenario to SCENARIOS: a named async function that receives the
 * BenchContext (base URL, database file, sign-in, raw fetch, load helper) and returns one or more Sections.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../../db/client';
import { startQuizAttempt } from '../../src/lib/assessment/attempts';
import { keyForDisplay } from '../../src/lib/assessment/grading';
import type { QuestionType } from '../../src/lib/assessment/bank';
import { createSession } from '../../src/lib/auth/session';
import { renderCertificatePdf, type CertificateView } from '../../src/lib/certification/pdf';
import { computeRatings } from '../../src/lib/fieldwork/performance';
import { dayOf } from '../../src/lib/time';
import { loadOrCreateSigningKey, signPayload } from '../../src/lib/certification/signing';
import { benchRosterImport, ROSTER_BENCH } from './roster-import';
import { benchHostileTables } from './hostile-tables';
import { loadScenario } from './load';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS_DIR = join(ROOT, 'tests/bench/results');
const PORT = Number(process.env.BENCH_PORT ?? 4398);
const HOST = '127.0.0.1';
const BASE = `http://${HOST}:${PORT}`;
// The demo seed (regions, people, course content, learning progress, a year of field work) takes ~30 s
// before 已启动; leave room
// for a loaded machine.
const STARTUP_TIMEOUT_MS = 120_000;
const LOAD = { durationS: 10, connections: 32 } as const;
const WARMUP_REQUESTS = 20;

const DEMO = {
  director: { phone: '13900000005', password: 'Tonghu#2026', label: '儿童主任 director (竹山县)' },
  official: { phone: '13900000001', password: 'Tonghu#2026', label: '省级官员 province official' },
  trainer: { phone: '13900000003', password: 'Tonghu#2026', label: '培训专员 trainer (竹山县)' },
  supervisor: { phone: '13900000004', password: 'Tonghu#2026', label: '督导员 supervisor (竹山县城关镇)' },
  countyOfficial: { phone: '13900000002', password: 'Tonghu#2026', label: '县级官员 county official (竹山县)' },
} as const;

/** A lesson of the onboarding curriculum the demo director (待上岗) can read. */
const LESSON_PATH = '/learn/courses/director-duties/01-who-is-director';
/** Title of the curriculum the demo seed assigns to all directors of 竹山县 (~240 learners, 17 townships). */
const REFRESHER_TITLE = '儿童主任年度轮训';

/**
 * Quiz submissions (issue 4): every active demo director gets a session and one open attempt in each
 * course without prerequisites; each attempt is submitted once, ~10% a second time (idempotency).
 * Target: 500 submissions/s at 64 connections, 0 lost, 0 duplicated.
 */
const QUIZ_LOAD = {
  connections: 64,
  duplicateShare: 0.1,
  /** share of questions answered with the key (the rest are left unanswered, i.e. wrong) */
  correctShare: 0.85,
  targetPerSec: 500,
  courses: ['director-duties', 'minors-protection-law', 'classified-support', 'home-visits-safety', 'psychological-care'],
  seed: 20261129,
} as const;

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
  /** The server's SQLite file (WAL: the bench may open a second connection to prepare data and check results). */
  dbPath: string;
  /** pid of the server's node process itself (for /proc/<pid>/status and /proc/<pid>/stat) */
  serverPid: number;
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
  /** seconds */
  duration: number;
  latency: AutocannonHist;
  requests: AutocannonHist & { sent: number };
  throughput: AutocannonHist;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called before each request is built; return the request to send. `context` is per connection. */
  setupRequest?: (req: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | null;
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => void;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  /** seconds; ignored when `amount` is set */
  duration?: number;
  /** total requests over all connections */
  amount?: number;
  headers?: Record<string, string>;
  requests?: AutocannonRequest[];
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

// ---------------------------------------------------------------------------------------------
// Quiz submissions under load (issue 4)
// ---------------------------------------------------------------------------------------------

/** Small deterministic PRNG (mulberry32) so the pool's answers and order repeat between runs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface QuizJob {
  attemptId: number;
  cookie: string;
  /** urlencoded form: `_action=submit` and the answers */
  body: string;
  /** how many answers in `body` are right (what grading must store) */
  expectedCorrect: number;
  duplicate: boolean;
}

/** Form fields answering one question with its key, as the quiz page's inputs would send them. */
function keyFields(ord: number, type: QuestionType, answer: unknown, optionOrder: number[]): [string, string][] {
  const key = keyForDisplay(type, answer, optionOrder);
  switch (type) {
    case 'single':
      return [[`q${ord}`, String(key)]];
    case 'multiple':
      return (key as number[]).map((p) => [`q${ord}`, String(p)] as [string, string]);
    case 'truefalse':
      return [[`q${ord}`, key ? 'true' : 'false']];
    case 'fill':
      return [[`q${ord}`, (key as string[])[0] ?? '']];
    case 'ordering':
      return (key as number[]).map((rank, i) => [`q${ord}_${i}`, String(rank)] as [string, string]);
  }
}

interface QuizPool {
  jobs: QuizJob[];
  /** attempt id → expected number of correct answers */
  expected: Map<number, number>;
  directors: number;
  skipped: Record<string, number>;
  attemptRowsBefore: number;
}

/**
 * Opens the server's database next to it and prepares the load without HTTP sign-ins (scrypt would
 * dominate): a session for every active director and one open quiz attempt per course without
 * prerequisites, then the submission requests in a shuffled order with ~10% re-sent later.
 */
function prepareQuizPool(dbPath: string): QuizPool {
  const db = openDb(dbPath);
  try {
    const sqlite = db.$client;
    const now = Date.now();
    const courseIds = new Map<string, number>();
    for (const slug of QUIZ_LOAD.courses) {
      const row = sqlite.prepare('select id, prerequisites from courses where slug = ? and active = 1').get(slug) as { id: number; prerequisites: string } | undefined;
      if (!row) throw new Error(`course ${slug} is missing from the demo database`);
      if ((JSON.parse(row.prerequisites) as string[]).length) throw new Error(`course ${slug} has prerequisites; pick courses without`);
      courseIds.set(slug, row.id);
    }
    const directors = sqlite
      .prepare(
        `select ra.user_id as userId, min(ra.id) as assignmentId
           from role_assignments ra join users u on u.id = ra.user_id
          where ra.role = 'director' and ra.active = 1 and u.active = 1 and u.must_change_password = 0
          group by ra.user_id order by ra.user_id`,
      )
      .all() as { userId: number; assignmentId: number }[];
    const items = sqlite.prepare(
      `select ai.ord as ord, ai.option_order as optionOrder, q.type as type, q.answer as answer
         from attempt_items ai join questions q on q.id = ai.question_id
        where ai.attempt_id = ? order by ai.ord`,
    );
    const rnd = prng(QUIZ_LOAD.seed);
    const skipped: Record<string, number> = {};
    const originals: QuizJob[] = [];
    const expected = new Map<number, number>();
    sqlite.transaction(() => {
      for (const d of directors) {
        // act as the director (a person may hold other roles too, e.g. the demo trainer)
        const cookie = `tonghu_session=${createSession(db, d.userId, { now, assignmentId: d.assignmentId, userAgent: 'tonghu-bench' }).token}`;
        for (const [slug, courseId] of courseIds) {
          let attemptId: number;
          try {
            attemptId = startQuizAttempt(db, d.userId, courseId, now);
          } catch (e) {
            const why = e instanceof Error ? e.message : String(e);
            skipped[why] = (skipped[why] ?? 0) + 1;
            continue;
          }
          if (expected.has(attemptId)) throw new Error(`attempt ${attemptId} (${slug}) returned twice`);
          const fields: [string, string][] = [['_action', 'submit']];
          let right = 0;
          for (const it of items.all(attemptId) as { ord: number; optionOrder: string; type: QuestionType; answer: string | null }[]) {
            if (rnd() >= QUIZ_LOAD.correctShare) continue; // left unanswered: graded wrong
            fields.push(...keyFields(it.ord, it.type, it.answer === null ? null : JSON.parse(it.answer), JSON.parse(it.optionOrder) as number[]));
            right++;
          }
          expected.set(attemptId, right);
          originals.push({ attemptId, cookie, body: new URLSearchParams(fields).toString(), expectedCorrect: right, duplicate: false });
        }
      }
    })();
    // Shuffle, then slot each duplicate 1–256 places after its original: some arrive while the first
    // submission is still in flight (a double click), most after it was graded (a re-sent form).
    for (let i = originals.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [originals[i], originals[j]] = [originals[j]!, originals[i]!];
    }
    const keyed: { k: number; job: QuizJob }[] = originals.map((job, i) => ({ k: i, job }));
    originals.forEach((job, i) => {
      if (rnd() < QUIZ_LOAD.duplicateShare) keyed.push({ k: i + 1 + Math.floor(rnd() * 256) + 0.5, job: { ...job, duplicate: true } });
    });
    keyed.sort((a, b) => a.k - b.k);
    const attemptRowsBefore = (sqlite.prepare('select count(*) as n from attempts').get() as { n: number }).n;
    return { jobs: keyed.map((x) => x.job), expected, directors: directors.length, skipped, attemptRowsBefore };
  } finally {
    db.$client.close();
  }
}

const quizSubmissions: Scenario = {
  name: 'quiz submissions (64 connections)',
  async run(ctx) {
    const t0 = Date.now();
    const pool = prepareQuizPool(ctx.dbPath);
    const originals = pool.expected.size;
    const duplicates = pool.jobs.length - originals;
    console.log(
      `[bench]   ${originals} open attempts for ${pool.directors} directors × ${QUIZ_LOAD.courses.length} courses, ` +
        `+${duplicates} duplicate submissions, prepared in ${((Date.now() - t0) / 1000).toFixed(1)}s` +
        (Object.keys(pool.skipped).length ? `; skipped: ${Object.entries(pool.skipped).map(([k, n]) => `${k} ×${n}`).join(', ')}` : ''),
    );
    const failures: string[] = [];
    if (originals < QUIZ_LOAD.connections) throw new Error(`only ${originals} open attempts could be started`);

    // Each connection takes the next job from a shared cursor; autocannon builds exactly one request per
    // request it sends (the first at connect, then one after each response until its share is done).
    let cursor = 0;
    let overrun = 0;
    const firstAck = new Map<number, number>(); // attempt id → when its first 303 arrived (ms)
    let acks = 0;
    let badLocation = 0;
    let firstBad: string | null = null;
    const loadStart = Date.now();
    const r = await autocannon({
      url: ctx.base,
      connections: QUIZ_LOAD.connections,
      amount: pool.jobs.length,
      requests: [
        {
          method: 'POST',
          setupRequest(req, context) {
            if (cursor >= pool.jobs.length) overrun++;
            const job = pool.jobs[cursor++ % pool.jobs.length]!;
            context.job = job;
            return {
              ...req,
              method: 'POST',
              path: `/learn/attempts/${job.attemptId}`,
              headers: { Cookie: job.cookie, Origin: ctx.base, 'Content-Type': 'application/x-www-form-urlencoded' },
              body: job.body,
            };
          },
          onResponse(status, body, context, headers) {
            const job = context.job as QuizJob | undefined;
            if (status !== 303 && firstBad === null) firstBad = `HTTP ${status} for attempt ${String(job?.attemptId)}: ${String(body).slice(0, 200).replace(/\s+/g, ' ')}`;
            if (!job || status !== 303) return;
            const loc = Object.entries(headers).find(([k]) => k.toLowerCase() === 'location')?.[1];
            if (loc !== `/learn/attempts/${job.attemptId}/result`) {
              badLocation++;
              return;
            }
            acks++;
            if (!firstAck.has(job.attemptId)) firstAck.set(job.attemptId, Date.now());
          },
        },
      ],
    });
    const wallS = (Date.now() - loadStart) / 1000;

    // Check what the database holds.
    const db = openDb(ctx.dbPath);
    let submitted = 0;
    let lost = 0;
    let regraded = 0;
    let wrongScore = 0;
    let duplicateNumbers = 0;
    let newRows = 0;
    try {
      const sqlite = db.$client;
      const get = sqlite.prepare('select submitted_at as submittedAt, timed_out as timedOut, correct from attempts where id = ?');
      for (const [id, want] of pool.expected) {
        const a = get.get(id) as { submittedAt: number | null; timedOut: number; correct: number | null } | undefined;
        const acked = firstAck.get(id);
        if (a?.submittedAt != null) submitted++;
        if (acked !== undefined && a?.submittedAt == null) lost++;
        // graded once: the stored submission time is the first one, before the first 303 reached us
        if (acked !== undefined && a?.submittedAt != null && a.submittedAt > acked) regraded++;
        // the answers sent were all saved before grading
        if (a?.submittedAt != null && !a.timedOut && a.correct !== want) wrongScore++;
      }
      duplicateNumbers = (
        sqlite.prepare('select count(*) as n from (select 1 from attempts where exam_id is null group by user_id, course_id, number having count(*) > 1)').get() as { n: number }
      ).n;
      newRows = (sqlite.prepare('select count(*) as n from attempts').get() as { n: number }).n - pool.attemptRowsBefore;
    } finally {
      db.$client.close();
    }
    const duplicated = regraded + duplicateNumbers + Math.max(0, newRows);
    const notAcked = originals - firstAck.size;

    const codes = Object.entries(r.statusCodeStats ?? {});
    const non3xx = codes.filter(([c]) => !c.startsWith('3')).reduce((n, [, v]) => n + v.count, 0);
    const perSec = round(r.requests.total / (r.duration || wallS), 1);
    const met = perSec >= QUIZ_LOAD.targetPerSec && lost === 0 && duplicated === 0;

    if (non3xx > 0) failures.push(`POST /learn/attempts/<id>: ${non3xx} non-3xx responses (${codes.map(([c, v]) => `${c}×${v.count}`).join(', ')}); first: ${String(firstBad)}`);
    if (r.errors - r.timeouts > 0) failures.push(`POST /learn/attempts/<id>: ${r.errors - r.timeouts} connection errors under load`);
    if (badLocation > 0) failures.push(`POST /learn/attempts/<id>: ${badLocation} 303s not to the attempt's result page`);
    if (overrun > 0) failures.push(`quiz load: autocannon built ${overrun} more requests than planned`);
    if (lost > 0) failures.push(`quiz submissions: ${lost} attempts acknowledged with 303 but not submitted in the database (lost)`);
    if (duplicated > 0) failures.push(`quiz submissions: ${duplicated} duplicated (${regraded} graded again, ${duplicateNumbers} repeated (user, course, number), ${newRows} new attempt rows)`);
    if (wrongScore > 0) failures.push(`quiz submissions: ${wrongScore} attempts graded with a different number of right answers than were sent (answers lost)`);
    if (notAcked > 0) console.warn(`[bench] warning: ${notAcked} of ${originals} attempts never got a 303 (timeouts: ${r.timeouts})`);

    const scope = `${originals} attempts + ${duplicates} duplicates, ${QUIZ_LOAD.connections} conns`;
    return [
      {
        id: 'quiz-submit-load',
        title: `POST /learn/attempts/<id> (submit) load — ${pool.directors} directors, ${scope}, target ${QUIZ_LOAD.targetPerSec}/s`,
        columns: ['scenario', 'requests', 'seconds', 'req/s', 'p50 ms', 'p99 ms', 'mean ms', 'non3xx', 'errors', 'timeouts', `≥ ${QUIZ_LOAD.targetPerSec}/s`],
        rows: [
          {
            scenario: 'quiz submit',
            requests: r.requests.total,
            seconds: round(r.duration || wallS, 1),
            'req/s': perSec,
            'p50 ms': r.latency.p50,
            'p99 ms': r.latency.p99,
            'mean ms': round(r.latency.average, 2),
            non3xx,
            errors: r.errors,
            timeouts: r.timeouts,
            [`≥ ${QUIZ_LOAD.targetPerSec}/s`]: perSec >= QUIZ_LOAD.targetPerSec ? 'yes' : 'no',
          },
        ],
        failures,
      },
      {
        id: 'quiz-submit-integrity',
        title: `Quiz submissions in the database after the load — lost and duplicated must be 0`,
        columns: ['pool', 'duplicates sent', '303s', 'acknowledged', 'submitted in DB', 'lost', 'duplicated', 'score mismatches', 'target met'],
        rows: [
          {
            pool: originals,
            'duplicates sent': duplicates,
            '303s': acks,
            acknowledged: firstAck.size,
            'submitted in DB': submitted,
            lost,
            duplicated,
            'score mismatches': wrongScore,
            'target met': met ? 'yes' : lost === 0 && duplicated === 0 ? `0 lost/dup; ${perSec}/s < ${QUIZ_LOAD.targetPerSec}/s` : 'no',
          },
        ],
      },
    ];
  },
};

/**
 * Certificate PDF (issue 5): render one typical certificate CERT_PDF.renders times in this process after a
 * warm-up (fonts parsed, code optimised) and report the median wall and CPU time and the size.
 * Target: median ≤ 50 ms and ≤ 100 KB. The server is idle meanwhile, so it does not disturb the figures.
 */
const CERT_PDF = { warmup: 5, renders: 50, targetMs: 50, targetKb: 100 } as const;

const certificatePdf: Scenario = {
  name: 'certificate PDF',
  async run() {
    const keyDir = mkdtempSync(join(tmpdir(), 'tonghu-bench-keys-'));
    try {
      const key = loadOrCreateSigningKey(keyDir);
      const base = {
        serial: '鄂童护〔2026〕000123号',
        holderName: '李小红',
        title: '新任儿童主任入职培训',
        kind: 'curriculum' as const,
        hours: 24,
        issuedOn: '2026-03-01',
        expiresOn: '2027-02-28',
        issuer: '十堰市竹山县民政局',
        verifyUrl: 'https://tonghu.example.gov.cn/verify/K7QF3M9X',
      };
      const token = signPayload(key, { v: 1, s: base.serial, n: '李**', c: base.title, k: base.kind, h: base.hours, i: base.issuedOn, e: base.expiresOn, a: base.issuer });
      const view: CertificateView = { ...base, token };
      const firstStart = performance.now();
      await renderCertificatePdf(view);
      const firstMs = performance.now() - firstStart;
      for (let i = 1; i < CERT_PDF.warmup; i++) await renderCertificatePdf(view);
      const wall: number[] = [];
      const cpu: number[] = [];
      let bytes = 0;
      for (let i = 0; i < CERT_PDF.renders; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const pdf = await renderCertificatePdf(view);
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        bytes = pdf.length;
      }
      const median = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return s[Math.floor(s.length / 2)] ?? NaN;
      };
      const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? NaN;
      const medianMs = round(median(wall), 1);
      return {
        id: 'certificate-pdf',
        title: `Certificate PDF — ${CERT_PDF.renders} renders after ${CERT_PDF.warmup} warm-up, target median ≤ ${CERT_PDF.targetMs} ms and ≤ ${CERT_PDF.targetKb} KB`,
        columns: ['first render ms', 'median ms', 'p90 ms', 'median CPU ms', 'KB', 'target met'],
        rows: [
          {
            'first render ms': round(firstMs, 0),
            'median ms': medianMs,
            'p90 ms': round(p90(wall), 1),
            'median CPU ms': round(median(cpu), 1),
            KB: kb(bytes),
            'target met': medianMs <= CERT_PDF.targetMs && kb(bytes) <= CERT_PDF.targetKb ? 'yes' : 'no',
          },
        ],
      };
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  },
};

/**
 * Add new scenarios here; they run in order against the same server and database. The quiz load writes
 * (sessions, ~2,000 graded attempts, course completions), so it runs last.
 */

// ---------------------------------------------------------------------------------------------
// Field work and performance (issue 6)
// ---------------------------------------------------------------------------------------------

const fieldWork: Scenario = {
  name: 'field work and performance',
  async run(ctx) {
    const director = await ctx.signIn(DEMO.director.phone, DEMO.director.password);
    const supervisor = await ctx.signIn(DEMO.supervisor.phone, DEMO.supervisor.password);
    const official = await ctx.signIn(DEMO.countyOfficial.phone, DEMO.countyOfficial.password);
    const year = dayOf(Date.now()).slice(0, 4);
    const perfPath = `/review/performance?period=${year}`;
    const sizes = [
      await pageSize(ctx, 'work-size', `GET /work size — ${DEMO.director.label}`, '/work', director),
      await pageSize(ctx, 'work-visit-size', `GET /work/log/visit size — ${DEMO.director.label}`, '/work/log/visit', director),
      await pageSize(ctx, 'supervise-entries-size', `GET /supervise/entries size — ${DEMO.supervisor.label}`, '/supervise/entries', supervisor),
    ];
    const br = (cookie: string) => ({ cookie, 'accept-encoding': 'br' });
    const loads = [
      ['director /work', await ctx.load('/work', br(director))],
      ['supervisor queue', await ctx.load('/supervise/entries', br(supervisor))],
      ['county field-work overview', await ctx.load('/review/fieldwork', br(official))],
      [`county ratings (${year}, stored)`, await ctx.load(perfPath, br(official))],
    ] as const;

    // storing a county's ratings (the official's 计算评分 button), in-process on the bench database
    const db = openDb(ctx.dbPath);
    const timings: number[] = [];
    let rated = 0;
    try {
      const a = db.$client
        .prepare(`select u.id as userId, ra.region_id as regionId, ra.region_path as regionPath from users u join role_assignments ra on ra.user_id = u.id and ra.role = 'official' where u.phone = ?`)
        .get(DEMO.countyOfficial.phone) as { userId: number; regionId: number; regionPath: string };
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        rated = computeRatings(db, { userId: a.userId, role: 'official', regionId: a.regionId, regionPath: a.regionPath }, a.regionId, year).rated;
        timings.push(performance.now() - t0);
      }
    } finally {
      db.$client.close();
    }
    timings.sort((x, y) => x - y);
    return [
      ...sizes,
      {
        id: 'fieldwork-load',
        title: `Field-work pages under load — ${LOAD.connections} conns × ${LOAD.durationS}s, br`,
        columns: LOAD_COLUMNS,
        rows: loads.map(([label, l]) => loadRow(label, l)),
        failures: loads.flatMap(([, l]) => loadFailures(l)),
      },
      {
        id: 'ratings-compute',
        title: `computeRatings for 竹山县, ${year} (5 runs, in-process, indicators of every director and supervisor from stored events)`,
        columns: ['people rated', 'min ms', 'median ms', 'max ms'],
        rows: [{ 'people rated': rated, 'min ms': round(timings[0]!, 1), 'median ms': round(timings[2]!, 1), 'max ms': round(timings[4]!, 1) }],
        failures: rated > 0 ? [] : ['computeRatings rated nobody'],
      },
    ];
  },
};

// ---------------------------------------------------------------------------------------------
// The subsidy month of the whole nation (issue 7), in its own process on the scale database
// ---------------------------------------------------------------------------------------------

/**
 * Runs tests/bench/national.ts (which generates tmp/scale-national.db once: ~6 min and ~9 GB, reused
 * afterwards) and reports its figures. `--skip-national` leaves it out; `--national-scale province` runs
 * the provincial one instead.
 */
const nationalSubsidy: Scenario = {
  name: 'national subsidy month',
  async run() {
    const i = process.argv.indexOf('--national-scale');
    const scale = i > 0 ? process.argv[i + 1]! : 'national';
    const r = spawnSync('npx', ['tsx', 'tests/bench/national.ts', '--scale', scale], { cwd: ROOT, stdio: 'inherit' });
    const failures: string[] = [];
    if (r.status !== 0) failures.push(`tests/bench/national.ts exited with ${r.status}`);
    let row: Row = {};
    try {
      const j = JSON.parse(readFileSync(join(RESULTS_DIR, `national-${scale}.json`), 'utf8'));
      row = { scale, counties: j.counties, workers: j.workers, entries: j.entries, 'compute s': j.computeS, 'p50 ms/county': j.perCountyMs.p50, 'p99 ms/county': j.perCountyMs.p99, 'peak RSS MB': j.peakRssMB, 'target s': j.targetS };
      if (j.computeS > j.targetS) failures.push(`the month took ${j.computeS} s, over the ${j.targetS} s target`);
    } catch (e) {
      failures.push(`no results from tests/bench/national.ts: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { id: 'national-subsidy', title: `Subsidy month for every county (${scale} scale seed)`, columns: ['scale', 'counties', 'workers', 'entries', 'compute s', 'p50 ms/county', 'p99 ms/county', 'peak RSS MB', 'target s'], rows: [row], failures };
  },
};

// ---------------------------------------------------------------------------------------------
// Offline use on phones (issue: PWA, ADR 0016)
// ---------------------------------------------------------------------------------------------

const attr = (html: string, name: string): string | null => {
  const m = new RegExp(`${name}="([^"]*)"`).exec(html);
  return m ? m[1]!.replace(/&quot;|&#34;/g, '"').replace(/&amp;/g, '&') : null;
};

/** Same-site CSS and JS a page loads, following the static imports of the module scripts. */
async function pageAssets(ctx: BenchContext, html: string): Promise<string[]> {
  const found = new Set<string>();
  const queue = [...html.matchAll(/(?:href|src)="(\/_astro\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]!);
  while (queue.length) {
    const path = queue.shift()!;
    if (found.has(path)) continue;
    found.add(path);
    if (!path.endsWith('.js')) continue;
    const js = (await ctx.raw(path)).body.toString('utf8');
    for (const m of js.matchAll(/(?:from|import)\s*["'](\.\/[^"']+\.js)["']/g)) queue.push(`/_astro/${m[1]!.slice(2)}`);
  }
  return [...found];
}

async function wire(ctx: BenchContext, paths: string[], headers: Record<string, string>, failures: string[]): Promise<number> {
  let n = 0;
  for (const p of paths) {
    const r = await ctx.raw(p, { 'Accept-Encoding': 'br', ...headers });
    if (r.status !== 200) failures.push(`GET ${p} answered ${r.status}`);
    n += r.wireBytes;
  }
  return n;
}

/**
 * What a phone downloads (br, as on the wire): the first visit to /learn — the page, its CSS and JS, the
 * manifest and the service worker, the worker's precache, and the background storing that makes /learn
 * and the lessons of assigned courses readable offline — and "下载离线学习" of one full course, next to
 * the estimate the course page shows before downloading (PAGE_SHELL_BYTES in src/lib/offline/plan.ts).
 */
const offlineCourse: Scenario = {
  name: 'offline course and first visit',
  async run(ctx) {
    const cookie = await ctx.signIn(DEMO.director.phone, DEMO.director.password);
    const failures: string[] = [];
    const h = { Cookie: cookie };
    const learn = await ctx.raw('/learn', { 'Accept-Encoding': 'br', ...h });
    if (learn.status !== 200) failures.push(`GET /learn answered ${learn.status}`);
    const learnHtml = (await ctx.raw('/learn', h)).body.toString('utf8');
    const assets = await pageAssets(ctx, learnHtml);
    const assetBytes = await wire(ctx, assets, {}, failures);
    const installBytes = await wire(ctx, ['/manifest.webmanifest', '/sw.js'], {}, failures);
    const sw = (await ctx.raw('/sw.js')).body.toString('utf8');
    const precache = (JSON.parse(/TONGHU_PRECACHE = (\[.*?\]);/.exec(sw)?.[1] ?? '[]') as string[]).filter((p) => !assets.includes(p) && p !== '/manifest.webmanifest');
    const precacheBytes = await wire(ctx, precache, {}, failures);
    // the background storing after the worker takes over: /learn again, /outbox, each assigned course page and its lessons
    const slugs = JSON.parse(attr(learnHtml, 'data-offline-courses') ?? '[]') as string[];
    const lessonPages: string[] = [];
    for (const slug of slugs) {
      const html = (await ctx.raw(`/learn/courses/${slug}`, h)).body.toString('utf8');
      lessonPages.push(`/learn/courses/${slug}`, ...(JSON.parse(attr(html, 'data-offline-pages') ?? '[]') as string[]).slice(1));
    }
    const storeBytes = await wire(ctx, ['/learn', '/outbox', ...lessonPages], h, failures);
    const firstRows: Row[] = [
      { part: '/learn HTML', requests: 1, bytes: learn.wireBytes, KiB: kb(learn.wireBytes) },
      { part: 'page CSS + JS', requests: assets.length, bytes: assetBytes, KiB: kb(assetBytes) },
      { part: 'manifest + sw.js', requests: 2, bytes: installBytes, KiB: kb(installBytes) },
      { part: 'service worker precache (rest)', requests: precache.length, bytes: precacheBytes, KiB: kb(precacheBytes) },
      { part: `stored for offline (${slugs.length} assigned courses)`, requests: 2 + lessonPages.length, bytes: storeBytes, KiB: kb(storeBytes) },
    ];
    const before = learn.wireBytes + assetBytes + installBytes;
    const total = before + precacheBytes + storeBytes;
    firstRows.push({ part: 'first visit, page only', requests: 1 + assets.length + 2, bytes: before, KiB: kb(before) });
    firstRows.push({ part: 'first visit, with offline storing', requests: 3 + assets.length + precache.length + 2 + lessonPages.length, bytes: total, KiB: kb(total) });

    const courseRows: Row[] = [];
    for (const slug of ['director-duties', 'mandatory-reporting']) {
      const html = (await ctx.raw(`/learn/courses/${slug}`, h)).body.toString('utf8');
      const pages = JSON.parse(attr(html, 'data-offline-pages') ?? '[]') as string[];
      const images = JSON.parse(attr(html, 'data-offline-images') ?? '[]') as string[];
      const estimate = Number(attr(html, 'data-page-bytes') ?? 0) + Number(attr(html, 'data-image-bytes') ?? 0);
      if (!pages.length) failures.push(`/learn/courses/${slug} has no offline plan`);
      const bytes = await wire(ctx, [...pages, ...images], h, failures);
      const saver = await wire(ctx, pages, h, failures);
      courseRows.push({ course: slug, pages: pages.length, images: images.length, 'bytes (br)': bytes, KiB: kb(bytes), 'data saver KiB': kb(saver), 'shown estimate KiB': kb(estimate), 'estimate / real': bytes ? round(estimate / bytes, 2) : null });
    }
    return [
      { id: 'offline-first-visit', title: `First visit to /learn on a phone — ${DEMO.director.label}, br`, columns: ['part', 'requests', 'bytes', 'KiB'], rows: firstRows, failures },
      { id: 'offline-course', title: 'Full offline course download (下载离线学习), br', columns: ['course', 'pages', 'images', 'bytes (br)', 'KiB', 'data saver KiB', 'shown estimate KiB', 'estimate / real'], rows: courseRows },
    ];
  },
};

/**
 * M18: a 30,000-row roster import, in this process on its own database (tests/bench/roster-import.ts).
 * Wrong results throw; a missed time target is reported (like the quiz target), not a failure, because
 * the figure depends on how busy the machine is (the CPU time column says how much was ours).
 */
const rosterImport: Scenario = {
  name: 'roster import 30,000 rows',
  async run() {
    const f = await benchRosterImport();
    return {
      id: 'roster-import',
      title: `Roster import — ${f.rows} rows (儿童主任 + 督导员) by the province administrator, one transaction; target import ≤ ${ROSTER_BENCH.targetMs / 1000} s`,
      columns: Object.keys(f),
      rows: [{ ...f }],
    };
  },
};

/**
 * Issue 10: hostile tables (a million rows, bombs, wide rows) read by the import's reader, each in a child
 * process whose RSS is measured (tests/bench/hostile-tables.ts). Fails when a hostile file is accepted or
 * a refusal grows the process by more than 200 MB (ExcelJS needed ~1.3 GB for the million rows).
 */
const hostileTables: Scenario = {
  name: 'hostile tables',
  async run() {
    const rows = await benchHostileTables();
    const failures = rows.flatMap((r) => [
      ...(!r.file.startsWith('roster-') && !r.outcome.startsWith('refused') ? [`${r.file}: ${r.outcome}`] : []),
      ...(r['RSS growth MB'] > 200 ? [`${r.file}: RSS grew ${r['RSS growth MB']} MB`] : []),
    ]);
    return { id: 'hostile-tables', title: 'Hostile roster files read by the import (each in its own process; peak RSS includes ~80–130 MB of tsx start-up)', columns: Object.keys(rows[0]!), rows: rows.map((r) => ({ ...r })), failures };
  },
};

// ---------------------------------------------------------------------------------------------
// Officials' dashboards (M16) on the scale database, in their own process
// ---------------------------------------------------------------------------------------------

/**
 * Runs tests/bench/dashboard.ts on the scale database (tmp/scale-national.db by default, made by the
 * national subsidy scenario above; `--dashboard-scale province` for tmp/scale-province.db): migrations,
 * rollups rebuilt once when empty, then the province view and counties timed. Targets: province ≤ 200 ms
 * p95, county ≤ 50 ms p95.
 */
const dashboardScale: Scenario = {
  name: 'dashboards at scale',
  async run() {
    const i = process.argv.indexOf('--dashboard-scale');
    const scale = i > 0 ? process.argv[i + 1]! : 'national';
    const r = spawnSync('npx', ['tsx', 'tests/bench/dashboard.ts', '--scale', scale], { cwd: ROOT, stdio: 'inherit' });
    const failures: string[] = [];
    let rows: Row[] = [];
    try {
      const j = JSON.parse(readFileSync(join(RESULTS_DIR, `dashboard-${scale}.json`), 'utf8'));
      rows = [
        { view: `province (${j.province.name})`, runs: j.province.runs, 'p50 ms': j.province.p50, 'p95 ms': j.province.p95, 'max ms': j.province.max, 'target p95 ms': j.province.targetMs, 'rebuild s': j.rebuildS, 'rollup rows': j.statsRows },
        { view: `county (${j.county.counties} counties)`, runs: j.county.runs, 'p50 ms': j.county.p50, 'p95 ms': j.county.p95, 'max ms': j.county.max, 'target p95 ms': j.county.targetMs, 'rebuild s': j.rebuildS, 'rollup rows': j.statsRows },
      ];
      if (j.province.p95 > j.province.targetMs) failures.push(`province view p95 ${j.province.p95} ms, over ${j.province.targetMs} ms`);
      if (j.county.p95 > j.county.targetMs) failures.push(`county view p95 ${j.county.p95} ms, over ${j.county.targetMs} ms`);
    } catch (e) {
      failures.push(`no results from tests/bench/dashboard.ts (exit ${r.status}): ${e instanceof Error ? e.message : String(e)}`);
    }
    return { id: 'dashboard-scale', title: `Officials' dashboards from rollups (${scale} scale seed, in-process page path incl. SVG charts)`, columns: ['view', 'runs', 'p50 ms', 'p95 ms', 'max ms', 'target p95 ms', 'rebuild s', 'rollup rows'], rows, failures };
  },
};

export const SCENARIOS: Scenario[] = [directorHome, officialHome, directorLesson, trainerProgress, fieldWork, certificatePdf, offlineCourse, rosterImport, hostileTables, quizSubmissions, nationalSubsidy, dashboardScale, loadScenario];

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
  // node itself (not npx → tsx → node), so child.pid is the server for /proc sampling; detached: own
  // process group, stopped together.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/serve.ts'], {
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

    const ctx: BenchContext = { base: BASE, dbPath, serverPid: server.child.pid!, signIn, raw, load };
    const sections: Section[] = [];
    // `npm run bench -- --only "field work"` runs the scenarios whose name contains the text
    const oi = process.argv.indexOf('--only');
    const only = oi > 0 ? process.argv[oi + 1] : undefined;
    const skipNational = process.argv.includes('--skip-national');
    for (const sc of SCENARIOS.filter((x) => (!only || x.name.includes(only)) && !(skipNational && x === nationalSubsidy))) {
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
      quizLoad: QUIZ_LOAD,
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
    if (only && existsSync(outFile)) {
      // a partial run (--only) replaces its own sections and keeps the others of the last run
      try {
        const prev = JSON.parse(readFileSync(outFile, 'utf8')) as { sections?: typeof result.sections };
        result.sections = { ...(prev.sections ?? {}), ...result.sections };
      } catch {
        /* unreadable: overwrite */
      }
    }
    writeFileSync(outFile, JSON.stringify(result, null, 2) + '\n');
    console.log(`[bench] wrote ${relative(ROOT, outFile)} (${(result.totalMs / 1000).toFixed(1)}s total)`);

    const slow = sections.flatMap((s) => s.rows).filter((r) => typeof r.timeouts === 'number' && r.timeouts > 0);
    for (const r of slow) console.warn(`[bench] warning: ${String(r.timeouts)} requests to ${String(r.path)} timed out (>10 s)`);
    if (failures.length) {
      if (server.log.length) console.error(`[bench] server log (last 30 lines):\n${server.log.slice(-30).join('\n')}`);
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
