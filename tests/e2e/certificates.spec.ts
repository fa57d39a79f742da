import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNTS, signIn, signOut, bank, answerAll, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Issue 5's journey: the demo director (newly appointed, 待上岗, three of the four onboarding courses done)
 * finishes the onboarding curriculum — lessons, the H5P scenario, the quiz — and is in post; her
 * certificate is issued, downloads as a PDF whose text holds her name, the curriculum and the serial; the
 * public verify page says valid; after the county official revokes it, the page says revoked.
 */
test('onboarding completes, the certificate downloads, verifies, and shows revoked after revocation', async ({ browser }) => {
  test.setTimeout(180_000);
  // supervisors and officials see who is still 待上岗
  const supCtx = await browser.newContext();
  const sup = await supCtx.newPage();
  await signIn(sup, ACCOUNTS.supervisor.phone);
  await expect(sup.locator('section[aria-labelledby="pending-h"]')).toContainText(ACCOUNTS.director.name);
  await supCtx.close();

  const ctx = await browser.newContext({ acceptDownloads: true });
  const page = await ctx.newPage();
  await signIn(page, ACCOUNTS.director.phone);
  await expect(page.locator('main')).toContainText('待上岗');
  const onboarding = page.locator('section.card', { hasText: '新任儿童主任入职培训' });
  await expect(onboarding).toContainText('上岗必修');
  await expect(onboarding.locator('.progress')).toContainText('3/4');

  // 监护指导与委托照护: lesson 1 by confirming, lesson 2 by playing its scenario, lessons 3–5 by confirming
  await page.goto('/learn/courses/guardianship-entrusted-care');
  await page.getByRole('link', { name: '开始学习' }).click();
  await Promise.all([page.waitForURL(/02-choosing-a-carer/), page.locator('#complete-lesson').click()]);
  await page.locator('iframe.h5p-frame').scrollIntoViewIfNeeded();
  const frame = page.frameLocator('iframe.h5p-frame');
  await frame.getByRole('button', { name: '开始' }).click();
  await frame.getByRole('button', { name: /人由父母来选/ }).click();
  await frame.getByRole('button', { name: /不能。他有酗酒/ }).click();
  await frame.getByRole('button', { name: /单独问问小军/ }).click();
  await frame.getByRole('button', { name: /签书面委托照护协议/ }).click();
  await expect(page.locator('.h5p-status')).toHaveText('本课已完成，进度已保存。');
  await page.locator('.h5p-next a').click();
  for (let i = 0; i < 3; i++) await Promise.all([page.waitForURL(/guardianship-entrusted-care/), page.locator('#complete-lesson').click()]);

  // the course quiz, answered as someone who studied
  await page.goto('/learn/courses/guardianship-entrusted-care');
  await Promise.all([page.waitForURL(/\/learn\/attempts\/\d+$/), page.locator('#start-quiz').click()]);
  await answerAll(page, bank('guardianship-entrusted-care'), true);
  await Promise.all([page.waitForURL(/result$/), page.locator('#submit-attempt').click()]);
  await expect(page.locator('#result-summary')).toContainText('通过');

  // in post now, with a certificate
  await page.goto('/learn');
  await expect(page.locator('main')).not.toContainText('待上岗：');
  await page.goto('/learn/certificates');
  const item = page.locator('#my-certificates li', { hasText: '新任儿童主任入职培训' });
  await expect(item).toContainText('有效');
  const serial = (await item.locator('.small').innerText()).split('·')[0]!.trim();
  expect(serial).toMatch(/^鄂童护〔\d{4}〕\d{6}号$/);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);

  // the PDF: download, render with pdftoppm, read with pdftotext
  const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: '下载证书（PDF）' }).click()]);
  const dir = mkdtempSync(join(tmpdir(), 'tonghu-cert-'));
  const pdf = join(dir, 'cert.pdf');
  await download.saveAs(pdf);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  expect(text).toContain(ACCOUNTS.director.name);
  expect(text).toContain('新任儿童主任入职培训');
  expect(text.replace(/\s/g, '')).toContain(serial);
  execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdf, join(dir, 'page')]);
  expect(existsSync(join(dir, 'page.png'))).toBe(true);
  writeFileSync(screenshotPath('certificate-pdf'), execFileSync('cat', [join(dir, 'page.png')]));

  // the public verification page (no sign-in) says valid and shows only the masked name
  const verifyHref = (await item.getByRole('link', { name: '核验页面' }).getAttribute('href'))!;
  const anon = await browser.newContext();
  const pub = await anon.newPage();
  const res = await pub.goto(verifyHref);
  expect(res?.status()).toBe(200);
  await expect(pub.locator('#verify-result')).toContainText('有效');
  await expect(pub.locator('#verify-result')).toContainText('李**');
  await expect(pub.locator('#verify-result')).not.toContainText(ACCOUNTS.director.name);
  await pub.screenshot({ path: screenshotPath('verify-valid') });
  expect((await pub.goto('/verify/aaaaaaaaaaaaaaaa'))?.status()).toBe(404);
  await expect(pub.locator('#verify-result')).toContainText('没有找到');

  // the 竹山县 official revokes it with a reason
  await signOut(page);
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  await page.goto(`/review/certificates?q=${encodeURIComponent(serial)}`);
  await page.locator('#certificates a').first().click();
  await page.locator('#revoke').click();
  await expect(page.locator('.field-error')).toContainText('撤销原因');
  await page.locator('#f-reason').fill('培训记录核对有误，撤销后重新颁发');
  await Promise.all([page.waitForURL(/\/review\/certificates\/\d+$/), page.locator('#revoke').click()]);
  await expect(page.locator('#cert-status')).toContainText('已撤销');
  const certUrl = new URL(page.url()).pathname;

  await pub.goto(verifyHref);
  await expect(pub.locator('#verify-result')).toContainText('已撤销');
  // the 江陵县 official cannot see it
  await signOut(page);
  await signIn(page, ACCOUNTS.jianglingOfficial.phone);
  expect((await page.goto(certUrl))?.status()).toBe(404);
  await Promise.all([ctx.close(), anon.close()]);
});
