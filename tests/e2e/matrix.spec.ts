import { test, expect, request as apiRequest, type APIRequestContext } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { ACCOUNTS, DEMO_PASSWORD } from './helpers';
import { buildZip, validH5pEntries } from '../factories/zip';
import { toCsv } from '../../src/lib/exchange/csv';

/**
 * Prove it holds (issue: jurisdiction matrix and personal-data scan), against the built server and its demo
 * database. Every route file with a dynamic segment and every query parameter a page reads is listed below
 * with the objects of a FOREIGN jurisdiction to ask for (ids looked up read-only in tmp/e2e/tonghu.db), or
 * with the reason it takes no jurisdiction-bound id. The lists are checked against src/pages: a new route
 * or a new query parameter without an entry here fails the first test.
 */
const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 4399)}`;
const ROOT = 'src/pages';

// ---------------------------------------------------------------------------------------------------------
// routes and query parameters, read from the code

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
}
const pageFiles = (): string[] => walk(ROOT).filter((f) => /\.(astro|ts)$/.test(f)).map((f) => relative(ROOT, f)).sort();

/** Query parameters a page reads by name, plus the keys of a zod schema parsed from the whole query. */
function queryParamsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/(?:searchParams|\bq|\bparams)\.(?:get|has)\(\s*'([A-Za-z_]+)'\s*\)/g)) names.add(m[1]!);
  if (/Object\.fromEntries\([^)]*searchParams\)/.test(src)) {
    // the schema is either written in the page (keys `name: z.`) or imported (peopleQuerySchema)
    for (const m of src.matchAll(/[{,\s]([a-z][A-Za-z]*): z\./g)) names.add(m[1]!);
    if (src.includes('peopleQuerySchema')) for (const m of readFileSync('src/lib/people/schemas.ts', 'utf8').split('peopleQuerySchema')[1]!.split('});')[0]!.matchAll(/^\s+([a-z][A-Za-z]*):/gm)) names.add(m[1]!);
  }
  if (src.includes('parseAuditQuery(')) for (const k of ['action', 'entity', 'actor', 'from', 'to', 'before']) names.add(k);
  return [...names].sort();
}

// ---------------------------------------------------------------------------------------------------------
// the demo database, read-only

interface Me {
  key: string;
  phone: string;
  userId: number;
  role: string;
  path: string;
}
let d: Database.Database;
const one = <T>(sql: string, ...args: unknown[]): T | undefined => d.prepare(sql).get(...args) as T | undefined;

/** One row of `table` outside the caller's jurisdiction (neither inside nor above it), a nearby one first. */
function foreignId(me: Me, table: string, pathCol = 'region_path', extra = ''): number | undefined {
  const parent = me.path.replace(/\d+\/$/, '');
  return one<{ id: number }>(
    `select id from ${table} where ${pathCol} not like ? || '%' and ? not like ${pathCol} || '%' ${extra}
     order by (${pathCol} like ? || '%') desc, id limit 1`,
    me.path,
    me.path,
    parent,
  )?.id;
}
/** The caller's county (or their whole jurisdiction when it is a city or the province), as a path. */
const ownCounty = (me: Me): string => '/' + me.path.split('/').filter(Boolean).slice(0, 3).join('/') + '/';
/** A person whose every assignment lies outside the caller's jurisdiction. */
function foreignUser(me: Me, role?: string): number | undefined {
  const parent = me.path.replace(/\d+\/$/, '');
  return one<{ id: number }>(
    `select u.id from users u join role_assignments ra on ra.user_id = u.id
      where u.id <> ? ${role ? 'and ra.role = ?' : ''}
        and not exists (select 1 from role_assignments r2 where r2.user_id = u.id and (r2.region_path like ? || '%' or ? like r2.region_path || '%'))
      order by (ra.region_path like ? || '%') desc, u.id limit 1`,
    ...[me.userId, ...(role ? [role] : []), me.path, me.path, parent],
  )?.id;
}
/** Someone else's object of a per-person table (attempts, own certificates): never the caller's to open. */
const othersRow = (me: Me, table: string): number | undefined => one<{ id: number }>(`select id from ${table} where user_id <> ? order by id limit 1`, me.userId)?.id;

const idOf = (u: string | number | undefined, f: (x: number | string) => string): string[] => (u === undefined ? [] : [f(u)]);

/**
 * A URL to request; `absent` for a parameter that only filters or preselects on a page that is the caller's
 * own: the page may answer 200, but must not show any of these (the foreign object's code or name).
 */
type Hit = string | { url: string; absent: string[] };
type Probe = (me: Me) => Hit[];
/** A route that takes an id: the foreign URLs to request. Or the reason it takes no jurisdiction-bound id. */
const ID_ROUTES: Record<string, Probe | string> = {
  'admin/export/[kind].xlsx.ts': 'kind is one of four export names; the rows come from the session scope (the exports are scanned below)',
  'admin/import/jobs/[id].astro': (me) => idOf(one<{ id: number }>('select id from import_jobs where actor_user_id <> ? order by id limit 1', me.userId)?.id, (i) => `/admin/import/jobs/${i}`),
  'admin/import/jobs/[id].json.ts': (me) => idOf(one<{ id: number }>('select id from import_jobs where actor_user_id <> ? order by id limit 1', me.userId)?.id, (i) => `/admin/import/jobs/${i}.json`),
  'admin/import/template/[name].ts': 'the blank import templates, the same for everyone',
  'admin/users/[id].astro': (me) => idOf(foreignUser(me), (i) => `/admin/users/${i}`),
  'api/attempts/[id]/answer.ts': 'POST only (answers one item of the caller\'s own attempt); the GET pages of attempts are probed below',
  'h5p/files/[...path].ts': 'files of training packages (course content, no personal data), served like static assets',
  'h5p/frame/[activity].astro': (me) => idOf(one<{ slug: string }>(`select slug from h5p_packages where region_path not like ? || '%' and ? not like region_path || '%' limit 1`, me.path, me.path)?.slug, (s) => `/h5p/frame/${s}`),
  'lang/[locale].ts': 'the interface language (zh-CN, en)',
  'learn/attempts/[id]/index.astro': (me) => idOf(othersRow(me, 'attempts'), (i) => `/learn/attempts/${i}`),
  'learn/attempts/[id]/result.astro': (me) => idOf(othersRow(me, 'attempts'), (i) => `/learn/attempts/${i}/result`),
  'learn/certificates/[file].ts': (me) => idOf(othersRow(me, 'certificates'), (i) => `/learn/certificates/${i}.pdf`),
  'learn/courses/[slug]/[lesson].astro': 'course content by slug, the same for every learner',
  'learn/courses/[slug]/index.astro': 'course content by slug, the same for every learner',
  'learn/courses/[slug]/quiz.ts': 'POST only: starts the caller\'s own quiz of a course',
  'learn/exams/[id].astro': (me) => idOf(foreignId(me, 'exam_windows'), (i) => `/learn/exams/${i}`),
  'people/[id].astro': (me) => idOf(foreignUser(me), (i) => `/people/${i}`),
  'review/certificates/[id].astro': (me) => idOf(foreignId(me, 'certificates'), (i) => `/review/certificates/${i}`),
  'review/performance/[userId].astro': (me) => idOf(foreignUser(me), (i) => `/review/performance/${i}`),
  'review/subsidy/[id].astro': (me) => idOf(foreignId(me, 'subsidy_runs', 'county_path'), (i) => `/review/subsidy/${i}`),
  'review/subsidy/[id].xlsx.ts': (me) => idOf(foreignId(me, 'subsidy_runs', 'county_path'), (i) => `/review/subsidy/${i}.xlsx`),
  'supervise/entries/[id].astro': (me) => idOf(foreignId(me, 'work_entries'), (i) => `/supervise/entries/${i}`),
  'train/assignments/[id]/certificates.zip.ts': (me) => idOf(foreignId(me, 'learning_assignments'), (i) => `/train/assignments/${i}/certificates.zip`),
  'train/assignments/[id]/index.astro': (me) => idOf(foreignId(me, 'learning_assignments'), (i) => `/train/assignments/${i}`),
  'train/exams/[id].astro': (me) => idOf(foreignId(me, 'exam_windows'), (i) => `/train/exams/${i}`),
  'train/h5p/[id].astro': (me) => idOf(foreignId(me, 'h5p_packages'), (i) => `/train/h5p/${i}`),
  'train/skills/[id].astro': (me) => idOf(foreignUser(me, 'caregiver') ?? foreignUser(me), (i) => `/train/skills/${i}`),
  'verify/[code].astro': 'public certificate verification by its code (ADR: shows the masked holder only); scanned for personal data below',
  'work/cases/[id].astro': (me) => idOf(foreignId(me, 'cases'), (i) => `/work/cases/${i}`),
  'work/entries/[id].astro': (me) => idOf(foreignId(me, 'work_entries'), (i) => `/work/entries/${i}`),
  'work/log/[type].astro': 'type is one of the entry types; its ?case= and ?visit= are probed below',
};

/**
 * The audit log (administrators and officials, own jurisdiction) filtered by a foreign person who has acted:
 * the page may answer 200 (an empty list) but must not show that person's name. A name no one inside the
 * caller's jurisdiction has, so a match is theirs.
 */
function auditActorProbe(me: Me, page: string): Hit[] {
  const u = one<{ id: number; name: string }>(
    `select u.id, u.name from users u where u.id in (select actor_user_id from audit_log where actor_user_id is not null)
       and not exists (select 1 from role_assignments r where r.user_id = u.id and (r.region_path like ? || '%' or ? like r.region_path || '%'))
       and u.name not in (select u2.name from users u2 join role_assignments r2 on r2.user_id = u2.id where r2.region_path like ? || '%')
     order by u.id limit 1`,
    me.path,
    me.path,
    me.path,
  );
  return u ? [{ url: `${page}${page.includes('?') ? '&' : '?'}actor=${u.id}`, absent: [u.name] }] : [];
}

const foreignCounty = (me: Me): { id: number; name: string; path: string } | undefined =>
  one(
    `select r.id, r.name, r.path from regions r where r.level = 3 and r.path not like ? || '%' and ? not like r.path || '%'
       and exists (select 1 from cases c where c.region_path like r.path || '%') order by r.id limit 1`,
    me.path,
    me.path,
  );
const regionProbe = (page: string): Probe => (me) => idOf(foreignCounty(me)?.id, (i) => `${page}${page.includes('?') ? '&' : '?'}region=${i}`);

/** `file?param` → foreign URLs, or the reason the parameter is not a jurisdiction-bound id. */
const QUERY_PARAMS: Record<string, Probe | string> = {
  'account.astro?n': 'a count shown after signing other devices out',
  'account.astro?ok': 'a flag for the confirmation line',
  'admin/audit.astro?action': 'an action name filter',
  'admin/audit.astro?actor': (me) => auditActorProbe(me, '/admin/audit'),
  'admin/audit.astro?before': 'a paging cursor of the audit log',
  'admin/audit.astro?entity': 'filters by entity id within the rows of the caller\'s jurisdiction (the actor probe shows foreign rows stay out)',
  'admin/audit.astro?from': 'a date',
  'admin/audit.astro?to': 'a date',
  'admin/audit/export.ts?action': 'as the audit page',
  'admin/audit/export.ts?actor': (me) => auditActorProbe(me, '/admin/audit/export?format=csv'),
  'admin/audit/export.ts?before': 'as the audit page',
  'admin/audit/export.ts?entity': 'as the audit page',
  'admin/audit/export.ts?format': 'csv or xlsx',
  'admin/audit/export.ts?from': 'a date',
  'admin/audit/export.ts?to': 'a date',
  'admin/export/[kind].xlsx.ts?from': 'a date',
  'admin/export/[kind].xlsx.ts?full': 'unmasked columns, administrators only (scanned below)',
  'admin/export/[kind].xlsx.ts?level': 'a region level (1–5) inside the caller\'s scope',
  'admin/export/[kind].xlsx.ts?to': 'a date',
  'admin/users/[id].astro?ok': 'a flag',
  'api/xapi.ts?activity': 'GET of xAPI state is keyed by the caller\'s own user id',
  'commended.astro?year': 'a year of the public commendation list',
  'inbox/index.astro?before': 'a paging cursor over the caller\'s own notices',
  'inbox/index.astro?marked': 'a flag',
  'inbox/index.astro?unread': 'a flag',
  'inbox/send.astro?sent': 'a count',
  'inbox/settings.astro?saved': 'a flag',
  'lang/[locale].ts?next': 'a same-site path to return to',
  'learn/attempts/[id]/index.astro?saved': 'a flag',
  'learn/courses/[slug]/index.astro?quiz': 'a flag',
  'login.astro?next': 'a same-site path to return to',
  'login.astro?out': 'a flag',
  'password.astro?done': 'a flag',
  'people/index.astro?page': 'a page number',
  'people/index.astro?q': 'a search text',
  'people/index.astro?region': regionProbe('/people'),
  'people/index.astro?role': 'a role name',
  'people/index.astro?status': 'active / inactive',
  'review/adjustments.astro?done': 'a flag',
  'review/certificates/index.astro?page': 'a page number',
  'review/certificates/index.astro?q': 'a search text',
  'review/commendations.astro?done': 'a flag',
  'review/commendations.astro?region': regionProbe('/review/commendations'),
  'review/commendations.astro?year': 'a year',
  'review/export.xlsx.ts?period': 'a rating period',
  'review/export.xlsx.ts?region': regionProbe('/review/export.xlsx?table=children'),
  'review/export.xlsx.ts?table': 'a table name',
  'review/fieldwork.astro?region': regionProbe('/review/fieldwork'),
  'review/index.astro?period': 'a rating period',
  'review/index.astro?region': regionProbe('/review'),
  'review/lists.astro?list': 'a list name',
  'review/lists.astro?page': 'a page number',
  'review/lists.astro?region': regionProbe('/review/lists'),
  'review/performance/[userId].astro?period': 'a rating period',
  'review/performance/index.astro?computed': 'a flag',
  'review/performance/index.astro?kind': 'a period kind',
  'review/performance/index.astro?page': 'a page number',
  'review/performance/index.astro?period': 'a rating period',
  'review/performance/index.astro?region': regionProbe('/review/performance'),
  'review/plan.astro?region': regionProbe('/review/plan'),
  'review/skills/index.astro?institution': (me) => idOf(one<{ id: number }>(`select id from institutions where region_path not like ? || '%' and ? not like region_path || '%' limit 1`, me.path, me.path)?.id, (i) => `/review/skills?institution=${i}`),
  'review/skills/index.astro?level': 'a skill level',
  'review/skills/index.astro?page': 'a page number',
  'review/subsidy/[id].astro?done': 'a flag',
  'supervise/entries/index.astro?before': 'a paging cursor; the list is the caller\'s jurisdiction',
  'supervise/entries/index.astro?done': 'a flag',
  'supervise/entries/index.astro?entry': (me) => {
    const id = foreignId(me, 'work_entries', 'region_path', "and status = 'returned'");
    return id === undefined ? [] : [{ url: `/supervise/entries?done=returned&entry=${id}`, absent: ['id="done-notice"'] }];
  },
  'supervise/entries/index.astro?n': 'a count',
  'supervise/entries/index.astro?status': 'an entry status',
  'supervise/entries/index.astro?type': 'an entry type',
  'supervise/entries/index.astro?village': (me) => {
    const v = one<{ id: number; name: string }>(`select id, name from regions where level = 5 and path not like ? || '%' and name not in (select name from regions where path like ? || '%') limit 1`, me.path, me.path);
    return v ? [{ url: `/supervise/entries?village=${v.id}`, absent: [v.name] }] : [];
  },
  'supervise/subsidy/index.astro?done': 'a flag',
  'train/analysis.astro?course': 'a course id (content, the same for everyone); the figures are of the caller\'s jurisdiction',
  'train/assignments/[id]/index.astro?assigned': 'a count',
  'train/assignments/[id]/index.astro?ended': 'a flag',
  'train/assignments/[id]/index.astro?overdue': 'a filter flag',
  'train/assignments/[id]/index.astro?page': 'a page number',
  'train/assignments/[id]/index.astro?reminded': 'a count',
  'train/h5p/[id].astro?uploaded': 'a flag',
  'train/h5p/index.astro?removed': 'a flag',
  'train/skills/[id].astro?correct': 'a flag',
  'train/skills/[id].astro?issued': 'a flag',
  'train/skills/[id].astro?saved': 'a flag',
  'work/cases/index.astro?status': 'a case status',
  'work/log/[type].astro?case': (me) => {
    const id = foreignId(me, 'cases');
    return id === undefined ? [] : [{ url: `/work/log/visit?case=${id}`, absent: [one<{ code: string }>('select code from cases where id = ?', id)!.code] }];
  },
  'work/log/[type].astro?visit': (me) => idOf(foreignId(me, 'work_entries', 'region_path', "and type = 'visit' and flagged = 1"), (i) => `/work/log/report?visit=${i}`),
  'work/subsidy/index.astro?appealed': 'a flag',
};

// ---------------------------------------------------------------------------------------------------------

const ROLES: { key: string; phone: string; role: string }[] = [
  { key: 'admin', phone: ACCOUNTS.admin.phone, role: 'admin' },
  { key: 'official-province', phone: ACCOUNTS.provinceOfficial.phone, role: 'official' },
  { key: 'official-zhushan', phone: ACCOUNTS.zhushanOfficial.phone, role: 'official' },
  { key: 'official-jiangling', phone: ACCOUNTS.jianglingOfficial.phone, role: 'official' },
  { key: 'trainer-county', phone: ACCOUNTS.trainer.phone, role: 'trainer' },
  { key: 'trainer-city', phone: '13900000009', role: 'trainer' },
  { key: 'supervisor', phone: ACCOUNTS.supervisor.phone, role: 'supervisor' },
  { key: 'director', phone: ACCOUNTS.director.phone, role: 'director' },
  { key: 'director-jiangling', phone: ACCOUNTS.jianglingDirector.phone, role: 'director' },
  { key: 'caregiver', phone: ACCOUNTS.caregiver.phone, role: 'caregiver' },
  { key: 'evaluator', phone: '13900000010', role: 'evaluator' },
];

function meOf(r: { key: string; phone: string; role: string }): Me {
  const row = one<{ id: number; path: string }>('select u.id, ra.region_path path from users u join role_assignments ra on ra.user_id = u.id where u.phone = ? and ra.role = ?', r.phone, r.role)!;
  return { key: r.key, phone: r.phone, role: r.role, userId: row.id, path: row.path };
}

async function signedIn(phone: string): Promise<APIRequestContext> {
  const ctx = await apiRequest.newContext({ baseURL: BASE });
  const r = await ctx.post('/login', { form: { phone, password: DEMO_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 });
  expect(r.status(), `sign-in of ${phone}`).toBe(303);
  return ctx;
}

// one worker, in order: the objects below are made once, then every role is probed
test.describe.configure({ mode: 'default' });

/**
 * The demo seed has no subsidy run, no exam window, no import job and no uploaded H5P package; made here
 * through the product's own forms so the matrix can ask for them: a 江陵县 month (no other spec computes
 * 江陵县), a 竹山县 exam window for the supervisors of a township other than 城关镇, opening in about three months (seen
 * by no other spec's accounts), and — by two accounts of 江陵县 the administrator creates on the people form
 * (an administrator and a trainer of that county, who set their own passwords at first sign-in) — a roster
 * dry run (an import job only its uploader may open) and an H5P package (seen only inside 江陵县).
 */
async function arrangeForeignObjects(): Promise<void> {
  const jl = one<{ id: number }>(`select id from regions where name = '江陵县' and level = 3`)!.id;
  if (!one(`select id from subsidy_runs where county_id = ?`, jl)) {
    const official = await signedIn(ACCOUNTS.jianglingOfficial.phone);
    const r = await official.post('/review/subsidy', { form: { regionId: String(jl), month: '2026-05' }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(r.status(), 'the 江陵县 official computes a month').toBe(303);
    await official.dispose();
  }
  if (!one(`select id from exam_windows where title = '越权探测考试'`)) {
    const town = one<{ id: number }>(`select id from regions where level = 4 and path like '/1/23/28/%' and name <> '城关镇' order by id limit 1`)!.id;
    const course = one<{ id: number }>('select id from courses order by id limit 1')!.id;
    // opens in about three months (a window may open at most a year ahead), seen by no other spec's accounts yet
    const day = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
    const opens = day(Date.now() + 90 * 86_400_000);
    const closes = day(Date.now() + 97 * 86_400_000);
    const trainer = await signedIn(ACCOUNTS.trainer.phone);
    const r = await trainer.post('/train/exams', {
      form: { courseId: String(course), title: '越权探测考试', role: 'supervisor', regionId: String(town), opensAt: `${opens}T09:00`, closesAt: `${closes}T09:00`, durationMinutes: '30', passMark: '60' },
      headers: { Origin: BASE },
      maxRedirects: 0,
    });
    expect(r.status(), 'the 竹山县 trainer opens an exam window').toBe(303);
    await trainer.dispose();
  }
  await arrangeJianglingUploads();
}

const JIANGLING_ADMIN = '13900000020';
const JIANGLING_TRAINER = '13900000021';
const OWN_PASSWORD = 'Matrix#2026-jiangling';

/** The administrator creates a person on /admin/users/new; the person signs in and sets their own password. */
async function createdAccount(admin: APIRequestContext, phone: string, name: string, role: string, regionId: number): Promise<APIRequestContext> {
  if (!one('select id from users where phone = ?', phone)) {
    const page = await admin.post('/admin/users/new', { form: { name, phone, idNumber: '', role, regionId: String(regionId) }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(page.status(), `the administrator creates ${name}`).toBe(200);
    const temporary = /id="temp-password">([^<]+)</.exec(await page.text())?.[1];
    expect(temporary, `the temporary password of ${name} is shown once`).toBeTruthy();
    const ctx = await apiRequest.newContext({ baseURL: BASE });
    expect((await ctx.post('/login', { form: { phone, password: temporary! }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
    const changed = await ctx.post('/password', { form: { current: temporary!, next: OWN_PASSWORD, confirm: OWN_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(changed.status(), `${name} sets a password at first sign-in`).toBe(303);
    return ctx;
  }
  const ctx = await apiRequest.newContext({ baseURL: BASE });
  expect((await ctx.post('/login', { form: { phone, password: OWN_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
  return ctx;
}

async function arrangeJianglingUploads(): Promise<void> {
  const jl = one<{ id: number; path: string }>(`select id, path from regions where name = '江陵县' and level = 3`)!;
  const admin = await signedIn(ACCOUNTS.admin.phone);
  const jlAdmin = one<{ id: number }>('select id from users where phone = ?', JIANGLING_ADMIN);
  if (!jlAdmin || !one('select id from import_jobs where actor_user_id = ?', jlAdmin.id)) {
    const ctx = await createdAccount(admin, JIANGLING_ADMIN, '江陵县管理员', 'admin', jl.id);
    // a dry run of one 江陵县 post: the job stays the uploader's (nothing is committed)
    const v = one<{ village: string; township: string }>(
      `select v.name village, t.name township from regions v join regions t on t.id = v.parent_id where v.level = 5 and v.path like ? || '%' order by v.id limit 1`,
      jl.path,
    )!;
    const csv = toCsv([
      ['姓名', '手机号', '身份证号', '岗位', '市州', '县(市、区)', '乡镇(街道)', '村(社区)'],
      ['越权探测', '15977770001', '', '儿童主任', '荆州市', '江陵县', v.township, v.village],
    ]);
    const r = await ctx.post('/admin/import/roster', { multipart: { file: { name: '江陵县名单.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) } }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(r.status(), 'the 江陵县 administrator uploads a roster (dry run)').toBe(303);
    expect(r.headers().location).toMatch(/^\/admin\/import\/jobs\/\d+$/);
    await ctx.dispose();
  }
  const jlTrainer = one<{ id: number }>('select id from users where phone = ?', JIANGLING_TRAINER);
  if (!jlTrainer || !one('select id from h5p_packages where uploaded_by = ?', jlTrainer.id)) {
    const ctx = await createdAccount(admin, JIANGLING_TRAINER, '江陵县培训师', 'trainer', jl.id);
    const pkg = buildZip(validH5pEntries('江陵县越权探测练习'));
    const r = await ctx.post('/train/h5p', { multipart: { file: { name: 'jiangling.h5p', mimeType: 'application/zip', buffer: pkg } }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(r.status(), 'the 江陵县 trainer uploads an H5P package').toBe(303);
    await ctx.dispose();
  }
  await admin.dispose();
}

/**
 * Probes that must find a foreign object for the roles named: the objects are arranged above, so an empty
 * probe means the arrangement or the probe broke, and the gap would reopen silently.
 */
const MUST_PROBE: Record<string, string[]> = {
  'admin/import/jobs/[id].astro': ['admin'],
  'admin/import/jobs/[id].json.ts': ['admin'],
  'train/h5p/[id].astro': ['trainer-county', 'trainer-city'],
  'h5p/frame/[activity].astro': ['director', 'supervisor', 'trainer-county'],
  'review/subsidy/[id].astro': ['official-zhushan'],
  'learn/exams/[id].astro': ['director-jiangling'],
};

test.beforeAll(async () => {
  d = new Database('tmp/e2e/tonghu.db', { readonly: true, fileMustExist: true });
  await arrangeForeignObjects();
});
test.afterAll(() => d?.close());

test('every id-taking route and every query parameter of src/pages has a case in the matrix', () => {
  const files = pageFiles();
  const dynamic = files.filter((f) => f.includes('['));
  expect(dynamic.length).toBeGreaterThan(25);
  expect(dynamic.filter((f) => !(f in ID_ROUTES)), 'route files with a dynamic segment and no entry in ID_ROUTES').toEqual([]);
  expect(Object.keys(ID_ROUTES).filter((f) => !files.includes(f)), 'ID_ROUTES entries of files that are gone').toEqual([]);
  const probes: Record<string, Probe | string> = { ...ID_ROUTES, ...QUERY_PARAMS };
  expect(Object.keys(MUST_PROBE).filter((k) => typeof probes[k] !== 'function'), 'MUST_PROBE entries that are not probes').toEqual([]);
  expect([...new Set(Object.values(MUST_PROBE).flat())].filter((k) => !ROLES.some((r) => r.key === k)), 'MUST_PROBE roles that are not in ROLES').toEqual([]);
  const params = files.flatMap((f) => queryParamsOf(f).map((p) => `${f}?${p}`));
  // the derivation finds what we know of
  for (const known of ['review/plan.astro?region', 'people/index.astro?region', 'work/log/[type].astro?visit', 'admin/audit.astro?actor']) expect(params).toContain(known);
  expect(params.filter((p) => !(p in QUERY_PARAMS)), 'query parameters with no entry in QUERY_PARAMS').toEqual([]);
  expect(Object.keys(QUERY_PARAMS).filter((p) => !params.includes(p)), 'QUERY_PARAMS entries no page reads any more').toEqual([]);
});

for (const r of ROLES) {
  test(`jurisdiction matrix: ${r.key} gets 404 or 403 for every object of a foreign jurisdiction`, async () => {
    test.setTimeout(120_000);
    const me = meOf(r);
    const ctx = await signedIn(r.phone);
    const leaks: string[] = [];
    const probed: string[] = [];
    const nothingForeign: string[] = [];
    // markers of the foreign county: names of its townships that no region of the caller's own county has
    const county = foreignCounty(me);
    const markers = county
      ? (d.prepare(`select name from regions where parent_id = ? and name not in (select name from regions where level = 4 and path like ? || '%')`).all(county.id, ownCounty(me)) as { name: string }[]).map((x) => x.name)
      : [];
    for (const [key, probe] of [...Object.entries(ID_ROUTES), ...Object.entries(QUERY_PARAMS)]) {
      if (typeof probe === 'string') continue;
      const urls = probe(me);
      if (urls.length === 0) nothingForeign.push(key);
      for (const hit of urls) {
        const url = typeof hit === 'string' ? hit : hit.url;
        probed.push(url);
        const res = await ctx.get(url, { maxRedirects: 0 });
        const status = res.status();
        if (status === 403 || status === 404) continue;
        const body = /xlsx|zip|pdf/.test(url) ? '' : await res.text();
        // a region parameter outside the jurisdiction may fall back to the caller's own region: allowed if
        // nothing of the foreign county shows
        const shown = (typeof hit === 'string' ? markers : hit.absent).filter((m) => body.includes(m));
        if (typeof hit !== 'string' && status === 200 && shown.length === 0) continue;
        if (key.endsWith('?region') && status === 200 && shown.length === 0 && !url.includes('.xlsx')) continue;
        leaks.push(`${url} (${key}): ${status}${shown.length ? ` shows ${shown.slice(0, 3).join('、')}` : ''}`);
      }
    }
    test.info().annotations.push({ type: 'probed', description: `${probed.length} foreign URLs` });
    if (nothingForeign.length) test.info().annotations.push({ type: 'no foreign object in the demo data', description: nothingForeign.join(', ') });
    await ctx.dispose();
    expect(leaks).toEqual([]);
    expect(nothingForeign.filter((k) => MUST_PROBE[k]?.includes(r.key)), 'probes that must find a foreign object (MUST_PROBE) and found none').toEqual([]);
    // a province-wide account has no foreign region in the demo (one province): it is probed with the
    // per-person objects (someone else's attempts and certificates)
    expect(probed.length).toBeGreaterThan(county ? 15 : 2);
  });
}

// ---------------------------------------------------------------------------------------------------------
// ids in form bodies (POST): sessions, subsidy lines, runs and appeals, ratings, commendations, cases

/** `file#field` of every id a page reads from a posted form. */
function postedIdFieldsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/\b(?:values|body)\.(\w*Id|id|session)\b/g)) if (m[1] !== 'clientId') names.add(m[1]!);
  return [...names].sort();
}

interface PostHit {
  url: string;
  form: Record<string, string>;
  /** for a form that answers 303 whatever happens: a read of the foreign object that must not change */
  unchanged?: () => unknown;
}
type PostProbe = (me: Me) => PostHit[];
const post = (id: number | string | undefined, f: (x: number | string) => PostHit): PostHit[] => (id === undefined ? [] : [f(id)]);
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

/** Someone else's unread notice, and the read of it that must stay the same. */
function othersNotice(me: Me, url: string, field: string): PostHit[] {
  const n = one<{ id: number }>('select id from notices where user_id <> ? and read_at is null order by id desc limit 1', me.userId);
  if (!n) return [];
  return [{ url, form: { [field]: String(n.id), action: 'read' }, unchanged: () => one('select read_at from notices where id = ?', n.id) }];
}

/** `file#field` → a posted form naming a foreign object (the success answer, 303, must never come), or why not. */
const POSTED_IDS: Record<string, PostProbe | string> = {
  'account.astro#session': (me) => post(one<{ id: string }>('select id from sessions where user_id <> ? order by created_at desc limit 1', me.userId)?.id, (i) => ({ url: '/account', form: { _action: 'revoke', session: String(i) } })),
  'admin/users/[id].astro#assignmentId': 'administrators only, whose jurisdiction is the whole province; the person page itself is probed',
  'admin/users/[id].astro#session': 'administrators only (province-wide): signs a person\'s device out from their page',
  'api/xapi.ts#activityId': 'an H5P activity (content); the statement is recorded for the caller themself',
  'api/xapi.ts#lessonId': 'a lesson (content); the statement is recorded for the caller themself',
  'inbox/index.astro#id': (me) => othersNotice(me, '/inbox', 'id'),
  'learn/index.astro#noticeId': (me) => othersNotice(me, '/learn', 'noticeId'),
  'review/performance/index.astro#regionId': (me) => post(foreignCounty(me)?.id, (i) => ({ url: '/review/performance', form: { regionId: String(i), perfPeriod: `${new Date().getFullYear()}-Q1` } })),
  'switch-role.ts#assignmentId': (me) => post(one<{ id: number }>('select id from role_assignments where user_id <> ? order by id limit 1', me.userId)?.id, (i) => ({ url: '/switch-role', form: { assignmentId: String(i) } })),
  'review/adjustments.astro#userId': (me) => post(foreignUser(me, 'director'), (i) => ({ url: '/review/adjustments', form: { userId: String(i), role: 'director', periods: `${new Date().getFullYear()}-Q1`, adjustAction: 'training', adjustNote: '越权探测' } })),
  'review/commendations.astro#id': (me) => post(foreignId(me, 'commendations'), (i) => ({ url: '/review/commendations', form: { id: String(i), decision: 'approve', decisionNote: '越权探测' } })),
  'review/commendations.astro#userId': (me) => post(foreignUser(me, 'director'), (i) => ({ url: '/review/commendations', form: { intent: 'nominate', userId: String(i), role: 'director', year: String(new Date().getFullYear()), nomReason: '越权探测' } })),
  'review/subsidy/[id].astro#appealId': 'answered only after the run itself is found in the caller\'s jurisdiction (the run is probed above); appeals are looked up within that run',
  'review/subsidy/index.astro#regionId': (me) => post(foreignCounty(me)?.id, (i) => ({ url: '/review/subsidy', form: { regionId: String(i), month: '2026-06' } })),
  'supervise/subsidy/index.astro#appealId': (me) => post(foreignId(me, 'subsidy_appeals'), (i) => ({ url: '/supervise/subsidy', form: { action: 'opinion', appealId: String(i), opinion: '越权探测' } })),
  'supervise/subsidy/index.astro#runId': (me) => post(foreignId(me, 'subsidy_runs', 'county_path'), (i) => ({ url: '/supervise/subsidy', form: { action: 'review', runId: String(i), note: '越权探测' } })),
  'train/exams/index.astro#courseId': 'a course (content, the same for everyone); the exam window\'s region is checked against the trainer\'s jurisdiction',
  'work/log/[type].astro#caseId': (me) => post(foreignId(me, 'cases'), (i) => ({ url: '/work/log/info_update', form: { clientId: crypto.randomUUID(), day: today(), caseId: String(i), note: '越权探测' } })),
  'work/log/[type].astro#visitId': (me) => post(foreignId(me, 'work_entries', 'region_path', "and type = 'visit' and flagged = 1"), (i) => ({ url: '/work/log/report', form: { clientId: crypto.randomUUID(), visitId: String(i), reportedTo: '派出所', reportedAt: `${today()}T09:00`, receipt: '越权探测', note: '越权探测' } })),
  'work/subsidy/index.astro#lineId': (me) => post(one<{ id: number }>('select id from subsidy_lines where user_id <> ? and region_path not like ? || \'%\' order by id desc limit 1', me.userId, me.path)?.id, (i) => ({ url: '/work/subsidy', form: { lineId: String(i), appealReason: '越权探测：这不是我的补贴明细。' } })),
};

test('every id read from a posted form has a case in the matrix', () => {
  const keys = pageFiles().flatMap((f) => postedIdFieldsOf(f).map((x) => `${f}#${x}`));
  for (const known of ['account.astro#session', 'work/subsidy/index.astro#lineId', 'supervise/subsidy/index.astro#runId']) expect(keys).toContain(known);
  expect(keys.filter((k) => !(k in POSTED_IDS)), 'posted ids with no entry in POSTED_IDS').toEqual([]);
  expect(Object.keys(POSTED_IDS).filter((k) => !keys.includes(k)), 'POSTED_IDS entries no page reads any more').toEqual([]);
});

for (const r of ROLES) {
  test(`jurisdiction matrix, forms: ${r.key} cannot act on a foreign object by posting its id`, async () => {
    const me = meOf(r);
    const ctx = await signedIn(r.phone);
    const leaks: string[] = [];
    let probed = 0;
    for (const [key, probe] of Object.entries(POSTED_IDS)) {
      if (typeof probe === 'string') continue;
      for (const hit of probe(me)) {
        probed++;
        const before = JSON.stringify(hit.unchanged?.());
        const res = await ctx.post(hit.url, { form: hit.form, headers: { Origin: BASE }, maxRedirects: 0 });
        if (hit.unchanged) {
          if (JSON.stringify(hit.unchanged()) !== before || res.status() >= 500) leaks.push(`POST ${hit.url} ${JSON.stringify(hit.form)} (${key}) changed the foreign object`);
          continue;
        }
        // every one of these forms answers a success with 303; a refusal is 400 (message), 403 or 404, or the
        // page again (200) with nothing done
        if (res.status() === 303 || res.status() >= 500) leaks.push(`POST ${hit.url} ${JSON.stringify(hit.form)} (${key}): ${res.status()} ${res.headers().location ?? ''}`);
      }
    }
    // the same form with the caller's own id does succeed (303): the check tells the two apart
    if (r.key === 'trainer-county') {
      const own = one<{ id: number }>("select id from role_assignments where user_id = ? and role = 'director'", me.userId)!.id;
      expect((await ctx.post('/switch-role', { form: { assignmentId: String(own) }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
    }
    test.info().annotations.push({ type: 'probed', description: `${probed} foreign forms` });
    await ctx.dispose();
    expect(leaks).toEqual([]);
    expect(probed).toBeGreaterThan(2);
  });
}

// ---------------------------------------------------------------------------------------------------------
// personal data: unmasked phone numbers and ID numbers in pages and exports

const PHONE = /(?<![\d\w])1[3-9]\d{9}(?![\d\w])/g;
const ID_NUMBER = /(?<![\d\w])\d{17}[\dXx](?![\d\w])/g;

/** Every GET route without a dynamic segment, as a path. */
function staticGetRoutes(): string[] {
  return pageFiles()
    .filter((f) => !f.includes('[') && !/^(40[34]|healthz|logout|switch-role)\./.test(f))
    .filter((f) => f.endsWith('.astro') || /export\s+(const|async function|function)\s+GET\b/.test(readFileSync(join(ROOT, f), 'utf8')))
    .map((f) => '/' + f.replace(/\.(astro|ts)$/, '').replace(/(^|\/)index$/, ''))
    .map((p) => (p === '/' ? p : p.replace(/\/$/, '')));
}

/** In-scope object pages of the caller (their own or their jurisdiction's), the ones with most personal data. */
function ownObjectPages(me: Me): string[] {
  const inside = (table: string, pathCol = 'region_path', extra = '') => one<{ id: number }>(`select id from ${table} where ${pathCol} like ? || '%' ${extra} order by id desc limit 1`, me.path)?.id;
  const person = one<{ id: number }>(`select user_id id from role_assignments where region_path like ? || '%' and user_id <> ? order by id limit 1`, me.path, me.userId)?.id;
  const out: string[] = [];
  const add = (id: number | string | undefined, f: (x: number | string) => string) => id !== undefined && out.push(f(id));
  add(person, (i) => `/people/${i}`);
  add(person, (i) => `/admin/users/${i}`);
  add(person, (i) => `/review/performance/${i}`);
  add(inside('cases'), (i) => `/work/cases/${i}`);
  add(inside('work_entries'), (i) => `/supervise/entries/${i}`);
  add(one<{ id: number }>('select id from work_entries where user_id = ? order by id desc limit 1', me.userId)?.id, (i) => `/work/entries/${i}`);
  add(inside('certificates'), (i) => `/review/certificates/${i}`);
  add(one<{ code: string }>(`select code from certificates where region_path like ? || '%' limit 1`, me.path)?.code, (c) => `/verify/${c}`);
  add(inside('subsidy_runs', 'county_path'), (i) => `/review/subsidy/${i}`);
  add(inside('learning_assignments'), (i) => `/train/assignments/${i}`);
  add(one<{ id: number }>(`select user_id id from role_assignments where role = 'caregiver' and region_path like ? || '%' limit 1`, me.path)?.id, (i) => `/train/skills/${i}`);
  add(one<{ id: number }>('select id from import_jobs order by id desc limit 1')?.id, (i) => `/admin/import/jobs/${i}`);
  return out;
}

/**
 * Allowed exceptions, each justified:
 * - the signed-in person's own phone number on their own account pages: it is their sign-in name;
 * - the administrator's edit form of a person (/admin/users/:id): the phone and ID number are the values of
 *   the fields being edited (the ID number's hint beside it is masked); administrators only, every change audited;
 * - the administrator's export with 「含完整手机号和身份证号」 ticked (?full=1): deliberate, audited, admins only.
 */
function allowed(me: Me, path: string, value: string): boolean {
  if (value === me.phone && (path === '/account' || path === '/password' || path === '/inbox/settings')) return true;
  if (me.role === 'admin' && /^\/admin\/users\/\d+$/.test(path)) return true;
  if (me.role === 'admin' && /^\/admin\/export\/\w+\.xlsx\?full=1$/.test(path)) return true;
  return false;
}

/** A valid 18-digit ID number (GB 11643 check digit) of 竹山县 (420323), for the person the scan plants. */
function idNumber(seq: number): string {
  const body = `42032319850101${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i]!, 0);
  return body + '10X98765432'[sum % 11]!;
}

/**
 * The demo has no ID numbers, so a scan of it could not fail on one: the administrator first gives a village
 * director of 城关镇 (the last demo director there, used by no other spec) an ID number through the real form.
 */
let planted: { userId: number; idNumber: string } | undefined;
async function plantIdNumber(): Promise<void> {
  if (planted) return;
  const row = one<{ id: number; name: string; phone: string }>(
    `select u.id, u.name, u.phone from users u join role_assignments ra on ra.user_id = u.id
      where ra.role = 'director' and ra.region_path like (select path from regions where name = '城关镇' and path like '/1/23/28/%') || '%'
        and u.phone like '13700%' order by u.phone desc limit 1`,
  )!;
  const value = idNumber(row.id % 1000);
  const admin = await signedIn(ACCOUNTS.admin.phone);
  const res = await admin.post(`/admin/users/${row.id}`, { form: { _action: 'details', name: row.name, phone: row.phone, idNumber: value }, headers: { Origin: BASE }, maxRedirects: 0 });
  expect(res.status(), 'the administrator saves the ID number').toBe(303);
  await admin.dispose();
  planted = { userId: row.id, idNumber: value };
}

/** Every cell of every sheet, as shown. */
async function xlsxText(buf: Buffer): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const out: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => void out.push(c.text))));
  return out.join('\n');
}

for (const r of ROLES) {
  test(`personal data scan: ${r.key} sees no unmasked phone or ID number on any page or export`, async () => {
    test.setTimeout(180_000);
    await plantIdNumber();
    const me = meOf(r);
    const ctx = await signedIn(r.phone);
    const found: string[] = [];
    let scanned = 0;
    let fullExportHasId = false;
    let plantedSeen = false;
    const paths = [...staticGetRoutes(), ...ownObjectPages(me), `/people/${planted!.userId}`, `/admin/users/${planted!.userId}`, `/people?q=${encodeURIComponent(one<{ name: string }>('select name from users where id = ?', planted!.userId)!.name)}`];
    const exports = [
      ...['people', 'training', 'certificates', 'worklog'].flatMap((k) => [`/admin/export/${k}.xlsx`, `/admin/export/${k}.xlsx?full=1`]),
      ...['children', 'tiers', 'certificates', 'levels', 'months', 'ratings'].map((k) => `/review/export.xlsx?table=${k}`),
      '/admin/audit/export?format=csv',
      ...idOf(one<{ id: number }>(`select id from subsidy_runs where county_path like ? || '%' order by id desc limit 1`, me.path)?.id, (i) => `/review/subsidy/${i}.xlsx`),
    ];
    for (const path of [...paths, ...exports]) {
      const res = await ctx.get(path, { maxRedirects: 0 });
      if (res.status() !== 200) continue;
      scanned++;
      if (path === `/people/${planted!.userId}`) plantedSeen = true;
      const type = res.headers()['content-type'] ?? '';
      let text: string;
      if (type.includes('spreadsheetml')) text = await xlsxText(await res.body());
      else if (/text|json|csv/.test(type)) text = await res.text();
      else continue;
      if (path === '/admin/export/people.xlsx?full=1' && text.includes(planted!.idNumber)) fullExportHasId = true;
      for (const [kind, re] of [['phone', PHONE], ['ID number', ID_NUMBER]] as const) {
        for (const m of text.matchAll(re)) if (!allowed(me, path, m[0])) found.push(`${path}: ${kind} ${m[0]}`);
      }
    }
    await ctx.dispose();
    expect([...new Set(found)]).toEqual([]);
    // the check can fail: the administrator's full export does hold the planted ID number unmasked
    // the person with the planted ID number was among the pages scanned of everyone whose jurisdiction holds them
    if (['admin', 'official-province', 'official-zhushan', 'supervisor'].includes(me.key)) expect(plantedSeen, 'the planted person\'s page was scanned').toBe(true);
    if (me.role === 'admin') expect(fullExportHasId, 'the full people export of the administrator holds the planted ID number').toBe(true);
    expect(scanned).toBeGreaterThan(5);
  });
}
