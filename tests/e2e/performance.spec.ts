import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openDb, type Db } from '../../db/client';
import { createCase, type FieldActor } from '../../src/lib/fieldwork/cases';
import { submitEntry, verifyEntries } from '../../src/lib/fieldwork/entries';
import { periodOf, previousPeriod } from '../../src/lib/fieldwork/periods';
import { addDays, dayOf } from '../../src/lib/time';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * M14's journey. The demo has no field work, so nobody in it can score 优秀. Through the product's own
 * lib, on the e2e database, one 竹山县 director (outside 城关镇, which other specs use) who finished the
 * annual refresher on time gets a followed case with two verified visits on time and four verified
 * outreach sessions this year. Then: the county official computes the year's ratings, sees the table and
 * that director on top, opens the breakdown, nominates her; the province official approves; the public
 * /commended page shows her name and no phone number. Along the way: two ended quarters of another
 * village put its director on the adjustment list, and the official records retraining.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';
const shot = async (page: Page, name: string) => {
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
};
const check = async (page: Page) => {
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
};

interface Chosen {
  userId: number;
  name: string;
  phone: string;
  villageFullName: string;
}

/** Picks the director and gives them a year of verified work (lib calls, as the app would make them). */
function prepareStar(db: Db): Chosen {
  const sql = db.$client;
  const zhushan = sql.prepare(`select path from regions where code = '420323'`).get() as { path: string };
  const chengguan = sql.prepare(`select path from regions where code = '420323100'`).get() as { path: string };
  const star = sql
    .prepare(
      `select u.id as userId, u.name, u.phone, ra.region_id as regionId, ra.region_path as regionPath, r.full_name as villageFullName
       from role_assignments ra join users u on u.id = ra.user_id join regions r on r.id = ra.region_id
       where ra.role = 'director' and ra.active = 1 and u.phone like '137%'
         and ra.region_path >= ? and ra.region_path < ? and not (ra.region_path >= ? and ra.region_path < ?)
         and exists (select 1 from enrollments e where e.user_id = u.id and e.completed_at is not null
                     and e.completed_at < (cast(strftime('%s', e.due_date) as integer) + 57600) * 1000)
       order by (select coalesce(sum(l.minutes), 0) from lesson_completions lc join lessons l on l.id = lc.lesson_id where lc.user_id = u.id) desc, u.id
       limit 1`,
    )
    .get(zhushan.path, zhushan.path + '~', chengguan.path, chengguan.path + '~') as { userId: number; name: string; phone: string; regionId: number; regionPath: string; villageFullName: string };
  const townshipPath = star.regionPath.replace(/\d+\/$/, '');
  const sup = sql.prepare(`select user_id as userId, region_id as regionId from role_assignments where role = 'supervisor' and active = 1 and region_path = ?`).get(townshipPath) as { userId: number; regionId: number };
  const now = Date.now();
  const today = dayOf(now);
  const director: FieldActor = { userId: star.userId, role: 'director', regionId: star.regionId, regionPath: star.regionPath };
  const supervisor: FieldActor = { userId: sup.userId, role: 'supervisor', regionId: sup.regionId, regionPath: townshipPath };
  // a 困境 case (every 30 days) opened 60 days ago, visited on day 20 and day 45: both obligations met
  const kase = createCase(db, director, { code: 'E2E-PERF-01', category: 'difficult', guardianSituation: 'parents', risk: 'low', openedOn: addDays(today, -60), note: '' }, now);
  const ids: number[] = [];
  for (const [i, back] of [40, 15].entries()) {
    ids.push(submitEntry(db, director, { type: 'visit', clientId: `e2e-perf-visit-${i}`, day: addDays(today, -back), caseId: kase.id, mode: 'in_person', findings: '入户查看，家中整洁，孩子按时上学。', guardianshipAdequate: true, followUp: false, followUpNote: '', confirmNoReport: false, situations: [] }, now).entry.id);
  }
  // four 政策宣讲 sessions: the year's target
  for (const [i, back] of [80, 55, 30, 5].entries()) {
    ids.push(submitEntry(db, director, { type: 'outreach', clientId: `e2e-perf-outreach-${i}`, day: addDays(today, -back), place: '村委会', topic: '强制报告与委托照护政策宣讲', attendance: 20 + i }, now).entry.id);
  }
  verifyEntries(db, supervisor, ids, now);
  return { userId: star.userId, name: star.name, phone: star.phone, villageFullName: star.villageFullName };
}

/** A 竹山县 village (outside 城关镇) whose director has read the least: rated 不合格 in past quarters. */
function pickLaggard(db: Db, exclude: number): { villageId: number; name: string } {
  const sql = db.$client;
  const zhushan = sql.prepare(`select path from regions where code = '420323'`).get() as { path: string };
  const chengguan = sql.prepare(`select path from regions where code = '420323100'`).get() as { path: string };
  return sql
    .prepare(
      `select ra.region_id as villageId, u.name from role_assignments ra join users u on u.id = ra.user_id
       where ra.role = 'director' and ra.active = 1 and u.phone like '137%' and u.id != ?
         and ra.region_path >= ? and ra.region_path < ? and not (ra.region_path >= ? and ra.region_path < ?)
         and (select count(*) from role_assignments o where o.region_id = ra.region_id and o.role = 'director' and o.active = 1) = 1
       order by (select count(*) from lesson_completions lc where lc.user_id = u.id), u.id desc
       limit 1`,
    )
    .get(exclude, zhushan.path, zhushan.path + '~', chengguan.path, chengguan.path + '~') as { villageId: number; name: string };
}

async function as(browser: Browser, phone: string) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, phone);
  return { ctx, page };
}

test('ratings are computed and explained; the top worker is nominated, approved and published; poor performers are flagged', async ({ browser }) => {
  test.setTimeout(240_000);
  const db = openDb(DB_FILE);
  const star = prepareStar(db);
  const laggard = pickLaggard(db, star.userId);
  const jiangling = db.$client.prepare(`select id from users where phone = ?`).get(ACCOUNTS.jianglingDirector.phone) as { id: number };
  db.$client.close();
  const year = dayOf(Date.now()).slice(0, 4);

  // — the county official computes this year's ratings
  const county = await as(browser, ACCOUNTS.zhushanOfficial.phone);
  let page = county.page;
  await page.goto('/review');
  await page.getByRole('link', { name: '履职评价' }).click();
  await expect(page.locator('h1')).toHaveText('履职评价');
  await expect(page.locator('#perf-period')).toHaveValue(year);
  await Promise.all([page.waitForURL(/computed=\d+/), page.locator('#compute').click()]);
  await expect(page.locator('#computed')).toContainText('已为');
  expect(Number(await page.locator('#rated-total').innerText())).toBeGreaterThan(100);
  await expect(page.locator('#policy-note')).toContainText('1.0.0');
  const first = page.locator('#ratings tbody tr').first();
  await expect(first).toContainText(star.name);
  await expect(first).toContainText('优秀');
  await check(page);
  await shot(page, 'performance-review');

  // — the breakdown: every indicator, in words, with weights, points and the policy version
  await first.getByRole('link', { name: star.name }).click();
  await expect(page.locator('h1')).toContainText(star.name);
  const breakdown = page.locator('.perf-breakdown').first();
  await expect(breakdown).toContainText('走访按时完成率');
  await expect(breakdown).toContainText(/本期应走访 \d+ 次，按时走访并已核实 \d+ 次/);
  await expect(breakdown).toContainText('本期已核实的政策宣讲 4 场');
  await expect(breakdown).toContainText('强制报告及时率');
  await expect(breakdown).toContainText('不适用');
  await expect(breakdown).toContainText('评价规则：第 1.0.0 版，2026-01-01 起施行');
  await check(page);
  await shot(page, 'performance-breakdown');

  // — a person outside the official's county is not there
  const foreign = await page.request.get(`/review/performance/${jiangling.id}?period=${year}`);
  expect(foreign.status()).toBe(404);

  // — nominate her (a candidate: top 10 % of the county, 优秀)
  await page.goto(`/review/commendations?year=${year}`);
  const card = page.locator(`#cand-${star.userId}`);
  await expect(card).toContainText('第 1 名');
  // a reason is required: a message next to the field, in Chinese, naming it
  await card.getByLabel('推荐理由').fill('好');
  await card.getByRole('button', { name: '推荐' }).click();
  await expect(page.locator(`#cand-${star.userId} .field-error`)).toHaveText('推荐理由：请填写 4–200 字的推荐理由。');
  await expect(page.locator(`#cand-${star.userId}`).getByLabel('推荐理由')).toHaveValue('好');
  await card.getByLabel('推荐理由').fill('全年走访按时、宣讲到位，档案规范');
  await Promise.all([page.waitForURL(/done=nominate/), card.getByRole('button', { name: '推荐' }).click()]);
  await expect(page.locator('#done')).toBeVisible();
  await expect(page.locator(`#cand-${star.userId}`)).toContainText('已推荐：待审核');
  await expect(page.locator('#all-nominations')).toContainText(star.name);
  await check(page);
  await shot(page, 'performance-commendations-county');

  // — two ended quarters rated for another village: its director is flagged for adjustment
  const q = previousPeriod(periodOf('quarter', dayOf(Date.now())));
  for (const p of [previousPeriod(q), q]) {
    await page.goto(`/review/performance?region=${laggard.villageId}&period=${p.key}`);
    await Promise.all([page.waitForURL(/computed=1/), page.locator('#compute').click()]);
    await expect(page.locator('#ratings')).toContainText('不合格');
  }
  await page.goto('/review/adjustments');
  const flag = page.locator('article.perf-flag', { hasText: laggard.name });
  await expect(flag).toContainText(q.key.replace(/^(\d{4})-Q(\d)$/, '$1年第$2季度'));
  await check(page);
  await shot(page, 'performance-adjustments');
  await flag.getByLabel('采取的措施').selectOption('retraining');
  await flag.getByLabel('情况说明').fill('安排参加县级复训，督导员每月跟进');
  await Promise.all([page.waitForURL(/done=1/), flag.getByRole('button', { name: '记录措施' }).click()]);
  await expect(page.locator('article.perf-flag', { hasText: laggard.name })).toHaveCount(0);
  await expect(page.locator('#recorded')).toContainText(laggard.name);
  await expect(page.locator('#recorded')).toContainText('安排复训');
  await county.ctx.close();

  // — the province official approves
  const prov = await as(browser, ACCOUNTS.provinceOfficial.phone);
  page = prov.page;
  await page.goto(`/review/commendations?year=${year}`);
  const waiting = page.locator('article.perf-nomination', { hasText: star.name });
  await expect(waiting).toContainText('全年走访按时、宣讲到位，档案规范');
  await check(page);
  await shot(page, 'performance-commendations-province');
  await waiting.getByLabel('审核意见').fill('同意推荐');
  await Promise.all([page.waitForURL(/done=decide/), waiting.getByRole('button', { name: '同意', exact: true }).click()]);
  await expect(page.locator('#all-nominations li', { hasText: star.name })).toContainText('已同意');
  await prov.ctx.close();

  // — the public list, signed out: her name and village, no phone numbers, no scores
  const anon = await browser.newContext();
  page = await anon.newPage();
  await page.goto('/commended');
  await expect(page).toHaveURL(/\/commended$/);
  const row = page.locator('table.commended tr', { hasText: star.name });
  await expect(row).toContainText(star.villageFullName);
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/1[3-9]\d{9}/);
  expect(text).not.toContain(star.phone);
  expect(text).not.toMatch(/\d+(\.\d)? 分/);
  await check(page);
  await shot(page, 'performance-commended-public');
  await anon.close();

  // — her own view: live indicators explained, and the stored rating
  const own = await as(browser, star.phone);
  page = own.page;
  await page.goto('/work/performance');
  await expect(page.locator('h1')).toHaveText('我的履职评价');
  await expect(page.locator('#live-year-h')).toContainText('年度（实时）');
  await expect(page.locator('#live-month-h')).toBeVisible();
  await expect(page.locator('#live-quarter-h')).toBeVisible();
  await expect(page.locator('#live-year-score')).toContainText('优秀');
  await expect(page.locator('main')).toContainText('民政部门保存的评分');
  await expect(page.locator('main details').first()).toContainText('优秀');
  await check(page);
  await shot(page, 'performance-own-director');
  await own.ctx.close();
});

test('a supervisor sees their own live indicators', async ({ browser }) => {
  const { ctx, page } = await as(browser, ACCOUNTS.supervisor.phone);
  await page.goto('/supervise/performance');
  await expect(page.locator('h1')).toHaveText('我的履职评价');
  await expect(page.locator('#live-quarter-h')).toBeVisible();
  await expect(page.locator('.perf-breakdown').first()).toContainText('记录核实及时率');
  await check(page);
  await shot(page, 'performance-own-supervisor');
  // officials' pages are not theirs
  const r = await page.request.get('/review/performance');
  expect([403, 404]).toContain(r.status());
  await ctx.close();
});
