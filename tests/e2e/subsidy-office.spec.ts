import { test, expect, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { openDb } from '../../db/client';
import { roleAssignments } from '../../db/schema/index';
import { runTownships, reviewTownship } from '../../src/lib/subsidy/runs';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Issue 7's office journey on the demo: the 竹山县 official computes last month's 通讯、交通补贴 and submits
 * it; approval is refused while townships have not reviewed; the 城关镇 supervisor reviews on the page
 * (the other townships' seeded supervisors review through the lib); the official approves; the XLSX
 * payment list's totals equal the run's total; the 江陵县 official gets 404.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';
const SUPERVISOR_CHENGGUAN = '13900000004';
const shot = async (page: Page, name: string, fullPage = true) => {
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await page.screenshot({ path: screenshotPath(name), fullPage });
};
const check = async (page: Page) => {
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
};
async function as(browser: Browser, phone: string) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, phone);
  return { ctx, page };
}

/** The seeded supervisors of the other townships review their lists (as they would on their own page). */
function reviewOtherTownships(runId: number): string[] {
  const db = openDb(DB_FILE);
  try {
    const waiting = runTownships(db, runId).filter((t) => t.hasSupervisor && !t.review);
    for (const t of waiting) {
      const a = db.select().from(roleAssignments).where(and(eq(roleAssignments.regionId, t.townshipId), eq(roleAssignments.role, 'supervisor'), eq(roleAssignments.active, true))).get()!;
      reviewTownship(db, { userId: a.userId, role: 'supervisor', regionId: a.regionId, regionPath: a.regionPath }, runId, '已核对（测试）');
    }
    return waiting.map((t) => t.name);
  } finally {
    db.$client.close();
  }
}

/**
 * The demo seed creates every role assignment at seeding time, so nobody would have been in post last
 * month; the demo's year of field work implies they were. 竹山县's directors and supervisors are dated
 * back a year (only the subsidy reads role_assignments.created_at).
 */
test.beforeAll(() => {
  const db = openDb(DB_FILE);
  try {
    const zs = db.$client.prepare(`select path from regions where name = '竹山县' and level = 3`).get() as { path: string };
    db.$client.prepare(`update role_assignments set created_at = created_at - 400 * 86400000 where region_path >= ? and region_path < ? and role in ('director', 'supervisor') and created_at > ?`).run(zs.path, zs.path + '~', Date.now() - 30 * 86400000);
  } finally {
    db.$client.close();
  }
});

test('a county month is computed, reviewed by the townships, approved and exported; other counties see nothing', async ({ browser }) => {
  test.setTimeout(240_000);
  // — the county official computes last month
  const official = await as(browser, ACCOUNTS.zhushanOfficial.phone);
  let page = official.page;
  await page.goto('/review');
  await page.locator('main').getByRole('link', { name: '通讯、交通补贴' }).click();
  await expect(page.locator('h1')).toHaveText('通讯、交通补贴');
  await expect(page.locator('main')).toContainText('示例默认标准，非正式公布标准');
  const month = await page.locator('#f-month').inputValue();
  expect(month).toMatch(/^\d{4}-\d{2}$/);
  await expect(page.locator('#f-regionId option')).toHaveText(['竹山县']);
  await check(page);
  // a bad month is refused with a Chinese message naming the field
  await page.locator('#f-month').evaluate((el: HTMLInputElement) => (el.type = 'text'));
  await page.locator('#f-month').fill('2026-13');
  await page.getByRole('button', { name: '计算', exact: true }).click();
  await expect(page.locator('#f-month-err')).toContainText('月份');
  await page.locator('#f-month').fill(month);
  await Promise.all([page.waitForURL(/\/review\/subsidy\/\d+/), page.getByRole('button', { name: '计算', exact: true }).click()]);
  const runId = Number(/\/review\/subsidy\/(\d+)/.exec(page.url())![1]);
  await expect(page.locator('#run-status')).toHaveText('草稿');
  await expect(page.locator('main')).toContainText('示例默认标准，非正式公布标准');
  await expect(page.locator('main')).toContainText('补贴规则版本 1.0.0');
  // the county list is folded by township; open the first
  await page.locator('details.so-township summary').first().click();
  await expect(page.locator('.so-line').first()).toBeVisible();
  await check(page);
  await shot(page, 'subsidy-run-draft');

  // — submitted; approval waits for the townships
  await Promise.all([page.waitForURL(/done=submitted/), page.getByRole('button', { name: '提交乡镇审核' }).click()]);
  await expect(page.locator('#run-status')).toHaveText('乡镇审核中');
  await expect(page.locator('main')).toContainText('待审核');
  await page.getByRole('button', { name: '审批' }).click();
  await expect(page.locator('#form-error')).toContainText('以下乡镇督导员尚未审核');
  await expect(page.locator('#form-error')).toContainText('城关镇');

  // — the 城关镇 supervisor reviews their township's list
  const sv = await as(browser, SUPERVISOR_CHENGGUAN);
  await sv.page.goto('/supervise');
  await sv.page.locator('main').getByRole('link', { name: '补贴名单审核' }).click();
  const form = sv.page.locator(`form:has(input[name="runId"][value="${runId}"])`);
  await expect(form).toBeVisible();
  await check(sv.page);
  await form.locator('textarea').fill('已逐户核对');
  await Promise.all([sv.page.waitForURL(/done=reviewed/), form.getByRole('button', { name: '确认本乡镇名单无误' }).click()]);
  await expect(sv.page.locator(`#reviewed-${runId}`)).toContainText('已逐户核对');
  await shot(sv.page, 'subsidy-supervisor');
  await sv.ctx.close();

  // — the other townships' supervisors review (through the lib), then the official approves
  reviewOtherTownships(runId);
  await page.goto(`/review/subsidy/${runId}`);
  await expect(page.locator('main')).toContainText('已逐户核对');
  await Promise.all([page.waitForURL(/done=approved/), page.getByRole('button', { name: '审批' }).click()]);
  await expect(page.locator('#run-status')).toHaveText('已审批');
  await expect(page.locator('#locked')).toContainText('审批锁定');
  await check(page);
  await shot(page, 'subsidy-run');
  await shot(page, 'subsidy-run-top', false);
  const totalFen = Math.round(Number((await page.locator('#run-total').innerText()).trim()) * 100);

  // — the payment list
  const href = (await page.locator('#xlsx-link').getAttribute('href'))!;
  const res = await page.request.get(href);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  expect(res.headers()['content-disposition']).toContain('.xlsx');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await res.body()) as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  wb.worksheets[0]!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
  expect(String(rows[0]![0])).toContain('竹山县');
  expect(String(rows[0]![0])).toContain('儿童主任通讯、交通补贴发放表');
  const totals = rows.find((r) => r[0] === '合计')!;
  expect(Math.round(Number(totals[10]) * 100)).toBe(totalFen);
  expect(rows.map((r) => r.join('|')).join('\n')).toContain('县民政局审批');

  // — the summary (a province official)
  const prov = await as(browser, ACCOUNTS.provinceOfficial.phone);
  await prov.page.goto('/review/subsidy/summary');
  await expect(prov.page.locator('main')).toContainText('竹山县');
  await check(prov.page);
  await prov.ctx.close();

  // — another county's official sees nothing
  const jl = await as(browser, ACCOUNTS.jianglingOfficial.phone);
  expect((await jl.page.goto(`/review/subsidy/${runId}`))!.status()).toBe(404);
  expect((await jl.page.request.get(`/review/subsidy/${runId}.xlsx`)).status()).toBe(404);
  await jl.ctx.close();
  await official.ctx.close();
});
