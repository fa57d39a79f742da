import { test, expect, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildZip, validH5pEntries } from '../factories/zip';
import fc from 'fast-check';
import type Database from 'better-sqlite3';
import { ACCOUNTS, DEMO_PASSWORD } from './helpers';
import { stateChangingRoutes } from './routes';
import { copyDatabase, openCopy, startServer, stopServer, waitHealthy, writeMark, writesSince } from './hostile/server';
import { baseline, multipartBody, parseForms, type ParsedForm } from './hostile/forms';
import { apply, FOREIGN_IDS, mutations, structural, urlencoded, type Mutation } from './hostile/values';
import { FIELD_MESSAGE, RAW_KEY, SERVER_ERROR, shown } from './hostile/check';
import { jsonCases } from './hostile/json';

/**
 * Hostile input (issue 10): every form and JSON endpoint gets malformed, oversized, wrong-typed, unicode
 * edge-case and injection-shaped values (fast-check, fixed seed), and wrong content types and encodings.
 * Every answer: never ≥ 500; a rejection names the field in Chinese ('{field}：…'); and a rejected request
 * wrote nothing (change-tracking triggers on a copy of the demo database, served by the spec's own server).
 *
 * HOSTILE_SEED (20261129) and HOSTILE_RUNS (per route, 16) vary the run; a failure prints its seed and path.
 */
const PORT = Number(process.env.E2E_PORT ?? 4399) + 100;
const BASE = `http://127.0.0.1:${PORT}`;
const SEED = Number(process.env.HOSTILE_SEED ?? 20261129);
const RUNS = Number(process.env.HOSTILE_RUNS ?? 16);

type Who = keyof typeof ACCOUNTS | 'anonymous' | 'villageDirector' | 'cityTrainer' | 'jianglingSupervisor';
type PageSpec = string | { from: string; link: RegExp } | ((db: Database.Database) => string | null);
interface Entry {
  as: Who;
  /** pages that hold the route's form(s) */
  pages: PageSpec[];
  /** values a person would type for fields the page leaves empty (by name) */
  fill?: Record<string, string>;
  /** a rejection that legitimately names no field (kept narrow; the reason is the comment beside it) */
  otherRejection?: (status: number, messages: string[], text: string) => boolean;
  /** tables a rejection of this route may write, and why */
  rejectionWrites?: string[];
}

/**
 * Every state-changing route file (harden.spec.ts stateChangingRoutes, read from src/pages): where its form
 * is and who sends it, or why it takes no form input. A new route without an entry fails the first test.
 */
const ROUTES: Record<string, Entry | string> = {
  'account.astro': { as: 'director', pages: ['/account'] },
  'admin/import/infosys.astro': { as: 'admin', pages: ['/admin/import/infosys'] },
  'admin/import/roster.astro': { as: 'admin', pages: ['/admin/import/roster'] },
  'admin/import/jobs/[id].astro': { as: 'admin', pages: [(db) => `/admin/import/jobs/${(db.prepare('select id from import_jobs order by id desc limit 1').get() as { id: number } | undefined)?.id ?? 0}`] },
  'admin/users/[id].astro': { as: 'admin', pages: [(db) => `/admin/users/${(db.prepare("select id from users where phone = '13700000003'").get() as { id: number } | undefined)?.id ?? 0}`] },
  'admin/users/new.astro': { as: 'admin', pages: ['/admin/users/new'] },
  'api/attempts/[id]/answer.ts': 'JSON endpoint: the JSON properties below',
  'api/sync.ts': 'JSON endpoint: the JSON properties below',
  'api/xapi.ts': 'JSON endpoint: the JSON properties below',
  // before the inbox: its "mark all read" takes away the notices whose forms /learn shows
  'learn/index.astro': { as: 'director', pages: ['/learn'] },
  'inbox/index.astro': { as: 'director', pages: ['/inbox'] },
  'inbox/send.astro': { as: 'supervisor', pages: ['/inbox/send'] },
  'inbox/settings.astro': { as: 'director', pages: ['/inbox/settings'] },
  'learn/attempts/[id]/index.astro': { as: 'director', pages: [(db) => ownOpenAttempt(db)] },
  'learn/attempts/[id]/result.astro': 'no POST handler of its own: its "try again" form posts to learn/courses/[slug]/quiz.ts',
  'learn/courses/[slug]/[lesson].astro': { as: 'director', pages: ['/learn/courses/classified-support/02-orphans-and-de-facto'] },
  'learn/courses/[slug]/index.astro': 'no POST handler of its own: its form posts to learn/courses/[slug]/quiz.ts',
  'learn/courses/[slug]/quiz.ts': { as: 'caregiver', pages: ['/learn/courses/caregiver-level-5'] },
  'learn/exams/[id].astro': { as: 'director', pages: [{ from: '/learn', link: /^\/learn\/exams\/\d+$/ }] },
  'login.astro': {
    as: 'anonymous',
    pages: ['/login'],
    fill: { phone: '13900000005', password: 'Wrong#2026x' },
    // a wrong phone/password pair names no field on purpose (it must not tell which one was wrong)
    otherRejection: (s, m) => s === 401 && m.includes('手机号或密码错误。'),
    // ...and is written to the person's sign-in history (audit_log) and the throttle
    rejectionWrites: ['insert audit_log'],
  },
  'logout.ts': 'takes no input: ends the session of the cookie (harden.spec.ts covers its Origin check)',
  'password.astro': { as: 'villageDirector', pages: ['/password'], fill: { current: 'Wrong#2026x' } },
  // first: the director's appeals are what the supervisors' and the official's appeal forms answer
  'work/subsidy/index.astro': { as: 'jianglingDirector', pages: ['/work/subsidy'] },
  'review/adjustments.astro': { as: 'zhushanOfficial', pages: ['/review/adjustments'] },
  'review/certificates/[id].astro': { as: 'zhushanOfficial', pages: [{ from: '/review/certificates', link: /^\/review\/certificates\/\d+$/ }] },
  'review/commendations.astro': { as: 'zhushanOfficial', pages: ['/review/commendations'] },
  'review/performance/index.astro': { as: 'zhushanOfficial', pages: ['/review/performance'] },
  'review/subsidy/index.astro': { as: 'jianglingOfficial', pages: ['/review/subsidy'] },
  // a month awaiting the official, and the approved month (its appeals, once the director has filed one)
  'review/subsidy/[id].astro': { as: 'jianglingOfficial', pages: [{ from: '/review/subsidy', link: /^\/review\/subsidy\/\d+$/ }] },
  'supervise/entries/index.astro': { as: 'supervisor', pages: ['/supervise/entries'] },
  'supervise/entries/[id].astro': { as: 'supervisor', pages: [{ from: '/supervise/entries', link: /^\/supervise\/entries\/\d+$/ }] },
  'supervise/subsidy/index.astro': { as: 'jianglingSupervisor', pages: ['/supervise/subsidy'] },
  'switch-role.ts': {
    as: 'trainer',
    pages: ['/train'],
    // an assignment that is not the caller's own: a bare 403, so nothing about other people's roles leaks
    otherRejection: (s, _m, text) => s === 403 && text.trim() === '当前身份无权访问此页面。如您有其他身份，可在右上角切换。',
  },
  'train/assignments/new.astro': { as: 'trainer', pages: ['/train/assignments/new'] },
  'train/assignments/[id]/index.astro': { as: 'trainer', pages: [{ from: '/train/assignments', link: /^\/train\/assignments\/\d+$/ }] },
  'train/exams/index.astro': { as: 'trainer', pages: ['/train/exams'] },
  'train/exams/[id].astro': { as: 'trainer', pages: [{ from: '/train/exams', link: /^\/train\/exams\/\d+$/ }] },
  'train/h5p/index.astro': {
    as: 'trainer',
    pages: ['/train/h5p'],
    // every refused upload is written to the audit trail with its reason, on purpose (src/lib/h5p/packages.ts)
    rejectionWrites: ['insert audit_log'],
  },
  'train/h5p/[id].astro': { as: 'trainer', pages: [(db) => `/train/h5p/${(db.prepare('select id from h5p_packages order by id desc limit 1').get() as { id: number } | undefined)?.id ?? 0}`] },
  'train/skills/[id].astro': { as: 'cityTrainer', pages: [{ from: '/train/skills', link: /^\/train\/skills\/\d+$/ }] },
  'work/cases/new.astro': { as: 'director', pages: ['/work/cases/new'] },
  'work/cases/[id].astro': { as: 'director', pages: [{ from: '/work/cases', link: /^\/work\/cases\/\d+$/ }] },
  'work/entries/[id].astro': { as: 'director', pages: [(db) => ownReturnedEntry(db)] },
  'work/log/[type].astro': { as: 'director', pages: ['/work/log/visit', '/work/log/agreement', '/work/log/outreach', '/work/log/info_update', '/work/log/report'] },
};

function ownOpenAttempt(db: Database.Database): string | null {
  const r = db.prepare(`select a.id from attempts a join users u on u.id = a.user_id where u.phone = ? and a.submitted_at is null order by a.id desc limit 1`).get(ACCOUNTS.director.phone) as { id: number } | undefined;
  return r ? `/learn/attempts/${r.id}` : null;
}
function ownReturnedEntry(db: Database.Database): string | null {
  const r = db.prepare(`select w.id from work_entries w join users u on u.id = w.user_id where u.phone = ? and w.status = 'returned' order by w.id limit 1`).get(ACCOUNTS.director.phone) as { id: number } | undefined;
  return r ? `/work/entries/${r.id}` : null;
}

// ---------------------------------------------------------------------------------------------------------

let server: ChildProcess | null = null;
let serverLog: () => string = () => '';
let db: Database.Database;
let parser: Page;
const cookies = new Map<Who, string>();
let villagePhone = '';
let jianglingSupervisorPhone = '';

interface Outcome {
  status: number;
  location: string | null;
  contentType: string;
  text: string;
}

async function post(who: Who, path: string, body: string | Uint8Array, contentType: string | null, extra: Record<string, string> = {}): Promise<Outcome> {
  const headers: Record<string, string> = { Origin: BASE, ...extra };
  if (contentType) headers['Content-Type'] = contentType;
  const c = cookies.get(who);
  if (c) headers.Cookie = c;
  const res = await fetch(BASE + path, { method: 'POST', headers, body: (typeof body === 'string' ? Buffer.from(body) : body) as unknown as BodyInit, redirect: 'manual' });
  remember(who, res);
  return { status: res.status, location: res.headers.get('location'), contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function get(who: Who, path: string): Promise<{ status: number; text: string }> {
  const c = cookies.get(who);
  const res = await fetch(BASE + path, { headers: c ? { Cookie: c } : {}, redirect: 'manual' });
  remember(who, res);
  return { status: res.status, text: await res.text() };
}

function remember(who: Who, res: Response) {
  for (const sc of res.headers.getSetCookie()) {
    const m = /^tonghu_session=([^;]*)/.exec(sc);
    if (m) cookies.set(who, m[1] ? `tonghu_session=${m[1]}` : '');
  }
}

function phoneOf(who: Who): string {
  if (who === 'villageDirector') return villagePhone;
  // the 十堰市 trainer who assesses the caregivers (README § demo accounts)
  if (who === 'cityTrainer') return '13900000009';
  if (who === 'jianglingSupervisor') return jianglingSupervisorPhone;
  return ACCOUNTS[who as keyof typeof ACCOUNTS].phone;
}

async function signIn(who: Who): Promise<void> {
  if (who === 'anonymous') return;
  cookies.delete(who);
  const r = await post(who, '/login', `phone=${phoneOf(who)}&password=${encodeURIComponent(DEMO_PASSWORD)}`, 'application/x-www-form-urlencoded');
  expect(r.status, `sign-in of ${who}`).toBe(303);
}

/** Signed out by what was sent (a password change, a sign-out of every device)? Sign in again. */
async function ensureSignedIn(who: Who): Promise<void> {
  if (who === 'anonymous') return;
  const r = await get(who, '/inbox/settings');
  if (r.status === 303 || r.status === 401) await signIn(who);
}

// one worker, in order (one server and one database for the file); a failure does not skip the rest
test.describe.configure({ mode: 'default' });

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  await copyDatabase();
  db = openCopy();
  jianglingSupervisorPhone = supervisorsOf('江陵县')[0]!;
  // real objects of 江陵县 and of other people, offered to every field as values (foreign ids)
  const jl = "(select path from regions where name = '江陵县' and level = 3) || '%'";
  for (const q of [
    `select id from cases where region_path like ${jl} order by id limit 2`,
    `select id from work_entries where region_path like ${jl} order by id desc limit 2`,
    `select id from certificates where region_path like ${jl} order by id limit 1`,
    `select id from users where id in (select user_id from role_assignments where region_path like ${jl}) order by id limit 2`,
    `select id from notices where user_id <> (select id from users where phone = '${ACCOUNTS.director.phone}') order by id limit 2`,
    `select id from attempts where user_id <> (select id from users where phone = '${ACCOUNTS.director.phone}') order by id limit 1`,
    `select id from role_assignments where region_path like ${jl} order by id limit 1`,
  ]) {
    for (const r of db.prepare(q).all() as { id: number }[]) FOREIGN_IDS.push(String(r.id));
  }
  expect(FOREIGN_IDS.length).toBeGreaterThan(8);
  villagePhone = (db.prepare("select phone from users where phone like '13700%' and active = 1 order by phone desc limit 1").get() as { phone: string }).phone;
  const s = startServer(PORT);
  server = s.child;
  serverLog = s.log;
  await waitHealthy(BASE, server, serverLog);
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  await ctx.route('**/*', (r) => r.abort());
  parser = await ctx.newPage();
  for (const who of ['admin', 'zhushanOfficial', 'jianglingOfficial', 'trainer', 'cityTrainer', 'supervisor', 'jianglingSupervisor', 'director', 'jianglingDirector', 'caregiver', 'villageDirector'] as Who[]) await signIn(who);
  // a second device of the director, so /account shows its "sign this device out" form
  const other = await fetch(BASE + '/login', { method: 'POST', redirect: 'manual', headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `phone=${ACCOUNTS.director.phone}&password=${encodeURIComponent(DEMO_PASSWORD)}` });
  expect(other.status).toBe(303);
  // objects the forms need, made through the product's own forms
  expect((await post('director', '/learn/courses/classified-support/quiz', '', 'application/x-www-form-urlencoded')).status).toBe(303);
  // an exam window open now for the village directors of 竹山县 (the trainer's form)
  const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);
  await sendForm('trainer', '/train/exams', '/train/exams', { title: '对抗输入测试考试', opensAt: local(Date.now() - 3_600_000), closesAt: local(Date.now() + 2 * 86_400_000), role: 'director', durationMinutes: '30', passMark: '60' });
  // an uploaded H5P package (the trainer's upload form, a sound package as h5p.spec.ts builds it)
  const entries = validH5pEntries('对抗输入测试练习').map((e) =>
    e.name.endsWith('question-set.js') ? { ...e, data: readFileSync('content/h5p/libraries/Tonghu.QuestionSet-1.0/question-set.js', 'utf8') } : e.name.endsWith('theme.css') ? { ...e, data: readFileSync('content/h5p/libraries/Tonghu.Theme-1.0/theme.css', 'utf8') } : e,
  );
  await sendForm('trainer', '/train/h5p', '/train/h5p', {}, { name: 'good.h5p', data: buildZip(entries) });
  // an import job: the administrator uploads the roster template (its example row) for a dry run
  const tpl = await fetch(BASE + '/admin/import/template/roster.csv', { headers: { Cookie: cookies.get('admin')! } });
  await sendForm('admin', '/admin/import/roster', '/admin/import/roster', {}, { name: 'roster.csv', data: Buffer.from(await tpl.arrayBuffer()) });
  // a subsidy month of 江陵县 computed, submitted, reviewed by every township supervisor and approved, so the
  // supervisors' and the village director's subsidy forms are on their pages (each step the product's form).
  // 江陵县, not 竹山县: other specs running beside this one add supervisors to 竹山县 (admin-people.spec.ts)
  const run = await sendForm('jianglingOfficial', '/review/subsidy', '/review/subsidy', {});
  const runPath = run.split('?')[0]!;
  await sendForm('jianglingOfficial', runPath, runPath, {}, undefined, (f) => f.fields.some((x) => x.name === 'action' && x.value === 'submit'));
  for (const phone of supervisorsOf('江陵县')) {
    const c = await signInPhone(phone);
    const page = await fetch(BASE + '/supervise/subsidy', { headers: { Cookie: c } });
    const form = (await parseForms(parser, await page.text(), BASE + '/supervise/subsidy')).find((f) => f.fields.some((x) => x.name === 'action' && x.value === 'review'));
    if (!form) continue;
    const r = await fetch(BASE + form.action, { method: 'POST', redirect: 'manual', headers: { Origin: BASE, Cookie: c, 'Content-Type': 'application/x-www-form-urlencoded' }, body: urlencoded(baseline(form, form.buttons[0] ?? null, { note: '已核对本乡镇的补贴名单。' })) });
    expect(r.status, `review of the subsidy month by ${phone}`).toBe(303);
  }
  await sendForm('jianglingOfficial', runPath, runPath, {}, undefined, (f) => f.fields.some((x) => x.name === 'action' && x.value === 'approve'));
  // and the month before, computed and submitted only: the supervisors' review form and the official's own
  const d = new Date(Date.now() + 8 * 3_600_000);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - 2);
  const before = (await sendForm('jianglingOfficial', '/review/subsidy', '/review/subsidy', { month: d.toISOString().slice(0, 7) })).split('?')[0]!;
  await sendForm('jianglingOfficial', before, before, {}, undefined, (f) => f.fields.some((x) => x.name === 'action' && x.value === 'submit'));
});

/** The supervisors of a county's townships, by the county's name (read-only, from the copy). */
function supervisorsOf(county: string): string[] {
  return (
    db
      .prepare("select distinct u.phone from role_assignments ra join users u on u.id = ra.user_id join regions r on r.id = ra.region_id where ra.role = 'supervisor' and ra.ended_at is null and r.path like (select path from regions where name = ? and level = 3) || '%' order by u.phone")
      .all(county) as { phone: string }[]
  ).map((r) => r.phone);
}

async function signInPhone(phone: string): Promise<string> {
  const r = await fetch(BASE + '/login', { method: 'POST', redirect: 'manual', headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' }, body: `phone=${phone}&password=${encodeURIComponent(DEMO_PASSWORD)}` });
  expect(r.status, `sign-in of ${phone}`).toBe(303);
  return /^tonghu_session=[^;]*/.exec(r.headers.getSetCookie().find((c) => c.startsWith('tonghu_session=')) ?? '')![0];
}

/** Fills and sends a form of the product as a person would (the setup above), expecting it to be accepted. */
async function sendForm(who: Who, page: string, action: string, fill: Record<string, string>, file?: { name: string; data: Buffer }, which: (f: ParsedForm) => boolean = () => true): Promise<string> {
  const forms = await parseForms(parser, (await get(who, page)).text, BASE + page);
  const form = forms.find((f) => f.action.split('?')[0] === action && which(f));
  expect(form, `a form posting to ${action} on ${page}`).toBeTruthy();
  const pairs = baseline(form!, form!.buttons[0] ?? null, fill);
  const enc = file ? multipartBody(pairs, form!.fields.filter((f) => f.type === 'file').map((f) => f.name), file.data, file.name) : { body: urlencoded(pairs), contentType: 'application/x-www-form-urlencoded' };
  const r = await post(who, form!.action, enc.body, enc.contentType);
  expect(r.status, `setup: ${action} ${r.text.slice(0, 300)}`).toBe(303);
  return r.location ?? '';
}

test.afterAll(async () => {
  db?.close();
  await stopServer(server);
});

test('the write detector sees writes: the setup through the product forms is counted, session touches are not', async () => {
  const seen = new Set(writesSince(db, 0));
  for (const w of ['insert exam_windows', 'insert h5p_packages', 'insert import_jobs', 'insert subsidy_runs', 'insert attempts', 'insert sessions']) expect(seen, w).toContain(w);
  // a page view as a signed-in person writes nothing the detector counts (last_seen_at is not counted)
  const mark = writeMark(db);
  expect((await get('director', '/learn')).status).toBe(200);
  expect(writesSince(db, mark)).toEqual([]);
});

test('every state-changing route has an entry, and no entry is stale', () => {
  const files = stateChangingRoutes().map((r) => r.file.replace(/^src\/pages\//, ''));
  expect(files.length).toBeGreaterThan(30);
  expect(files.filter((f) => !(f in ROUTES)), 'state-changing route files without an entry in ROUTES').toEqual([]);
  expect(Object.keys(ROUTES).filter((f) => !files.includes(f)), 'ROUTES entries of files that are gone').toEqual([]);
  // an entry sent to the JSON properties has one
  const json = Object.entries(ROUTES).filter(([, e]) => typeof e === 'string' && e.startsWith('JSON endpoint')).map(([f]) => f);
  expect(json.length).toBeGreaterThanOrEqual(3);
  expect(json.filter((f) => !jsonCases.some((c) => c.name.startsWith(`${f} `))), 'JSON entries without a property').toEqual([]);
});

/** The route file an action path belongs to (static segments win over [params], as in Astro). */
function routeRegex(file: string): RegExp {
  const p = file.replace(/\.(astro|ts)$/, '').replace(/\/index$/, '').replace(/^index$/, '');
  const src = p
    .split('/')
    .map((seg) => (/^\[\.\.\./.test(seg) ? '.+' : seg.replace(/\[[^\]]+\]/g, '[^/]+').replace(/\./g, '\\.')))
    .join('/');
  return new RegExp(`^/${src}$`);
}
const ALL_FILES = Object.keys(ROUTES);
function fileOfAction(action: string): string | null {
  const path = action.split('?')[0]!;
  const hits = ALL_FILES.filter((f) => routeRegex(f).test(path));
  hits.sort((a, b) => (a.match(/\[/g)?.length ?? 0) - (b.match(/\[/g)?.length ?? 0));
  return hits[0] ?? null;
}

async function resolvePages(e: Entry): Promise<string[]> {
  const out: string[] = [];
  for (const p of e.pages) {
    if (typeof p === 'string') out.push(p);
    else if (typeof p === 'function') {
      const u = p(db);
      if (u) out.push(u);
    } else {
      const html = (await get(e.as, p.from)).text;
      const links = [...new Set([...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&#38;|&amp;/g, '&')).filter((h) => p.link.test(h.split('?')[0]!)))];
      out.push(...links.slice(0, 3));
    }
  }
  return out;
}

interface Target {
  page: string;
  form: ParsedForm;
  button: [string, string] | null;
  pairs: [string, string][];
}

/** The forms on the entry's pages that post to this route file, one target per named submit button. */
async function targetsOf(file: string, e: Entry): Promise<Target[]> {
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const page of await resolvePages(e)) {
    const r = await get(e.as, page);
    if (r.status !== 200) continue;
    for (const form of await parseForms(parser, r.text, BASE + page)) {
      if (fileOfAction(form.action) !== file) continue;
      for (const button of form.buttons.length ? form.buttons : [null]) {
        const sig = [form.action.split('?')[0], ...form.fields.map((f) => f.name).sort(), button?.join('=')].join('|');
        if (seen.has(sig)) continue;
        seen.add(sig);
        out.push({ page, form, button, pairs: baseline(form, button, e.fill) });
      }
    }
  }
  return out;
}

const XLSX_GARBAGE = Buffer.from('PK\u0003\u0004 not really a workbook \u0000\u00ff', 'latin1');

function encode(t: Target, pairs: [string, string][]): { body: string | Uint8Array; contentType: string } {
  if (!t.form.multipart) return { body: urlencoded(pairs), contentType: 'application/x-www-form-urlencoded' };
  const files = t.form.fields.filter((f) => f.type === 'file').map((f) => f.name);
  return multipartBody(pairs, files, XLSX_GARBAGE);
}

/** How the answers of a route were: accepted, rejected with a message, 404 for an id (the report, not an assertion). */
const tally = new Map<string, Record<string, number>>();
function count(file: string, kind: string) {
  const t = tally.get(file) ?? {};
  t[kind] = (t[kind] ?? 0) + 1;
  tally.set(file, t);
}

/** The verdict on one answer; null when it is as it must be. */
async function judge(file: string, e: Entry, what: string, o: Outcome, writes: string[], idTouched: boolean): Promise<string | null> {
  const v = await verdict(file, e, what, o, writes, idTouched);
  count(file, v ? 'FAILED' : o.status >= 300 && o.status < 400 ? 'accepted' : o.status === 404 ? '404' : o.status < 300 && !/field-error|notice error|aria-invalid="true"/.test(o.text) ? 'accepted' : `rejected ${o.status}`);
  return v;
}

async function verdict(file: string, e: Entry, what: string, o: Outcome, writes: string[], idTouched: boolean): Promise<string | null> {
  const head = `${file} ${what}: ${o.status}`;
  if (o.status >= 500) return `${head} (server error) ${o.text.slice(0, 300)}\n${serverLog().slice(-1500)}`;
  if (SERVER_ERROR.test(o.text)) return `${head}: error text in the answer: ${o.text.match(SERVER_ERROR)![0]}`;
  if (o.status >= 300 && o.status < 400) return null; // accepted (or sent on to sign in again)
  const html = o.contentType.includes('text/html');
  const s = html ? await shown(parser, o.text) : { messages: [o.text.trim()], error: false, text: o.text };
  const raw = RAW_KEY.exec(s.text);
  if (raw) return `${head}: a raw catalog key is shown: ${raw[0]}`;
  const rejected = o.status >= 400 || s.error || s.messages.some((m) => FIELD_MESSAGE.test(m));
  if (!rejected) return null; // accepted, answered with the page itself
  const allowedWrites = e.rejectionWrites ?? [];
  const bad = writes.filter((w) => !allowedWrites.includes(w));
  if (bad.length) return `${head}: rejected but wrote ${[...new Set(bad)].join(', ')}; shown: ${s.messages.join(' / ')}`;
  if (s.messages.some((m) => FIELD_MESSAGE.test(m))) return null;
  if (e.otherRejection?.(o.status, s.messages, s.text)) return null;
  // an id that is not there or not the caller's: the 404 page, revealing nothing (ADR 0004)
  if (o.status === 404 && idTouched) return null;
  return `${head}: rejected without a message naming the field; shown: ${JSON.stringify(s.messages).slice(0, 400)}`;
}

function isIdField(t: Target, name: string): boolean {
  const f = t.form.fields.find((x) => x.name === name);
  return !!f && (f.type === 'hidden' || f.tag === 'select' || f.type === 'radio') && /^\d+$/.test(f.value || (f.options.find((o) => o) ?? ''));
}

const report: string[] = [];

for (const [file, entry] of Object.entries(ROUTES)) {
  if (typeof entry === 'string') continue;
  test(`hostile form input: ${file}`, async () => {
    test.setTimeout(120_000);
    await ensureSignedIn(entry.as);
    const targets = await targetsOf(file, entry);
    expect(targets.length, `no form posting to ${file} found on ${JSON.stringify(await resolvePages(entry))} as ${entry.as}`).toBeGreaterThan(0);
    const failures: string[] = [];
    const runs = Math.max(6, Math.ceil(RUNS / targets.length));
    let sent = 0;
    for (const [i, t] of targets.entries()) {
      const fields = [...new Map(t.form.fields.map((f) => [f.name, { name: f.name, maxlength: f.maxlength }])).values()];
      const seed = SEED + i;
      const r = await fc.check(
        fc.asyncProperty(mutations(fields), async (ms: Mutation[]) => {
          await ensureSignedIn(entry.as);
          const pairs = apply(t.pairs, ms);
          const { body, contentType } = encode(t, pairs);
          const mark = writeMark(db);
          const o = await post(entry.as, t.form.action, body, contentType);
          sent++;
          const idTouched = ms.some((m) => m.kind !== 'extra' && isIdField(t, m.field)) || /\/\d+(\/|$)/.test(t.form.action);
          const v = await judge(file, entry, `${t.form.action} ${JSON.stringify(ms).slice(0, 300)}`, o, writesSince(db, mark), idTouched);
          if (v) failures.push(v);
          return v === null;
        }),
        { seed, numRuns: runs, endOnFailure: true },
      );
      if (r.failed) failures.push(`property failed: seed ${seed}, path ${r.counterexamplePath} (HOSTILE_SEED=${SEED})`);
      // structural hostility, once per target
      for (const s of structural(t.pairs)) {
        await ensureSignedIn(entry.as);
        const mark = writeMark(db);
        const o = await post(entry.as, t.form.action, s.body instanceof Buffer ? new Uint8Array(s.body) : s.body, s.contentType || null);
        sent++;
        const v = await judge(file, entry, `${t.form.action} [${s.name}]`, o, writesSince(db, mark), true);
        if (v) failures.push(v);
      }
    }
    report.push(`${file}: ${targets.length} form(s), ${sent} requests ${JSON.stringify(tally.get(file) ?? {})}`);
    expect(failures.slice(0, 8), `${failures.length} failure(s)`).toEqual([]);
  });
}

for (const c of jsonCases) {
  test(`hostile JSON: ${c.name}`, async () => {
    test.setTimeout(120_000);
    await ensureSignedIn(c.as);
    const ctx = { db, base: BASE, get: (p: string) => get(c.as, p), post: (p: string) => post(c.as, p, '', 'application/x-www-form-urlencoded') };
    const failures: string[] = [];
    const setup = await c.setup(ctx);
    const r = await fc.check(
      fc.asyncProperty(c.arbitrary(setup), async (req) => {
        const mark = writeMark(db);
        const o = await post(c.as, req.path, req.body, req.contentType);
        const writes = writesSince(db, mark);
        const v = c.judge(o, writes, req);
        count(c.name, v ? 'FAILED' : `${o.status}${writes.length ? ' wrote' : ''}`);
        if (v) failures.push(`${c.name} ${JSON.stringify(req).slice(0, 300)}: ${v}${o.status >= 500 ? '\n' + serverLog().slice(-1500) : ''}`);
        return v === null;
      }),
      { seed: SEED, numRuns: Math.max(RUNS * 2, 20), endOnFailure: true },
    );
    if (r.failed) failures.push(`property failed: seed ${SEED}, path ${r.counterexamplePath}`);
    report.push(`${c.name}: ${JSON.stringify(tally.get(c.name) ?? {})}`);
    expect(failures.slice(0, 8), `${failures.length} failure(s)`).toEqual([]);
  });
}

test.afterAll(() => {
  if (report.length) console.log(`[hostile] seed ${SEED}, ${RUNS} runs per route\n  ${report.join('\n  ')}`);
});
