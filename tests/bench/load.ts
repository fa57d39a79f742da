/**
 * Issue 10: "500 signed-in users browsing and submitting for 5 minutes on this 2-core machine".
 *
 * LOAD_USERS (500) distinct people of the demo database, mixed by role (mostly village directors, some
 * township supervisors, county officials and trainers), each signed in through the real /login form and
 * then running a closed loop of real journeys with a seeded random think time of 2–8 s between steps,
 * for LOAD_SECONDS (300). The demo has 26 supervisors, 3 officials and 2 trainers with a single role;
 * the rest of each role's share is created before the run by the province administrator through
 * createPerson (src/lib/people), and those people sign in with their temporary password and change it
 * on /password, as a new user would.
 *
 * Measured: requests/s overall and per kind, p50/p95/p99 per kind, errors by kind and status (any answer
 * a journey does not expect, any 5xx, any timeout), the server's RSS (VmRSS every second), CPU time
 * (/proc/<pid>/stat) and the machine's load average. Afterwards the database passes integrity_check and
 * holds every write the server acknowledged (a 303 after a form, a 200 from the answer route), once.
 *
 *   LOAD_USERS=50 LOAD_SECONDS=30 npm run bench -- --only load
 */
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { openDb } from '../../db/client';
import { createPerson } from '../../src/lib/people/people';
import { integrityCheck } from '../../src/lib/ops/backup';
import { dayOf } from '../../src/lib/time';
import type { BenchContext, Scenario, Section } from './run';

type Role = 'director' | 'supervisor' | 'official' | 'trainer';

export const LOAD_MIX = {
  users: Number(process.env.LOAD_USERS ?? 500),
  seconds: Number(process.env.LOAD_SECONDS ?? 300),
  /** shares of the non-director roles; directors are the rest */
  shares: { supervisor: 0.09, official: 0.04, trainer: 0.03 } as Record<Exclude<Role, 'director'>, number>,
  thinkMs: [2000, 8000] as const,
  /** users arrive spread evenly over the first tenth of the run, at most 30 s (not all in the first think time) */
  rampS: Math.min(30, Number(process.env.LOAD_SECONDS ?? 300) / 10),
  requestTimeoutMs: 30_000,
  seed: 20261129,
  password: 'Tonghu#2026',
  /** the password people created for the run choose at their first sign-in */
  newPassword: 'Tonghu#Load2026',
} as const;

/** mulberry32 */
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;

interface Reply {
  status: number;
  location: string;
  setCookie: string[];
  text: string;
}

interface User {
  i: number;
  id: number;
  phone: string;
  role: Role;
  created: boolean;
  cookie: string;
  home: string;
  agent: http.Agent;
  rnd: () => number;
  /** static assets this user's browser has already cached */
  cached: Set<string>;
}

/** Percentile of a sorted array (nearest rank). */
function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function vmRssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** user + system CPU seconds of a process */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields after "(comm) ": state is f[0]; utime is field 14 → f[11], stime 15 → f[12]
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

export const loadScenario: Scenario = {
  name: `load: ${LOAD_MIX.users} users, ${LOAD_MIX.seconds} s`,
  async run(ctx: BenchContext): Promise<Section[]> {
    const base = new URL(ctx.base);
    const N = LOAD_MIX.users;
    const want: Record<Role, number> = {
      supervisor: Math.round(N * LOAD_MIX.shares.supervisor),
      official: Math.round(N * LOAD_MIX.shares.official),
      trainer: Math.round(N * LOAD_MIX.shares.trainer),
      director: 0,
    };
    want.director = N - want.supervisor - want.official - want.trainer;

    // --------------------------------------------------------------------------------------------
    // The people: demo accounts with one active role, topped up through createPerson
    // --------------------------------------------------------------------------------------------
    const t0 = Date.now();
    const db = openDb(ctx.dbPath);
    const people: { id: number; phone: string; role: Role; created: boolean; temp?: string }[] = [];
    const lessonIds = new Map<string, number>(); // "course/lesson" → id
    try {
      const sqlite = db.$client;
      const single = sqlite
        .prepare(
          `select u.id, u.phone, min(r.role) as role from users u join role_assignments r on r.user_id = u.id and r.active = 1
            where u.active = 1 and u.must_change_password = 0 group by u.id having count(*) = 1 and min(r.role) = ? order by u.phone`,
        );
      for (const role of ['director', 'supervisor', 'official', 'trainer'] as Role[]) {
        const rows = single.all(role) as { id: number; phone: string }[];
        for (const r of rows.slice(0, want[role])) people.push({ ...r, role, created: false });
      }
      const have = (role: Role) => people.filter((p) => p.role === role).length;
      if (have('director') < want.director) throw new Error(`the demo database has ${have('director')} directors with one role, ${want.director} wanted`);
      const admin = sqlite
        .prepare(`select u.id, r.region_path as path from users u join role_assignments r on r.user_id = u.id and r.role = 'admin' and r.active = 1 where u.phone = '13900000000'`)
        .get() as { id: number; path: string };
      // where the extra people work: townships with the most directors (a second supervisor), the two demo
      // counties and their cities (officials, trainers)
      const townships = sqlite
        .prepare(
          `select t.id from regions t join regions v on v.parent_id = t.id join role_assignments r on r.region_id = v.id and r.role = 'director' and r.active = 1
            where t.level = 4 group by t.id order by count(*) desc, t.id`,
        )
        .all() as { id: number }[];
      const counties = sqlite.prepare(`select id, parent_id as parentId from regions where code in ('420323', '421024') order by code`).all() as { id: number; parentId: number }[];
      const levels = { official: [...counties.map((c) => c.id), ...counties.map((c) => c.parentId)], trainer: counties.map((c) => c.id) };
      let seq = 0;
      const phoneTaken = sqlite.prepare('select 1 from users where phone = ?');
      const nextPhone = () => {
        for (;;) {
          const p = `13500${String(++seq).padStart(6, '0')}`;
          if (!phoneTaken.get(p)) return p;
        }
      };
      const roleName = { supervisor: '督导员', official: '民政干部', trainer: '培训专员' } as const;
      for (const role of ['supervisor', 'official', 'trainer'] as const) {
        for (let k = 0; have(role) < want[role]; k++) {
          const regionId = role === 'supervisor' ? townships[k % townships.length]!.id : levels[role][k % levels[role].length]!;
          const phone = nextPhone();
          const made = await createPerson(db, { userId: admin.id, scopePath: admin.path }, { phone, name: `压测${roleName[role]}${k + 1}`, idNumber: null, assignment: { role, regionId } });
          people.push({ id: made.id, phone, role, created: true, temp: made.temporaryPassword });
        }
      }
      for (const r of sqlite.prepare('select c.slug as c, l.slug as l, l.id from lessons l join courses c on c.id = l.course_id').all() as { c: string; l: string; id: number }[]) {
        lessonIds.set(`${r.c}/${r.l}`, r.id);
      }
    } finally {
      db.$client.close();
    }
    const created = people.filter((p) => p.created).length;
    console.log(`[bench]   ${people.length} people (${Object.entries(want).map(([r, n]) => `${n} ${r}`).join(', ')}; ${created} created through createPerson) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    // --------------------------------------------------------------------------------------------
    // HTTP with measurements
    // --------------------------------------------------------------------------------------------
    const lat = new Map<string, number[]>(); // kind → latencies (ms) of requests finished in the window
    const errors = new Map<string, { kind: string; n: number; example: string }>(); // "kind status" → count
    const expectedOther = new Map<string, number>(); // "kind status" → answers the journey allows besides the normal one
    let measuring = false;
    let windowStart = 0;
    let windowEnd = 0;
    let inFlight = 0;
    const fail = (kind: string, what: string, example: string) => {
      const k = `${kind} ${what}`;
      const e = errors.get(k) ?? { kind, n: 0, example };
      e.n++;
      errors.set(k, e);
    };

    function send(u: User | null, kind: string, method: string, path: string, body?: string, type?: string, cookie?: string): Promise<Reply | null> {
      const headers: Record<string, string> = { 'Accept-Encoding': 'br, gzip', 'User-Agent': 'tonghu-load' };
      const c = cookie ?? u?.cookie;
      if (c) headers.Cookie = c;
      if (body !== undefined) {
        headers['Content-Type'] = type ?? 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(body));
        headers.Origin = ctx.base;
      }
      const started = performance.now();
      inFlight++;
      return new Promise((resolve) => {
        let settled = false;
        const done = (r: Reply | null, problem?: string) => {
          if (settled) return;
          settled = true;
          inFlight--;
          const ms = performance.now() - started;
          if (measuring || kind === 'sign-in' || kind === 'password') {
            if (r) {
              const arr = lat.get(kind) ?? [];
              arr.push(ms);
              lat.set(kind, arr);
            } else fail(kind, problem ?? 'error', `${method} ${path}`);
          } else if (!r) fail(kind, problem ?? 'error', `${method} ${path}`);
          resolve(r);
        };
        const req = http.request({ host: base.hostname, port: base.port, path, method, headers, agent: u?.agent ?? false, timeout: LOAD_MIX.requestTimeoutMs }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('end', () => {
            let buf = Buffer.concat(chunks);
            const enc = res.headers['content-encoding'];
            try {
              if (enc === 'br') buf = brotliDecompressSync(buf);
              else if (enc === 'gzip') buf = gunzipSync(buf);
            } catch {
              return done(null, 'bad-encoding');
            }
            const ct = String(res.headers['content-type'] ?? '');
            done({
              status: res.statusCode ?? 0,
              location: String(res.headers.location ?? ''),
              setCookie: res.headers['set-cookie'] ?? [],
              text: ct.startsWith('text/') || ct.includes('json') || ct.includes('javascript') ? buf.toString('utf8') : '',
            });
          });
          res.on('error', (e) => done(null, e.message));
        });
        req.on('timeout', () => {
          req.destroy();
          done(null, 'timeout');
        });
        req.on('error', (e) => done(null, (e as NodeJS.ErrnoException).code ?? e.message));
        if (body !== undefined) req.write(body);
        req.end();
      });
    }

    /** A request whose status must be one of `ok`; `allowed` answers are counted apart, not as errors. */
    async function call(u: User, kind: string, method: string, path: string, ok: number[], opts: { body?: string; type?: string; allowed?: number[] } = {}): Promise<Reply | null> {
      const r = await send(u, kind, method, path, opts.body, opts.type);
      if (!r) return null;
      if (ok.includes(r.status)) return r;
      if (opts.allowed?.includes(r.status)) {
        const k = `${kind} ${r.status}`;
        expectedOther.set(k, (expectedOther.get(k) ?? 0) + 1);
        return r;
      }
      fail(kind, String(r.status), `${method} ${path}: ${r.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 160)}`);
      return null;
    }

    /** Static CSS and JS a page references (and their static imports), each fetched once per user. */
    async function assets(u: User, html: string): Promise<void> {
      const queue = [...html.matchAll(/(?:href|src)="(\/_astro\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]!);
      while (queue.length) {
        const p = queue.shift()!;
        if (u.cached.has(p)) continue;
        u.cached.add(p);
        const r = await call(u, 'static', 'GET', p, [200]);
        if (r && p.endsWith('.js')) for (const m of r.text.matchAll(/(?:from|import)\s*["'](\.\/[^"']+\.js)["']/g)) queue.push(`/_astro/${m[1]!.slice(2)}`);
      }
    }

    async function page(u: User, kind: string, path: string): Promise<string | null> {
      const r = await call(u, kind, 'GET', path, [200]);
      if (!r) return null;
      await assets(u, r.text);
      return r.text;
    }

    const think = (u: User) => sleep(LOAD_MIX.thinkMs[0] + u.rnd() * (LOAD_MIX.thinkMs[1] - LOAD_MIX.thinkMs[0]));
    const pick = <T>(u: User, xs: T[]): T | undefined => xs[Math.floor(u.rnd() * xs.length)];
    const uniq = (xs: string[]) => [...new Set(xs)];

    // --------------------------------------------------------------------------------------------
    // Sign-in: every person through POST /login (a new person then changes the temporary password)
    // --------------------------------------------------------------------------------------------
    const users: User[] = [];
    const signInFailures: string[] = [];
    const tSign = Date.now();
    {
      let next = 0;
      const worker = async () => {
        while (next < people.length) {
          const i = next++;
          const p = people[i]!;
          const u: User = { i, id: p.id, phone: p.phone, role: p.role, created: p.created, cookie: '', home: '', agent: new http.Agent({ keepAlive: true, maxSockets: 4 }), rnd: prng(LOAD_MIX.seed + i), cached: new Set() };
          const login = (password: string) => send(u, 'sign-in', 'POST', '/login', new URLSearchParams({ phone: p.phone, password }).toString());
          const cookieOf = (r: Reply) => r.setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('tonghu_session=') && c.length > 15) ?? '';
          let r = await login(p.temp ?? LOAD_MIX.password);
          if (!r || r.status !== 303 || !cookieOf(r)) {
            signInFailures.push(`${p.phone}: POST /login answered ${r?.status ?? 'nothing'}`);
            continue;
          }
          u.cookie = cookieOf(r);
          if (p.temp) {
            if (r.location !== '/password') signInFailures.push(`${p.phone} (new): /login sent to ${r.location}, not /password`);
            const body = new URLSearchParams({ current: p.temp, next: LOAD_MIX.newPassword, confirm: LOAD_MIX.newPassword }).toString();
            const pw = await send(u, 'password', 'POST', '/password', body);
            if (!pw || pw.status !== 303 || !cookieOf(pw)) {
              signInFailures.push(`${p.phone}: POST /password answered ${pw?.status ?? 'nothing'}`);
              continue;
            }
            u.cookie = cookieOf(pw);
            // and signs in again with the new password (the old sessions ended with the change)
            r = await login(LOAD_MIX.newPassword);
            if (!r || r.status !== 303 || !cookieOf(r)) {
              signInFailures.push(`${p.phone}: sign-in with the new password answered ${r?.status ?? 'nothing'}`);
              continue;
            }
            u.cookie = cookieOf(r);
          }
          u.home = r.location;
          users.push(u);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    }
    const signInS = (Date.now() - tSign) / 1000;
    console.log(`[bench]   ${users.length} signed in through /login in ${signInS.toFixed(1)}s${signInFailures.length ? `; failed: ${signInFailures.slice(0, 5).join('; ')}` : ''}`);

    // --------------------------------------------------------------------------------------------
    // Journeys
    // --------------------------------------------------------------------------------------------
    const today = dayOf(Date.now());
    const acks = {
      entries: [] as { user: number; clientId: string; id: number }[],
      lessons: [] as { user: number; lessonId: number }[],
      attempts: [] as { user: number; id: number }[],
      answers: [] as { attemptId: number; ord: number; response: unknown }[],
      submitted: [] as { user: number; id: number }[],
      decisions: [] as { id: number; status: 'verified' | 'returned' }[],
    };
    let refusedQuiz = 0;
    let stop = false;
    const running = () => !stop;

    async function learn(u: User) {
      const list = await page(u, 'courses', '/learn/courses');
      if (!list || !running()) return;
      const slug = pick(u, uniq([...list.matchAll(/href="\/learn\/courses\/([a-z0-9-]+)"/g)].map((m) => m[1]!)));
      if (!slug) return;
      await think(u);
      const course = await page(u, 'course', `/learn/courses/${slug}`);
      if (!course || !running()) return;
      const lesson = pick(u, uniq([...course.matchAll(new RegExp(`href="/learn/courses/${slug}/([a-z0-9-]+)"`, 'g'))].map((m) => m[1]!)).filter((l) => l !== 'quiz'));
      if (!lesson) return;
      await think(u);
      const html = await page(u, 'lesson', `/learn/courses/${slug}/${lesson}`);
      if (!html || !running() || !html.includes('id="complete-lesson"')) return;
      await think(u);
      if (!running()) return;
      const r = await call(u, 'lesson-done POST', 'POST', `/learn/courses/${slug}/${lesson}`, [303], { body: 'confirm=1' });
      const lessonId = lessonIds.get(`${slug}/${lesson}`);
      if (r && lessonId) acks.lessons.push({ user: u.id, lessonId });
    }

    /** Answers for the inputs of one question, in the form the page's inputs send them and as JSON. */
    function answerFor(u: User, html: string, ord: number, type: string): { form: [string, string][]; json: unknown } | null {
      const values = (name: string) => [...html.matchAll(new RegExp(`name="${name}" value="([^"]*)"`, 'g'))].map((m) => m[1]!);
      if (type === 'single') {
        const v = pick(u, values(`q${ord}`));
        return v === undefined ? null : { form: [[`q${ord}`, v]], json: Number(v) };
      }
      if (type === 'truefalse') {
        const v = u.rnd() < 0.5 ? 'true' : 'false';
        return { form: [[`q${ord}`, v]], json: v === 'true' };
      }
      if (type === 'multiple') {
        const vs = values(`q${ord}`).filter(() => u.rnd() < 0.5);
        return { form: vs.map((v) => [`q${ord}`, v] as [string, string]), json: vs.map(Number) };
      }
      return null; // fill-in and ordering questions are left unanswered
    }

    async function quiz(u: User) {
      const list = await page(u, 'courses', '/learn/courses');
      if (!list || !running()) return;
      const slug = pick(u, uniq([...list.matchAll(/href="\/learn\/courses\/([a-z0-9-]+)"/g)].map((m) => m[1]!)));
      if (!slug) return;
      await think(u);
      const start = await call(u, 'quiz-start POST', 'POST', `/learn/courses/${slug}/quiz`, [303], { body: '' });
      if (!start) return;
      const id = Number(/^\/learn\/attempts\/(\d+)$/.exec(start.location)?.[1] ?? 0);
      if (!id) {
        // a rule said no (prerequisites, passed already, no attempts left): the course page says why
        refusedQuiz++;
        await page(u, 'course', start.location);
        return;
      }
      acks.attempts.push({ user: u.id, id });
      const html = await page(u, 'quiz-page', `/learn/attempts/${id}`);
      if (!html) return;
      const questions = [...html.matchAll(/data-ord="(\d+)" data-type="([a-z]+)"/g)].map((m) => ({ ord: Number(m[1]), type: m[2]! }));
      // the page saves each answer as it is chosen (JSON route); the rest go with the submitted form
      const viaJson = new Set<number>();
      for (const q of questions.filter((q) => q.type === 'single' || q.type === 'truefalse').slice(0, 2)) {
        await sleep(LOAD_MIX.thinkMs[0] / 2 + u.rnd() * LOAD_MIX.thinkMs[0]);
        if (!running()) return;
        const a = answerFor(u, html, q.ord, q.type);
        if (!a) continue;
        const r = await call(u, 'quiz-answer JSON', 'POST', `/api/attempts/${id}/answer`, [200], { body: JSON.stringify({ ord: q.ord, response: a.json }), type: 'application/json' });
        if (r) {
          acks.answers.push({ attemptId: id, ord: q.ord, response: a.json });
          viaJson.add(q.ord);
        }
      }
      await think(u);
      if (!running()) return;
      const fields: [string, string][] = [['_action', 'submit']];
      for (const q of questions) if (!viaJson.has(q.ord)) fields.push(...(answerFor(u, html, q.ord, q.type)?.form ?? []));
      const sub = await call(u, 'quiz-submit POST', 'POST', `/learn/attempts/${id}`, [303], { body: new URLSearchParams(fields).toString() });
      if (!sub) return;
      if (sub.location === `/learn/attempts/${id}/result`) acks.submitted.push({ user: u.id, id });
      else fail('quiz-submit POST', 'bad-location', sub.location);
      await page(u, 'quiz-result', `/learn/attempts/${id}/result`);
    }

    async function workLog(u: User) {
      const form = await page(u, 'work-form', '/work/log/outreach');
      if (!form) return;
      await think(u);
      if (!running()) return;
      const clientId = randomUUID();
      const body = new URLSearchParams({ clientId, day: today, place: '村委会', topic: `防溺水安全宣讲（第${u.i}-${Math.floor(u.rnd() * 1000)}场）`, attendance: String(5 + Math.floor(u.rnd() * 40)) }).toString();
      const r = await call(u, 'work-log POST', 'POST', '/work/log/outreach', [303], { body });
      if (!r) return;
      const id = Number(/entry=(\d+)/.exec(r.location)?.[1] ?? 0);
      if (id) acks.entries.push({ user: u.id, clientId, id });
      else fail('work-log POST', 'bad-location', r.location);
      await page(u, 'work', r.location);
    }

    async function superviseQueue(u: User) {
      const list = await page(u, 'sv-queue', '/supervise/entries');
      if (!list || !running()) return;
      const id = pick(u, uniq([...list.matchAll(/href="\/supervise\/entries\/(\d+)"/g)].map((m) => m[1]!)));
      if (!id) return;
      await think(u);
      const html = await page(u, 'sv-entry', `/supervise/entries/${id}`);
      if (!html || !running() || !html.includes('name="action" value="verify"')) return;
      await think(u);
      if (!running()) return;
      const verify = u.rnd() < 0.8;
      const body = verify ? 'action=verify' : new URLSearchParams({ action: 'return', comment: '请补充宣讲现场照片和签到表。' }).toString();
      // two supervisors of one township may decide the same entry at once: the second gets 409 (已处理)
      const r = await call(u, 'sv-decide POST', 'POST', `/supervise/entries/${id}`, [303], { body, allowed: [409] });
      if (r?.status === 303) acks.decisions.push({ id: Number(id), status: verify ? 'verified' : 'returned' });
      if (r?.status === 303) await page(u, 'sv-queue', r.location);
    }

    async function trainProgress(u: User) {
      const list = await page(u, 'train-assignments', '/train/assignments');
      if (!list || !running()) return;
      const id = pick(u, uniq([...list.matchAll(/href="\/train\/assignments\/(\d+)"/g)].map((m) => m[1]!)));
      if (!id) return;
      await think(u);
      await page(u, 'train-progress', `/train/assignments/${id}`);
    }

    type Journey = [number, (u: User) => Promise<unknown>];
    const home = (u: User) => page(u, 'home', u.home);
    const inbox = (u: User) => page(u, 'inbox', '/inbox');
    const JOURNEYS: Record<Role, Journey[]> = {
      director: [[0.3, learn], [0.2, quiz], [0.25, workLog], [0.1, inbox], [0.15, home]],
      supervisor: [[0.55, superviseQueue], [0.2, home], [0.15, inbox], [0.1, (u) => page(u, 'sv-queue', '/supervise/entries?status=verified')]],
      official: [[0.35, (u) => page(u, 'review', '/review')], [0.35, (u) => page(u, 'review-lists', '/review/lists')], [0.15, (u) => page(u, 'review-fieldwork', '/review/fieldwork')], [0.15, inbox]],
      trainer: [[0.5, trainProgress], [0.3, home], [0.2, inbox]],
    };

    async function client(u: User) {
      // arrive during the ramp, open the home page (and its assets, fetched once) and loop
      await sleep(u.rnd() * LOAD_MIX.rampS * 1000);
      await page(u, 'home (first visit)', u.home);
      while (running()) {
        await think(u);
        if (!running()) break;
        let x = u.rnd();
        const js = JOURNEYS[u.role];
        const j = js.find(([w]) => (x -= w) < 0) ?? js[js.length - 1]!;
        await j[1](u);
      }
    }

    // --------------------------------------------------------------------------------------------
    // Run, sampling the server process
    // --------------------------------------------------------------------------------------------
    const pid = ctx.serverPid;
    const rss: number[] = [];
    const load1Start = loadavg();
    const cpuStart = cpuSeconds(pid);
    const clientCpu0 = process.cpuUsage();
    const sampler = setInterval(() => {
      const kb = vmRssKb(pid);
      if (kb !== null) rss.push(kb);
    }, 1000);
    const rssBefore = vmRssKb(pid);
    // a fresh connection per person, as a phone opening the app (the sign-in connections have been idle
    // for up to the whole sign-in phase, longer than the server's keep-alive timeout of 65 s)
    for (const u of users) {
      u.agent.destroy();
      u.agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    }
    measuring = true;
    windowStart = performance.now();
    const loops = users.map((u) => client(u));
    await sleep(LOAD_MIX.seconds * 1000);
    stop = true;
    measuring = false;
    windowEnd = performance.now();
    const inFlightAtEnd = inFlight;
    // thinking users stop at once; the requests still on the wire finish (and are not counted)
    await Promise.race([Promise.all(loops), sleep(LOAD_MIX.requestTimeoutMs + 5000)]);
    clearInterval(sampler);
    const rssEnd = vmRssKb(pid);
    const cpuEnd = cpuSeconds(pid);
    const clientCpu = process.cpuUsage(clientCpu0);
    const load1End = loadavg();
    for (const u of users) u.agent.destroy();
    const windowS = (windowEnd - windowStart) / 1000;

    // --------------------------------------------------------------------------------------------
    // The database afterwards
    // --------------------------------------------------------------------------------------------
    const check = openDb(ctx.dbPath);
    let integrity = '';
    const missing: Record<string, number> = {};
    let duplicateEntries = 0;
    let duplicateAttempts = 0;
    let progressOff = 0;
    try {
      const d = check.$client;
      integrity = integrityCheck(ctx.dbPath);
      const entry = d.prepare('select id from work_entries where user_id = ? and client_id = ?');
      missing.entries = acks.entries.filter((e) => (entry.get(e.user, e.clientId) as { id: number } | undefined)?.id !== e.id).length;
      const lessonDone = d.prepare('select 1 from lesson_completions where user_id = ? and lesson_id = ?');
      missing.lessons = acks.lessons.filter((l) => !lessonDone.get(l.user, l.lessonId)).length;
      const attemptRow = d.prepare('select user_id as userId, submitted_at as submittedAt from attempts where id = ?');
      missing.attempts = acks.attempts.filter((a) => (attemptRow.get(a.id) as { userId: number } | undefined)?.userId !== a.user).length;
      missing.submitted = acks.submitted.filter((a) => (attemptRow.get(a.id) as { submittedAt: number | null } | undefined)?.submittedAt == null).length;
      const item = d.prepare('select response from attempt_items where attempt_id = ? and ord = ?');
      missing.answers = acks.answers.filter((a) => {
        const row = item.get(a.attemptId, a.ord) as { response: string | null } | undefined;
        return !row || JSON.stringify(JSON.parse(row.response ?? 'null')) !== JSON.stringify(a.response);
      }).length;
      const status = d.prepare('select status from work_entries where id = ?');
      missing.decisions = acks.decisions.filter((x) => (status.get(x.id) as { status: string } | undefined)?.status !== x.status).length;
      duplicateEntries = (d.prepare('select count(*) as n from (select 1 from work_entries group by user_id, client_id having count(*) > 1)').get() as { n: number }).n;
      duplicateAttempts = (d.prepare('select count(*) as n from (select 1 from attempts where exam_id is null group by user_id, course_id, number having count(*) > 1)').get() as { n: number }).n;
      // the new people's password changes (303) are stored: none must change it again
      const must = d.prepare('select must_change_password as m from users where id = ?');
      missing.passwordChanges = users.filter((u) => u.created && (must.get(u.id) as { m: number }).m !== 0).length;
      const ids = users.map((u) => u.id).join(',');
      progressOff = (
        d
          .prepare(
            `select count(*) as n from course_progress p where p.user_id in (${ids}) and p.lessons_done <>
               (select count(*) from lesson_completions lc join lessons l on l.id = lc.lesson_id where lc.user_id = p.user_id and l.course_id = p.course_id)`,
          )
          .get() as { n: number }
      ).n;
    } finally {
      check.$client.close();
    }

    // --------------------------------------------------------------------------------------------
    // Figures
    // --------------------------------------------------------------------------------------------
    const failures: string[] = [...signInFailures];
    const kinds = [...new Set([...lat.keys(), ...[...errors.values()].map((e) => e.kind)])].filter((k) => k !== 'sign-in' && k !== 'password').sort();
    const errorCount = (kind: string) => [...errors.values()].filter((e) => e.kind === kind).reduce((n, e) => n + e.n, 0);
    let total = 0;
    const kindRows = kinds.map((kind) => {
      const xs = (lat.get(kind) ?? []).sort((a, b) => a - b);
      total += xs.length;
      return {
        kind,
        requests: xs.length,
        'req/s': round(xs.length / windowS, 2),
        'p50 ms': round(pct(xs, 50), 1),
        'p95 ms': round(pct(xs, 95), 1),
        'p99 ms': round(pct(xs, 99), 1),
        'max ms': round(xs[xs.length - 1] ?? NaN, 1),
        errors: errorCount(kind),
      };
    });
    const all = kinds.flatMap((k) => lat.get(k) ?? []).sort((a, b) => a - b);
    const totalErrors = [...errors.values()].reduce((n, e) => n + e.n, 0);
    kindRows.push({ kind: 'all', requests: total, 'req/s': round(total / windowS, 1), 'p50 ms': round(pct(all, 50), 1), 'p95 ms': round(pct(all, 95), 1), 'p99 ms': round(pct(all, 99), 1), 'max ms': round(all[all.length - 1] ?? NaN, 1), errors: totalErrors });
    const signRows = ['sign-in', 'password'].filter((k) => lat.has(k)).map((kind) => {
      const xs = lat.get(kind)!.sort((a, b) => a - b);
      return { kind, requests: xs.length, 'req/s': round(xs.length / signInS, 2), 'p50 ms': round(pct(xs, 50), 1), 'p95 ms': round(pct(xs, 95), 1), 'p99 ms': round(pct(xs, 99), 1), 'max ms': round(xs[xs.length - 1] ?? NaN, 1), errors: errorCount(kind) };
    });
    for (const [k, e] of errors) failures.push(`load: ${e.n}× ${k} (e.g. ${e.example})`);
    if (integrity !== 'ok') failures.push(`load: integrity_check says ${integrity}`);
    for (const [k, n] of Object.entries(missing)) if (n) failures.push(`load: ${n} acknowledged ${k} missing from the database`);
    if (duplicateEntries) failures.push(`load: ${duplicateEntries} work entries stored twice`);
    if (duplicateAttempts) failures.push(`load: ${duplicateAttempts} quiz attempt numbers used twice`);
    if (progressOff) failures.push(`load: ${progressOff} course_progress rows differ from a recount of lesson_completions`);

    const mb = (kb: number | null | undefined) => (kb == null ? null : round(kb / 1024, 1));
    const byRole = Object.fromEntries((['director', 'supervisor', 'official', 'trainer'] as Role[]).map((r) => [r, users.filter((u) => u.role === r).length]));
    const summary = {
      users: users.length,
      directors: byRole.director!,
      supervisors: byRole.supervisor!,
      officials: byRole.official!,
      trainers: byRole.trainer!,
      'created (createPerson)': created,
      'window s': round(windowS, 1),
      requests: total,
      'req/s': round(total / windowS, 1),
      errors: totalErrors,
      'RSS before MB': mb(rssBefore),
      'RSS peak MB': mb(Math.max(...rss, rssBefore ?? 0)),
      'RSS end MB': mb(rssEnd),
      'server CPU s': cpuStart !== null && cpuEnd !== null ? round(cpuEnd - cpuStart, 1) : null,
      'server CPU % of 1 core': cpuStart !== null && cpuEnd !== null ? round(((cpuEnd - cpuStart) / windowS) * 100, 1) : null,
      'bench client CPU s': round((clientCpu.user + clientCpu.system) / 1e6, 1),
      'load avg start (1/5/15)': load1Start.map((x) => x.toFixed(2)).join(' / '),
      'load avg end (1/5/15)': load1End.map((x) => x.toFixed(2)).join(' / '),
      'in flight at end': inFlightAtEnd,
    };
    const written = {
      'work entries': acks.entries.length,
      'lessons done': acks.lessons.length,
      'quiz attempts': acks.attempts.length,
      'answers (JSON)': acks.answers.length,
      'quizzes submitted': acks.submitted.length,
      'supervisor decisions': acks.decisions.length,
    };
    const integrityRow = {
      ...written,
      missing: Object.values(missing).reduce((a, b) => a + b, 0),
      'duplicate entries': duplicateEntries,
      'duplicate attempts': duplicateAttempts,
      'progress ≠ recount': progressOff,
      integrity_check: integrity,
      'quiz refused by rule': refusedQuiz,
      'decide 409 (raced)': expectedOther.get('sv-decide POST 409') ?? 0,
    };
    const errorRows = [...errors.entries()].map(([k, e]) => ({ 'kind status': k, count: e.n, example: e.example.slice(0, 120) }));
    const scope = `${users.length} users × ${round(windowS, 0)} s, arriving over ${round(LOAD_MIX.rampS, 1)} s, think ${LOAD_MIX.thinkMs[0] / 1000}–${LOAD_MIX.thinkMs[1] / 1000} s`;
    return [
      { id: 'load-summary', title: `Load: ${scope} — throughput, server memory and CPU, machine load`, columns: Object.keys(summary), rows: [summary], failures },
      { id: 'load-kinds', title: `Load: latency per kind of request (${scope}); errors = answers the journey does not expect, 5xx, timeouts (${LOAD_MIX.requestTimeoutMs / 1000} s)`, columns: ['kind', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'], rows: kindRows },
      { id: 'load-sign-in', title: `Load: sign-in of ${users.length} people through POST /login before the run (8 at a time; scrypt)`, columns: ['kind', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'], rows: signRows },
      { id: 'load-integrity', title: 'Load: acknowledged writes found in the database afterwards (missing and duplicates must be 0)', columns: Object.keys(integrityRow), rows: [integrityRow] },
      ...(errorRows.length ? [{ id: 'load-errors', title: 'Load: errors by kind and status', columns: ['kind status', 'count', 'example'], rows: errorRows }] : []),
    ];
  },
};
