import { test, expect, type Browser, type Page } from '@playwright/test';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * The whole loop on phone screens, through the pages only: the demo director logs a visit and a 宣讲
 * session; the demo supervisor verifies the one and returns the other with a comment; the director sees
 * the returned one with its comment, fixes it and sends it again; the supervisor verifies it.
 */
function chinaDay(n = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
}

async function as(browser: Browser, phone: string): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, phone);
  return page;
}

test('director logs, supervisor verifies one and returns one, director fixes the returned one', async ({ browser }) => {
  const director = await as(browser, ACCOUNTS.director.phone);
  const code = `FLOW-${Date.now().toString(36).toUpperCase()}`;

  // a case, then a visit to it
  await director.goto('/work/cases/new');
  await director.locator('#f-code').fill(code);
  await director.locator('#f-category').selectOption('difficult');
  await director.locator('#f-guardianSituation').selectOption('relatives');
  await director.locator('input[name="risk"][value="low"]').check();
  await director.locator('#f-openedOn').fill(chinaDay(-20));
  await Promise.all([director.waitForURL(/\/work\/cases\/\d+/), director.getByRole('button', { name: '建立个案' }).click()]);
  const caseId = Number(/\/work\/cases\/(\d+)/.exec(director.url())![1]);

  await director.goto(`/work/log/visit?case=${caseId}`);
  await director.locator('#f-findings').fill('入户走访，孩子与叔叔婶婶同住，饮食起居正常，已提醒按时复诊。');
  await director.locator('input[name="guardianshipAdequate"][value="yes"]').check();
  await director.locator('input[name="followUp"][value="no"]').check();
  await Promise.all([director.waitForURL((u) => u.searchParams.get('saved') === 'visit'), director.getByRole('button', { name: '提交' }).click()]);
  const visitId = new URL(director.url()).searchParams.get('entry')!;

  await director.goto('/work/log/outreach');
  const topic = `监护责任宣讲${Date.now() % 100000}`;
  await director.locator('#f-place').fill('村文化广场');
  await director.locator('#f-topic').fill(topic);
  await director.locator('#f-attendance').fill('28');
  await Promise.all([director.waitForURL((u) => u.searchParams.get('saved') === 'outreach'), director.getByRole('button', { name: '提交' }).click()]);
  const outreachId = new URL(director.url()).searchParams.get('entry')!;
  await expect(director.locator(`.work-entries li[data-entry-id="${visitId}"]`)).toContainText('待核实');
  await expect(director.locator(`.work-entries li[data-entry-id="${outreachId}"]`)).toContainText('待核实');

  // the supervisor of the township verifies the visit and returns the session
  const supervisor = await as(browser, ACCOUNTS.supervisor.phone);
  await supervisor.goto('/supervise/entries');
  await supervisor.locator(`#pick-${visitId}`).check();
  await Promise.all([supervisor.waitForURL(/done=verified/), supervisor.getByRole('button', { name: '核实所选' }).click()]);
  await supervisor.goto(`/supervise/entries/${outreachId}`);
  await expect(supervisor.locator('main')).toContainText(topic);
  const comment = '请补充宣讲的主要内容和发放材料数量。';
  await supervisor.locator('#f-comment').fill(comment);
  await Promise.all([supervisor.waitForURL(/done=returned/), supervisor.getByRole('button', { name: '退回' }).click()]);

  // the director sees which came back and why
  await director.goto('/work');
  const returned = director.locator(`#returned-list li[data-entry-id="${outreachId}"]`);
  await expect(returned).toContainText(comment);
  await expect(director.locator(`.work-entries li[data-entry-id="${visitId}"]`)).toContainText('已核实');
  await expectNoSeriousA11yViolations(director);
  await expectNoHorizontalScroll(director);
  await director.screenshot({ path: screenshotPath('flow-director-returned'), fullPage: true });

  await returned.getByRole('link').click();
  await expect(director.locator('main')).toContainText(comment);
  await director.locator('#f-topic').fill(`${topic}（含发放宣传册 40 份）`);
  await Promise.all([director.waitForURL((u) => u.searchParams.get('saved') === 'amended'), director.getByRole('button', { name: '修改并重新提交' }).click()]);
  await expect(director.locator(`#returned-list li[data-entry-id="${outreachId}"]`)).toHaveCount(0);

  // back in the queue as a second submission; verified this time
  await supervisor.goto(`/supervise/entries/${outreachId}`);
  await expect(supervisor.locator('#entry-revision')).toHaveText('第2次提交');
  await Promise.all([supervisor.waitForURL(/done=verified/), supervisor.getByRole('button', { name: '核实', exact: true }).click()]);
  await director.goto(`/work/entries/${outreachId}`);
  await expect(director.locator('.work-details')).toContainText('已核实');
});
