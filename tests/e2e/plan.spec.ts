import { test, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openDb } from '../../db/client';
import { signIn, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * M17: the public results page (no sign-in) publishes aggregates per city and county and nothing
 * personal; the third-party evaluator of 十堰市 sees plan monitoring for 十堰市 only, with small cells
 * suppressed, and is refused every page with personal data.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';
const EVALUATOR = { phone: '13900000010', name: '郑文博' };
const PHONE = /1[3-9]\d{9}/;

const shot = async (page: Page, name: string) => {
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
};

function facts() {
  const db = openDb(DB_FILE);
  try {
    const q = <T,>(s: string, ...a: unknown[]) => db.$client.prepare(s).all(...a) as T[];
    const region = (code: string) => (db.$client.prepare('select id, name from regions where code = ?').get(code) as { id: number; name: string });
    const regionNames = q<{ n: string }>('select name as n from regions').map((r) => r.n);
    // every person's name, except names that are part of a region's name (they could not be told apart)
    const names = q<{ n: string }>('select distinct name as n from users').map((r) => r.n).filter((n) => !regionNames.some((r) => r.includes(n)));
    const commended = q<{ n: string }>(`select distinct u.name as n from commendations c join users u on u.id = c.user_id where c.status = 'approved'`).map((r) => r.n);
    const someCase = (db.$client.prepare('select id from cases limit 1').get() as { id: number } | undefined)?.id ?? 1;
    const someEntry = (db.$client.prepare('select id from work_entries limit 1').get() as { id: number } | undefined)?.id ?? 1;
    const someUser = (db.$client.prepare(`select u.id from users u join role_assignments ra on ra.user_id = u.id where ra.role = 'director' limit 1`).get() as { id: number }).id;
    const someCert = (db.$client.prepare('select id from certificates limit 1').get() as { id: number } | undefined)?.id ?? 1;
    // people in post under each township of 竹山县: the base of its training figure
    const townships = q<{ id: number; n: number }>(
      `select r.id, (select count(*) from role_assignments ra join users u on u.id = ra.user_id where ra.active = 1 and u.active = 1
         and ra.role in ('director', 'supervisor', 'caregiver') and ra.region_path >= r.path and ra.region_path < r.path || '~') as n
       from regions r where r.parent_id = (select id from regions where code = '420323')`,
    );
    return { shiyan: region('420300'), zhushan: region('420323'), jiangling: region('421024'), chengguan: region('420323100'), townships, names, commended, someCase, someEntry, someUser, someCert };
  } finally {
    db.$client.close();
  }
}

test('the public results page shows aggregates per city and county, no phone number and no name but the commended', async ({ page }) => {
  const f = facts();
  const res = await page.goto('/results');
  expect(res?.status()).toBe(200);
  expect(pathOf(page)).toBe('/results');
  expect(res?.headers()['cache-control']).toContain('public');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('儿童福利工作评估结果公布');
  await expect(page.locator('#example-targets')).toBeVisible();
  // the province, 十堰市 with 竹山县 as a row, 荆州市 with 江陵县
  await expect(page.locator('#province [data-indicator="directorStaffing"]')).toContainText('%');
  const shiyan = page.locator('section', { has: page.getByRole('heading', { name: f.shiyan.name, exact: true }) });
  await expect(shiyan.locator(`tr[data-region="${f.zhushan.id}"] th`)).toHaveText('竹山县');
  await expect(page.locator(`tr[data-region="${f.jiangling.id}"] th`)).toHaveText('江陵县');
  // 竹山县 has directors in post in nearly every village: a published, real share
  await expect(shiyan.locator(`tr[data-region="${f.zhushan.id}"] td`).first()).toContainText(/\d+(\.\d)?%/);
  // counties without people: nothing to count, named as such rather than given a figure
  await expect(shiyan.locator('p', { hasText: '暂无数据：' })).toContainText('茅箭区');
  await expect(shiyan.locator('tr', { hasText: '茅箭区' })).toHaveCount(0);
  // a city with no one recorded yet gets no table of empty rows, only its name in one line
  await expect(page.locator('#no-data-cities')).toContainText('武汉市');
  await expect(page.getByRole('heading', { name: '武汉市', exact: true })).toHaveCount(0);

  const html = await page.content();
  const text = await page.locator('body').innerText();
  expect(html).not.toMatch(PHONE);
  const leaked = f.names.filter((n) => text.includes(n) && !f.commended.includes(n));
  expect(leaked, `names on the public page: ${leaked.join(', ')}`).toEqual([]);
  await expect(page.locator('#commended')).toBeVisible();
  const listed = await page.locator('#commended table tbody th').allInnerTexts();
  for (const n of listed) expect(f.commended).toContain(n.trim());

  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await shot(page, 'results-public');
});

test('the evaluator sees plan monitoring for their city only, aggregates without personal data', async ({ page }) => {
  const f = facts();
  await signIn(page, EVALUATOR.phone);
  expect(pathOf(page)).toBe('/review/plan');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('规划实施动态监测');
  await expect(page.locator('#evaluator-note')).toContainText('第三方评估只读视图');
  await expect(page.locator('#focus-h')).toContainText('十堰市');
  await expect(page.locator('#focus tr[data-indicator="directorStaffing"]')).toContainText('%');
  // the city's counties, 竹山县 among them; no 江陵县 (荆州市)
  await expect(page.locator(`#children tr[data-region="${f.zhushan.id}"]`)).toBeVisible();
  await expect(page.locator(`#children tr[data-region="${f.jiangling.id}"]`)).toHaveCount(0);
  // the menu offers nothing but monitoring, password and sign-out
  const menu = await page.getByRole('navigation', { name: '主菜单' }).or(page.locator('nav.main')).first().locator('a').allInnerTexts();
  expect(menu.join(' ')).not.toMatch(/人员|学习|证书/);
  expect(await page.content()).not.toMatch(PHONE);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await shot(page, 'plan-evaluator');

  // drill down into 竹山县: its townships; a training figure resting on fewer than 5 people is shown as —
  await page.locator(`#children tr[data-region="${f.zhushan.id}"] a`).click();
  await expect(page.locator('#focus-h')).toContainText('竹山县');
  await expect(page.locator(`#children tr[data-region="${f.chengguan.id}"]`)).toBeVisible();
  expect(f.townships.length).toBeGreaterThan(5);
  for (const ts of f.townships) {
    const cell = page.locator(`#children tr[data-region="${ts.id}"] td[data-label="年度培训覆盖率"]`);
    if (ts.n === 0) await expect(cell).toHaveText('暂无数据');
    else if (ts.n < 5) await expect(cell).toHaveText('—');
    else await expect(cell).toContainText('%');
  }
  // townships are the last level: no links further down
  await expect(page.locator('#children tbody a')).toHaveCount(0);
  expect(await page.content()).not.toMatch(PHONE);
  const text = await page.locator('body').innerText();
  const leaked = f.names.filter((n) => n !== EVALUATOR.name && text.includes(n));
  expect(leaked, `names on the evaluator's page: ${leaked.join(', ')}`).toEqual([]);

  // outside the jurisdiction, or a township: not found
  expect((await page.goto(`/review/plan?region=${f.jiangling.id}`))?.status()).toBe(404);
  expect((await page.goto(`/review/plan?region=${f.chengguan.id}`))?.status()).toBe(404);

  // every page with personal data is refused: people, cases, entries, ratings, exports, certificates
  for (const p of [
    '/people',
    `/people/${f.someUser}`,
    `/work/cases/${f.someCase}`,
    `/supervise/entries/${f.someEntry}`,
    '/review',
    '/review/performance',
    `/review/certificates/${f.someCert}`,
    '/review/subsidy/1.xlsx',
    '/train/assignments/1/certificates.zip',
    '/admin/users/1',
  ]) {
    const r = await page.request.get(p, { maxRedirects: 0 });
    expect(r.status(), p).toBe(403);
    expect(await r.text(), p).not.toMatch(PHONE);
  }
  // someone else's certificate file: not theirs, so not found
  expect((await page.request.get(`/learn/certificates/${f.someCert}.pdf`, { maxRedirects: 0 })).status()).toBe(404);
});

test('an official reaches plan monitoring from the menu and sees the real counts', async ({ page }) => {
  const f = facts();
  await signIn(page, '13900000002');
  await page.locator('nav.main a', { hasText: '规划监测' }).click();
  expect(pathOf(page)).toBe('/review/plan');
  await expect(page.locator('#focus-h')).toContainText('竹山县');
  await expect(page.locator('#evaluator-note')).toHaveCount(0);
  // the official's view is not suppressed: 城关镇's directors are counted
  await expect(page.locator(`#children tr[data-region="${f.chengguan.id}"] .plan-suppressed`)).toHaveCount(0);
  await expect(page.locator('#focus tr[data-indicator="directorStaffing"] td').last()).toContainText(/\d+\/\d+/);
});
