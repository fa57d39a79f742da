import { test, expect, type Page } from '@playwright/test';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';
import { openDb } from '../../db/client';
import { parseCsv, toCsv } from '../../src/lib/exchange/csv';

const DB_FILE = 'tmp/e2e/tonghu.db';

// both journeys import as the same administrator, whose newer dry run replaces an unconfirmed older one
test.describe.configure({ mode: 'serial' });
const HEADER = ['姓名', '手机号', '身份证号', '岗位', '市州', '县(市、区)', '乡镇(街道)', '村(社区)'];

/** Phones no demo account uses, different on every run so a rerun against the same database still works. */
const stamp = String(Date.now() % 10_000_000).padStart(7, '0');
const phone = (n: number) => `187${stamp}${n}`;

/** An ID number with a correct GB 11643 check digit, and the same with a wrong one. */
function idNumber(seq: number): { good: string; bad: string } {
  const base = `42032319850101${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(base[i]) * weights[i]!;
  const good = base + '10X98765432'[sum % 11];
  return { good, bad: base + (good.endsWith('1') ? '2' : '1') };
}

function countPhones(phones: string[]): number {
  const db = openDb(DB_FILE);
  try {
    return (db.$client.prepare(`select count(*) as n from users where phone in (${phones.map(() => '?').join(',')})`).get(...phones) as { n: number }).n;
  } finally {
    db.$client.close();
  }
}

async function upload(page: Page, name: string, rows: string[][]) {
  await page.locator('input[name="file"]').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
  await Promise.all([page.waitForURL(/\/admin\/import\/jobs\/\d+$/), page.getByRole('button', { name: '上传并检查' }).click()]);
}

test('roster import: a file with errors shows them per row and writes nothing; the corrected file imports; importing it again changes nothing', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin.phone);
  await page.locator('main').getByRole('link', { name: '导入导出' }).click();
  await page.getByRole('link', { name: '人员名单导入' }).first().click();
  await expect(page.locator('h1')).toHaveText('人员名单导入');
  await expect(page.getByText('CSV 须为 UTF-8 编码（GBK 不支持）')).toBeVisible();

  // the CSV template names a real village of the jurisdiction in its example row
  const tpl = await page.request.get('/admin/import/template/roster.csv');
  expect(tpl.status()).toBe(200);
  const [, example] = parseCsv(await tpl.text());
  const [city, county, township, village] = example!.slice(4);
  expect(village).toBeTruthy();
  const xlsx = await page.request.get('/admin/import/template/roster.xlsx');
  expect(xlsx.headers()['content-type']).toContain('spreadsheetml');

  const id = idNumber(Number(stamp) % 1000);
  const phones = [phone(1), phone(2), phone(3)];
  await upload(page, '名单-有错.csv', [
    HEADER,
    ['陈晓燕', phones[0]!, id.good, '儿童主任', city!, county!, township!, village!],
    ['刘建国', phones[1]!, '', '儿童主任', city!, county!, township!, '不存在村'],
    ['王丽', phones[0]!, '', '儿童主任', city!, county!, township!, village!],
    ['赵敏', phones[2]!, id.bad, '儿童督导员', city!, county!, township!, ''],
  ]);
  const problems = page.locator('#job-problems');
  await expect(problems).toContainText('发现 3 个问题，没有写入任何数据');
  await expect(problems.locator('tbody tr')).toHaveCount(3);
  await expect(problems.locator('tbody tr').nth(0)).toContainText('3村(社区)');
  await expect(problems.locator('tbody tr').nth(0)).toContainText('没有名为“不存在村”的村(社区)');
  await expect(problems.locator('tbody tr').nth(1)).toContainText('手机号与第 2 行重复');
  await expect(problems.locator('tbody tr').nth(2)).toContainText('身份证号校验码（末位）不正确');
  await expect(page.locator('#job-ready')).toHaveCount(0);
  await expectNoHorizontalScroll(page);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('import-roster-problems'), fullPage: true });
  expect(countPhones(phones)).toBe(0);

  // the corrected file
  await page.getByRole('link', { name: '重新上传文件' }).first().click();
  const good = [
    HEADER,
    ['陈晓燕', phones[0]!, id.good, '儿童主任', city!, county!, township!, village!],
    ['赵敏', phones[2]!, '', '儿童督导员', city!, county!, township!, ''],
  ];
  await upload(page, '名单.csv', good);
  await expect(page.locator('#job-ready')).toContainText('检查通过，可以导入');
  await expect(page.locator('#job-stats')).toContainText('将新建');
  await page.locator('input[name="initialPassword"]').fill('Chushi2026a');
  await page.screenshot({ path: screenshotPath('import-roster-ready'), fullPage: true });
  await page.getByRole('button', { name: '确认导入' }).click();
  // the page polls the progress and reloads itself when the import has committed
  await expect(page.locator('#job-done')).toContainText('导入完成', { timeout: 30_000 });
  await expect(page.locator('#job-done .stat').first()).toContainText('2');
  await expect(page.locator('#job-done .stat').first()).toContainText('已新建');
  await page.screenshot({ path: screenshotPath('import-roster-done'), fullPage: true });
  expect(countPhones(phones)).toBe(2);

  // the same file again: nothing to do
  await page.goto('/admin/import/roster');
  await upload(page, '名单.csv', good);
  await expect(page.locator('#job-nothing')).toContainText('没有需要导入的内容');
  await expect(page.locator('#job-stats .stat').nth(3)).toContainText('2');
  expect(countPhones(phones)).toBe(2);

  // the new director signs in with the initial password and must change it
  await page.context().clearCookies();
  await page.goto('/login');
  await page.locator('input[name="phone"]').fill(phones[0]!);
  await page.locator('input[name="password"]').fill('Chushi2026a');
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.locator('form[action^="/login"] button[type="submit"]').click()]);
  await expect(page).toHaveURL(/\/password/);
});

test('information-system updates import once; exports are masked for officials and audited', async ({ page }) => {
  const db = openDb(DB_FILE);
  const kase = db.$client
    .prepare(`select c.id, c.code, c.opened_on as openedOn from cases c join role_assignments ra on ra.region_id = c.village_id join users u on u.id = ra.user_id where u.phone = ? and ra.role = 'director' and c.status = 'active' order by c.opened_on limit 1`)
    .get(ACCOUNTS.director.phone) as { id: number; code: string; openedOn: string };
  // a day not imported before (so the test also passes against a database it already ran on)
  let day = '';
  for (let back = 1; back < 300; back++) {
    const d = new Date(Date.now() + 8 * 3600_000 - back * 86_400_000).toISOString().slice(0, 10);
    if (d < kase.openedOn) break;
    if (!db.$client.prepare(`select 1 from work_entries where client_id = ?`).get(`infosys:${kase.id}:${d}`)) {
      day = d;
      break;
    }
  }
  db.$client.close();
  expect(day).not.toBe('');
  const rows = [['工作人员', '个案编号', '更新日期', '更新内容'], [ACCOUNTS.director.phone, kase.code, day, '更新监护人联系方式'], [ACCOUNTS.director.phone, 'NO-SUCH-CASE', day, '']];

  await signIn(page, ACCOUNTS.admin.phone);
  await page.goto('/admin/import/infosys');
  await upload(page, '信息更新.csv', rows);
  await expect(page.locator('#job-problems')).toContainText('没有个案编号“NO-SUCH-CASE”');
  await page.goto('/admin/import/infosys');
  await upload(page, '信息更新.csv', rows.slice(0, 2));
  await page.getByRole('button', { name: '确认导入' }).click();
  await expect(page.locator('#job-done')).toContainText('导入完成', { timeout: 30_000 });
  await page.goto('/admin/import/infosys');
  await upload(page, '信息更新.csv', rows.slice(0, 2));
  await expect(page.locator('#job-nothing')).toBeVisible();

  // a county official exports the people of 竹山县: phones masked; the export is in the audit log
  await page.context().clearCookies();
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  await page.goto('/admin/export');
  await expect(page.locator('input[name="full"]')).toHaveCount(0);
  await expectNoHorizontalScroll(page);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('export-official'), fullPage: true });
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-people button').click()]);
  expect(download.suggestedFilename()).toMatch(/人员名单\.xlsx$/);
  const xlsx = await page.request.get('/admin/export/people.xlsx?full=1');
  expect(xlsx.status()).toBe(200);
  const ExcelJS = (await import('exceljs')).default;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await xlsx.body()) as unknown as ArrayBuffer);
  const text = JSON.stringify(wb.worksheets[0]!.getSheetValues());
  expect(text).toContain('139****0005');
  expect(text).not.toContain(ACCOUNTS.director.phone);
  const db2 = openDb(DB_FILE);
  const n = (db2.$client.prepare(`select count(*) as n from audit_log where action = 'export.people' and actor_user_id = (select id from users where phone = ?)`).get(ACCOUNTS.zhushanOfficial.phone) as { n: number }).n;
  db2.$client.close();
  expect(n).toBeGreaterThanOrEqual(2);
  // the imports themselves stay the administrator's
  expect((await page.request.get('/admin/import')).status()).toBe(403);
});
