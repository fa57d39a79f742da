import { test, expect } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openDb } from '../../db/client';
import { ACCOUNTS, signIn, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * M16 dashboards: the province official drills down province → city → county → township, every level
 * from rollups with server-rendered charts (no chart script), tables beside them and XLSX exports; the
 * 竹山县 official cannot open 江陵县 in any of the dashboard's pages.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';

function regionId(name: string, level: number): number {
  const db = openDb(DB_FILE);
  try {
    return (db.$client.prepare('select id from regions where name = ? and level = ?').get(name, level) as { id: number }).id;
  } finally {
    db.$client.close();
  }
}

test('the province official drills down from the province to a township', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ACCOUNTS.provinceOfficial.phone);
  expect(pathOf(page)).toBe('/review');
  const main = page.locator('main');
  await expect(page.locator('#dash-title')).toContainText('湖北省');
  await expect(main.locator('#dash-stats')).toContainText('村(社区)已配备儿童主任');
  // a chart is inline SVG labelled by its caption, with its table beside it; no chart script is loaded
  const children = main.locator('#dash-children');
  await expect(children.locator('svg[role="img"]')).toHaveCount(1);
  await expect(children.locator('table')).toContainText('十堰市');
  const scripts = await page.locator('script[src]').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src));
  expect(scripts.filter((s) => /echarts|zrender/i.test(s))).toEqual([]);
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('dashboard-province'), fullPage: true });

  // the export of a table is a real XLSX file
  const [download] = await Promise.all([page.waitForEvent('download'), children.getByRole('link', { name: '导出 Excel' }).click()]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(path!).subarray(0, 2).toString('latin1')).toBe('PK');

  // province → 十堰市 → 竹山县 → 城关镇
  for (const [name, level] of [['十堰市', 2], ['竹山县', 3], ['城关镇', 4]] as const) {
    await Promise.all([page.waitForURL(new RegExp(`region=${regionId(name, level)}$`)), main.locator('#dash-children table').getByRole('link', { name, exact: true }).click()]);
    await expect(page.locator('#dash-title')).toContainText(name);
    await expect(page.locator('nav.crumbs')).toContainText('湖北省');
  }
  // the township: its villages, figures from the demo's director and field work
  const stats = main.locator('#dash-stats');
  await expect(stats).toContainText('在岗儿童主任');
  expect(Number((await stats.locator('.stat').nth(2).locator('b').innerText()).replace(/,/g, ''))).toBeGreaterThan(0);
  await expect(main.locator('#dash-months table tbody tr')).toHaveCount(12);
  await expect(main.locator('#dash-vacancies')).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('dashboard-township'), fullPage: true });

  // a figure leads to the list behind it: directors of this township
  await Promise.all([page.waitForURL(/\/people\?region=\d+&role=director/), stats.locator('.stat').nth(2).getByRole('link').click()]);
  await expect(page.locator('main')).toContainText('儿童主任');
});

test('the 竹山县 official cannot see 江陵县', async ({ page }) => {
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  await expect(page.locator('#dash-title')).toContainText('竹山县');
  await expect(page.locator('main')).not.toContainText('江陵县');
  const jiangling = regionId('江陵县', 3);
  for (const path of [`/review?region=${jiangling}`, `/review/lists?region=${jiangling}&list=vacancies`, `/review/lists?region=${jiangling}&list=pending`, `/review/export.xlsx?region=${jiangling}&table=months`]) {
    const r = await page.request.get(path);
    expect(r.status(), path).toBe(404);
    expect(await r.text()).not.toContain('江陵县');
  }
  // nor the province above the county
  const province = regionId('湖北省', 1);
  expect((await page.request.get(`/review?region=${province}`)).status()).toBe(404);
  // the 江陵县 official does see it
  const other = await page.context().browser()!.newContext();
  const p2 = await other.newPage();
  await signIn(p2, ACCOUNTS.jianglingOfficial.phone);
  await expect(p2.locator('#dash-title')).toContainText('江陵县');
  await other.close();
});
