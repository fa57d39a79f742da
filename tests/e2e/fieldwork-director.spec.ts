import { test, expect, type Page } from '@playwright/test';
import { ACCOUNTS, signIn, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * The village child director's field work (/work): cases, home visits, outreach, the mandatory-report
 * path from a flagged visit to its report, and idempotent resubmission. Every test makes its own cases
 * with unique codes: other specs share the demo database.
 */
const DIRECTOR = ACCOUNTS.director.phone;

/** 'YYYY-MM-DD' in China time, n days from today. */
function chinaDay(n = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
}

let seq = 0;
function uniqueCode(): string {
  return `E2E-${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 5)}`.toUpperCase();
}

async function checkPage(page: Page) {
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
}

/** Creates a case through the form; returns its id and code. */
async function createCase(page: Page, o: { category: string; guardian: string; risk: string; openedOn: string }) {
  const code = uniqueCode();
  await page.goto('/work/cases/new');
  await page.locator('#f-code').fill(code);
  await page.locator('#f-category').selectOption(o.category);
  await page.locator('#f-guardianSituation').selectOption(o.guardian);
  await page.locator(`input[name="risk"][value="${o.risk}"]`).check();
  await page.locator('#f-openedOn').fill(o.openedOn);
  await Promise.all([page.waitForURL(/\/work\/cases\/\d+\?saved=case_created/), page.getByRole('button', { name: '建立个案' }).click()]);
  const id = Number(/\/work\/cases\/(\d+)/.exec(page.url())![1]);
  await expect(page.locator('#work-saved')).toContainText('已建立个案');
  return { id, code };
}

async function fillVisit(page: Page, findings: string) {
  await page.locator('#f-findings').fill(findings);
  await page.locator('input[name="guardianshipAdequate"][value="yes"]').check();
  await page.locator('input[name="followUp"][value="no"]').check();
}

test('a case, its visit: the visit awaits verification and the next due day moves on', async ({ page }) => {
  await signIn(page, DIRECTOR);
  // the director's home carries a card to the work pages
  await expect(page.locator('#work-summary')).toContainText('逾期未走访');
  await page.locator('#work-summary').screenshot({ path: screenshotPath('work-director-learn-card') });
  await page.locator('#work-summary').getByRole('link', { name: '进入我的工作' }).click();
  expect(pathOf(page)).toBe('/work');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('我的工作');
  await checkPage(page);

  // the case form: the code is suggested and the page warns against names and ID numbers
  await page.goto('/work/cases/new');
  await expect(page.locator('#f-code')).toHaveValue(/^V\d+-\d{3}$/);
  await expect(page.locator('main')).toContainText('切勿填写儿童的姓名或身份证号');
  await checkPage(page);
  // a name-like code is refused with a message naming the field
  await page.locator('#f-code').fill('张三');
  const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '建立个案' }).click()]);
  expect(bad.status()).toBe(400);
  await expect(page.locator('#f-code-err')).toContainText('个案编号');

  // high risk (every 7 days), opened 5 days ago: the first visit falls due in 2 days
  const c = await createCase(page, { category: 'left_behind', guardian: 'entrusted', risk: 'high', openedOn: chinaDay(-5) });
  await expect(page.locator('#case-next-due')).toContainText(chinaDay(2));
  await expect(page.locator('#case-agreement')).toContainText('尚未记录');
  await expect(page.locator('#case-last-visit')).toHaveText('暂无');

  await page.getByRole('link', { name: '记录走访' }).first().click();
  expect(pathOf(page)).toBe('/work/log/visit');
  await expect(page.locator('#f-caseId')).toHaveValue(String(c.id));
  await expect(page.locator('#f-day')).toHaveValue(chinaDay(0));
  await fillVisit(page, '入户查看，祖母照护尽心，孩子按时上学。');
  await Promise.all([page.waitForURL((u) => u.pathname === '/work' && u.searchParams.get('saved') === 'visit'), page.getByRole('button', { name: '提交' }).click()]);
  await expect(page.locator('#work-saved')).toContainText('已保存家庭走访记录');
  const visitId = new URL(page.url()).searchParams.get('entry')!;
  const mine = page.locator(`.work-entries li[data-entry-id="${visitId}"]`);
  await expect(mine).toContainText(`家庭走访 · ${chinaDay(0)}`);
  await expect(mine).toContainText(c.code);
  await expect(mine).toContainText('待核实');
  // the case now waits 7 days from today
  await expect(page.locator(`#due-list li[data-case-id="${c.id}"]`)).toContainText('还剩 7 天');
  await checkPage(page);
  await page.screenshot({ path: screenshotPath('work-director-home'), fullPage: true });

  await page.goto(`/work/cases/${c.id}`);
  await expect(page.locator('#case-next-due')).toContainText(chinaDay(7));
  await expect(page.locator('#case-last-visit')).toHaveText(chinaDay(0));
  await expect(page.locator('.work-entries')).toContainText('待核实');

  // an entrusted-care agreement from the case page puts it on record
  await page.getByRole('link', { name: '记录委托照护协议' }).click();
  await expect(page.locator('#f-caseId')).toHaveValue(String(c.id));
  await page.locator('input[name="carer"][value="grandparent"]').check();
  await page.locator('#f-validUntil').fill(chinaDay(365));
  await checkPage(page);
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'agreement'), page.getByRole('button', { name: '提交' }).click()]);
  await page.goto(`/work/cases/${c.id}`);
  await expect(page.locator('#case-agreement')).toContainText(`有效期至 ${chinaDay(365)}`);
  await checkPage(page);
  await page.screenshot({ path: screenshotPath('work-director-case'), fullPage: true });

  // the case list filters by status
  await page.goto('/work/cases');
  await expect(page.locator(`#case-list li[data-case-id="${c.id}"]`)).toContainText(c.code);
  await checkPage(page);
  await page.goto('/work/cases?status=closed');
  await expect(page.locator(`#case-list li[data-case-id="${c.id}"]`)).toHaveCount(0);
});

test('an outreach session is logged and can be amended while it awaits verification', async ({ page }) => {
  await signIn(page, DIRECTOR);
  await page.goto('/work');
  await page.getByRole('link', { name: '记录政策宣讲' }).click();
  expect(pathOf(page)).toBe('/work/log/outreach');
  const topic = `强制报告制度宣讲${Date.now() % 100000}`;
  await page.locator('#f-place').fill('村委会会议室');
  await page.locator('#f-topic').fill(topic);
  await page.locator('#f-attendance').fill('0');
  const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '提交' }).click()]);
  expect(bad.status()).toBe(400);
  await expect(page.locator('#f-attendance-err')).toContainText('参加人数');
  await checkPage(page);
  await page.locator('#f-attendance').fill('32');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'outreach'), page.getByRole('button', { name: '提交' }).click()]);
  await expect(page.locator('#work-saved')).toContainText('已保存政策宣讲记录');

  const entryId = new URL(page.url()).searchParams.get('entry')!;
  await expect(page.locator(`.work-entries li[data-entry-id="${entryId}"]`)).toContainText(`政策宣讲 · ${chinaDay(0)}`);
  await page.locator('#work-saved').getByRole('link', { name: '查看这条记录' }).click();
  expect(pathOf(page)).toBe(`/work/entries/${entryId}`);
  await expect(page.locator('.work-details')).toContainText(topic);
  await expect(page.locator('.work-details')).toContainText('待核实');
  await expect(page.locator('#f-attendance')).toHaveValue('32');
  await checkPage(page);
  await page.screenshot({ path: screenshotPath('work-director-entry'), fullPage: true });
  await page.locator('#f-attendance').fill('35');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'amended'), page.getByRole('button', { name: '修改并重新提交' }).click()]);
  await expect(page.locator('#work-saved')).toContainText('已修改并重新提交');
});

test('findings that suggest abuse: tick the situation, land on the report form, record the report', async ({ page }) => {
  await signIn(page, DIRECTOR);
  const c = await createCase(page, { category: 'difficult', guardian: 'relatives', risk: 'medium', openedOn: chinaDay(-3) });
  await page.goto(`/work/log/visit?case=${c.id}`);
  await fillVisit(page, '孩子手臂和后背有多处淤青，说是自己摔的。');
  // the page says at once which situation this may be and what the law asks
  const alert = page.locator('#work-visit-alert');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveAttribute('role', 'alert');
  await expect(alert).toContainText('第 4 种情形');
  await expect(alert).toContainText('第十一条');
  await expect(alert).toContainText('110');
  await expect(alert).toContainText('12345');
  await checkPage(page);
  await page.screenshot({ path: screenshotPath('work-director-visit-alert'), fullPage: true });

  // no box ticked: the server asks to tick the situation or confirm it is none
  const [resp] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '提交' }).click()]);
  expect(resp.status()).toBe(400);
  await expect(page.locator('#f-situations-err')).toContainText('淤青');
  await expect(page.locator('#f-situations-err')).toContainText('请勾选对应情形');
  await expect(page.getByLabel('确认不属于强制报告情形')).toBeVisible();
  await expect(page.locator('#f-findings')).toHaveValue('孩子手臂和后背有多处淤青，说是自己摔的。');
  await checkPage(page);

  await page.locator('#f-situation-abuse_injuries').check();
  await Promise.all([page.waitForURL((u) => u.pathname === '/work/log/report' && u.searchParams.has('visit')), page.getByRole('button', { name: '提交' }).click()]);
  const visitId = new URL(page.url()).searchParams.get('visit')!;
  const flag = page.locator('#report-flag');
  await expect(flag).toContainText('请立即报告');
  await expect(flag).toContainText(c.code);
  await expect(flag).toContainText('身体存在多处损伤');
  await expect(flag).toContainText('记录期限');
  await expect(page.locator('#f-situation-abuse_injuries')).toBeChecked();
  await expect(page.locator('input[name="visitId"]')).toHaveValue(visitId);
  await checkPage(page);
  await page.screenshot({ path: screenshotPath('work-director-report'), fullPage: true });

  // until the report is recorded, /work lists the visit with a strong link
  await page.goto('/work');
  const item = page.locator(`#unreported li[data-entry-id="${visitId}"]`);
  await expect(item).toContainText(c.code);
  await item.getByRole('link', { name: '立即记录报告' }).click();
  expect(pathOf(page)).toBe('/work/log/report');
  await page.locator('input[name="reportedTo"][value="police"]').check();
  await page.locator('#f-receipt').fill('JJ-2026-001');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'report'), page.getByRole('button', { name: '提交' }).click()]);
  await expect(page.locator('#work-saved')).toContainText('已保存强制报告记录');
  await expect(page.locator(`#unreported li[data-entry-id="${visitId}"]`)).toHaveCount(0);

  // the visit's page links to its report; the report form for it now says it is done
  await page.goto(`/work/entries/${visitId}`);
  await expect(page.locator('.work-details')).toContainText('对应的报告记录');
  await page.goto(`/work/log/report?visit=${visitId}`);
  await expect(page.locator('main')).toContainText('这次走访已有报告记录');
});

test('the same visit form sent twice is recorded once', async ({ page }) => {
  await signIn(page, DIRECTOR);
  const c = await createCase(page, { category: 'orphan', guardian: 'relatives', risk: 'low', openedOn: chinaDay(-10) });
  await page.goto(`/work/log/visit?case=${c.id}`);
  const clientId = await page.locator('input[name="clientId"]').inputValue();
  expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
  await fillVisit(page, '电话随访，孩子情况稳定。');
  await page.locator('input[name="mode"][value="phone"]').check();
  // a failed attempt keeps the clientId, so the retry is the same entry
  await page.locator('#f-day').fill('');
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '提交' }).click()]);
  await expect(page.locator('#f-day-err')).toBeVisible();
  await expect(page.locator('input[name="clientId"]')).toHaveValue(clientId);
  await page.locator('#f-day').fill(chinaDay(0));
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'visit'), page.getByRole('button', { name: '提交' }).click()]);

  // the same form again (a retry on a weak network)
  const origin = new URL(page.url()).origin;
  const again = await page.request.post('/work/log/visit', {
    form: { clientId, caseId: String(c.id), day: chinaDay(0), mode: 'phone', findings: '电话随访，孩子情况稳定。', guardianshipAdequate: 'yes', followUp: 'no', followUpNote: '' },
    headers: { Origin: origin },
    maxRedirects: 0,
  });
  expect(again.status()).toBe(303);
  const location = again.headers()['location']!;
  expect(location).toContain('saved=visit');
  expect(location).toContain('dup=1');
  await page.goto(location);
  await expect(page.locator('#work-saved')).toContainText('重复提交，未重复记录');

  await page.goto(`/work/cases/${c.id}`);
  await expect(page.locator('.work-entries li')).toHaveCount(1);
});

test('a case is edited (its interval follows the new risk) and closed', async ({ page }) => {
  await signIn(page, DIRECTOR);
  // a high-risk case opened 10 days ago and never visited is 3 days overdue
  const late = await createCase(page, { category: 'unsupported', guardian: 'none', risk: 'high', openedOn: chinaDay(-10) });
  await page.goto('/work');
  await expect(page.locator(`#due-list li[data-case-id="${late.id}"]`)).toContainText('逾期 3 天');
  await page.goto('/learn');
  await expect(page.locator('#work-summary .overdue-text', { hasText: '逾期未走访' })).toBeVisible();

  const c = await createCase(page, { category: 'difficult', guardian: 'single_parent', risk: 'low', openedOn: chinaDay(-2) });
  await expect(page.locator('#case-details')).toContainText('每 30 天至少走访 1 次');
  await page.locator('summary', { hasText: '修改个案信息' }).click();
  await page.locator('input[name="risk"][value="high"]').check();
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'case_updated'), page.getByRole('button', { name: '保存' }).click()]);
  await expect(page.locator('#case-details')).toContainText('每 7 天至少走访 1 次');
  // the new interval runs from the day of the change
  await expect(page.locator('#case-next-due')).toContainText(chinaDay(7));

  await page.locator('summary', { hasText: '结案' }).click();
  // a reason is required
  const [bad] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: '确认结案' }).click()]);
  expect(bad.status()).toBe(400);
  await expect(page.locator('#f-closeReason-err')).toContainText('结案原因');
  await checkPage(page);
  await page.locator('#f-closeReason').selectOption('moved');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('saved') === 'case_closed'), page.getByRole('button', { name: '确认结案' }).click()]);
  await expect(page.locator('#case-details')).toContainText('已结案');
  await expect(page.getByRole('link', { name: '记录走访' })).toHaveCount(0);
  await page.goto('/work/cases?status=closed');
  await expect(page.locator(`#case-list li[data-case-id="${c.id}"]`)).toContainText('迁出本村');
  await page.goto(`/work/log/visit?case=${c.id}`);
  await expect(page.locator('#f-caseId')).toHaveValue('');
});

test('unknown log types and other villages’ cases and entries are not found', async ({ page, browser }) => {
  // a director of another county makes a case and an entry
  const other = await browser.newContext();
  const op = await other.newPage();
  await signIn(op, ACCOUNTS.jianglingDirector.phone);
  const foreign = await createCase(op, { category: 'other', guardian: 'parents', risk: 'low', openedOn: chinaDay(-1) });
  await op.goto(`/work/log/info_update?case=${foreign.id}`);
  await op.locator('#f-note').fill('系统信息已更新');
  await Promise.all([op.waitForURL((u) => u.searchParams.get('saved') === 'info_update'), op.getByRole('button', { name: '提交' }).click()]);
  const entryId = new URL(op.url()).searchParams.get('entry');
  expect(entryId).toMatch(/^\d+$/);
  await other.close();

  await signIn(page, DIRECTOR);
  for (const path of ['/work/log/nope', `/work/cases/${foreign.id}`, `/work/entries/${entryId}`, `/work/log/report?visit=${entryId}`]) {
    const r = await page.goto(path);
    expect(r?.status(), path).toBe(404);
  }
  // a foreign case id in ?case= is simply not preselected
  await page.goto(`/work/log/visit?case=${foreign.id}`);
  await expect(page.locator('#f-caseId')).toHaveValue('');
});
