import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openDb } from '../../db/client';
import { dayOf } from '../../src/lib/time';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * M14's journey on the demo's year of field work. The county official computes the year's ratings, sees
 * the table and its top worker, opens the breakdown, nominates that person; the province official
 * approves; the public /commended page shows the name and no phone number. Along the way the official
 * records an action for a person flagged for adjustment (two consecutive 不合格 quarters, from the
 * ratings the demo seed stored).
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

function personFacts(userId: number): { phone: string; villageFullName: string; role: string } {
  const db = openDb(DB_FILE);
  try {
    return db.$client
      .prepare(`select u.phone, r.full_name as villageFullName, ra.role from users u join role_assignments ra on ra.user_id = u.id and ra.active = 1 join regions r on r.id = ra.region_id where u.id = ? order by ra.role = 'director' desc limit 1`)
      .get(userId) as { phone: string; villageFullName: string; role: string };
  } finally {
    db.$client.close();
  }
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
  const jiangling = db.$client.prepare(`select id from users where phone = ?`).get(ACCOUNTS.jianglingDirector.phone) as { id: number };
  db.$client.close();
  const year = dayOf(Date.now()).slice(0, 4);

  // — the county official computes this year's ratings
  const county = await as(browser, ACCOUNTS.zhushanOfficial.phone);
  let page = county.page;
  await page.goto('/review');
  await page.locator('main').getByRole('link', { name: '履职评价' }).click();
  await expect(page.locator('h1')).toHaveText('履职评价');
  await expect(page.locator('#perf-period')).toHaveValue(year);
  await Promise.all([page.waitForURL(/computed=\d+/), page.locator('#compute').click()]);
  await expect(page.locator('#computed')).toContainText('已为');
  expect(Number(await page.locator('#rated-total').innerText())).toBeGreaterThan(100);
  await expect(page.locator('#policy-note')).toContainText('1.0.0');
  const first = page.locator('#ratings tbody tr').first();
  await expect(first).toContainText('优秀');
  const topLink = first.locator('a').first();
  const star = {
    name: (await topLink.innerText()).trim(),
    userId: Number(/\/review\/performance\/(\d+)/.exec((await topLink.getAttribute('href')) ?? '')![1]),
  };
  const facts = personFacts(star.userId);
  await check(page);
  await shot(page, 'performance-review');

  // — the breakdown: every indicator, in words, with weights, points and the policy version
  await first.getByRole('link', { name: star.name }).click();
  await expect(page.locator('h1')).toContainText(star.name);
  const breakdown = page.locator('.perf-breakdown').first();
  await expect(breakdown).toContainText('走访按时完成率');
  await expect(breakdown).toContainText(/本期应走访 \d+ 次，按时走访并已核实 \d+ 次/);
  await expect(breakdown).toContainText(/本期已核实的政策宣讲 \d+ 场/);
  await expect(breakdown).toContainText('强制报告及时率');
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

  // — people rated 不合格 in two consecutive ended quarters (stored by the demo seed) are flagged
  await page.goto('/review/adjustments');
  const flag = page.locator('article.perf-flag').first();
  await expect(flag).toContainText('季度');
  const laggard = (await flag.locator('h3').innerText()).trim();
  await check(page);
  await shot(page, 'performance-adjustments');
  await flag.getByLabel('采取的措施').selectOption('retraining');
  await flag.getByLabel('情况说明').fill('安排参加县级复训，督导员每月跟进');
  await Promise.all([page.waitForURL(/done=1/), flag.getByRole('button', { name: '记录措施' }).click()]);
  await expect(page.locator('#recorded')).toContainText(laggard);
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
  await expect(row).toContainText(facts.villageFullName);
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/1[3-9]\d{9}/);
  expect(text).not.toContain(facts.phone);
  expect(text).not.toMatch(/\d+(\.\d)? 分/);
  await check(page);
  await shot(page, 'performance-commended-public');
  await anon.close();

  // — her own view: live indicators explained, and the stored rating
  const own = await as(browser, facts.phone);
  page = own.page;
  await page.goto(facts.role === 'director' ? '/work/performance' : '/supervise/performance');
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
