import { test, expect, type Page } from '@playwright/test';
import { ACCOUNTS, signIn, signOut, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/** A phone no demo account uses, different on every run so a rerun against the same DB still works. */
function freshPhone(): string {
  return `188${String(Date.now() % 100_000_000).padStart(8, '0')}`;
}

/** A Chinese name without digits (the name rule allows only 汉字, letters and ·). */
function freshName(): string {
  const chars = '安柏春丹恩芳桂海慧佳静兰丽敏宁萍琴蓉淑婷文霞秀雪燕英玉云珍';
  let n = Date.now();
  let s = '测';
  for (let i = 0; i < 3; i++) {
    s += chars[n % chars.length];
    n = Math.floor(n / chars.length);
  }
  return s;
}

/** Follows the region picker one level down by clicking the named child link (opening the list if it is folded). */
async function pickChild(page: Page, name: string | RegExp): Promise<string> {
  const picker = page.locator('section[aria-labelledby="picker-h"]');
  const details = picker.locator('details');
  if (!(await details.evaluate((d: HTMLDetailsElement) => d.open))) await details.locator('summary').click();
  const link = details.locator('ul a', { hasText: name }).first();
  const text = (await link.textContent())!.trim();
  const pick = new URL((await link.getAttribute('href'))!, page.url()).searchParams.get('pick');
  expect(pick).toMatch(/^\d+$/);
  await Promise.all([page.waitForURL((u) => u.searchParams.get('pick') === pick), link.click()]);
  await expect(page.locator('#picked-region')).toContainText(text);
  return text;
}

async function openNewPersonAtVillage(page: Page): Promise<string> {
  await page.goto('/admin');
  await page.locator('main').getByRole('link', { name: '新建人员' }).click();
  await expect(page).toHaveURL(/\/admin\/users\/new/);
  await expect(page.locator('#picked-region')).toHaveText('湖北省');
  await pickChild(page, '十堰市');
  await pickChild(page, '竹山县');
  await pickChild(page, '城关镇');
  const village = await pickChild(page, /村|社区/);
  await expect(page.locator('#picked-region')).toContainText(`竹山县城关镇${village}`);
  await expect(page.locator('section[aria-labelledby="picker-h"]')).toContainText('村(社区)');
  return village;
}

test('the admin creates a person at a village; the person signs in with the temporary password and must change it', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin.phone);
  expect(pathOf(page)).toBe('/admin');
  const village = await openNewPersonAtVillage(page);

  const name = freshName();
  const phone = freshPhone();
  const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="name"]') });
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="phone"]').fill(phone);
  await form.locator('select[name="role"]').selectOption('director');
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('admin-new-person'), fullPage: true });
  await form.getByRole('button', { name: '创建' }).click();

  const temp = page.locator('#temp-password');
  await expect(temp).toBeVisible();
  const tempPassword = (await temp.textContent())!.trim();
  expect(tempPassword.length).toBeGreaterThanOrEqual(8);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('admin-created'), fullPage: true });

  // the person is in the list, phone masked, at that village
  await page.goto(`/people?q=${phone}`);
  const row = page.locator('main table tbody tr', { hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
  await expect(row).toContainText(village);
  await expect(row).toContainText('儿童主任');

  // the creation is in the audit log
  await page.goto('/admin/audit');
  await expect(page.locator('main')).toContainText('新建人员');
  await expect(page.locator('main')).toContainText(name);
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('admin-audit'), fullPage: true });

  await signOut(page);

  // first sign-in with the temporary password goes straight to /password …
  await signIn(page, phone, tempPassword);
  expect(pathOf(page)).toBe('/password');
  await expect(page.locator('main')).toContainText('临时密码');
  // … and nothing else opens until it is changed
  await page.goto('/learn');
  expect(pathOf(page)).toBe('/password');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('password-must-change'), fullPage: true });

  const newPassword = 'Xinmima2026';
  await page.locator('input[name="current"]').fill(tempPassword);
  await page.locator('input[name="next"]').fill(newPassword);
  await page.locator('input[name="confirm"]').fill(newPassword);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/password' && u.searchParams.get('done') === '1'),
    page.getByRole('button', { name: '保存新密码' }).click(),
  ]);
  await expect(page.getByRole('status').first()).toContainText('密码已修改');
  await page.goto('/learn');
  expect(pathOf(page)).toBe('/learn');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  await expect(page.locator('main')).toContainText(village);

  // the temporary password no longer works, the new one does
  await signOut(page);
  await page.goto('/login');
  await page.locator('input[name="phone"]').fill(phone);
  await page.locator('input[name="password"]').fill(tempPassword);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('手机号或密码错误');
  await signIn(page, phone, newPassword);
  expect(pathOf(page)).toBe('/learn');
});

test('invalid input on the new-person form names the field in Chinese and keeps what was typed', async ({ page }) => {
  await signIn(page, ACCOUNTS.admin.phone);
  await openNewPersonAtVillage(page);
  const name = freshName();
  const form = page.locator('form[method="post"]').filter({ has: page.locator('input[name="name"]') });
  await form.locator('input[name="name"]').fill(name);
  await form.locator('input[name="phone"]').fill('123');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    form.getByRole('button', { name: '创建' }).click(),
  ]);
  expect(response.status()).toBe(400);

  await expect(page.locator('#temp-password')).toHaveCount(0);
  await expect(page.getByRole('alert')).toContainText('请修改标红的项目');
  const phoneError = page.locator('#f-phone-err');
  await expect(phoneError).toContainText('手机号');
  await expect(phoneError).toContainText('11 位');
  await expect(page.locator('input[name="phone"]')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('input[name="phone"]')).toHaveValue('123');
  await expect(page.locator('input[name="name"]')).toHaveValue(name);
  // the chosen village is still chosen
  await expect(page.locator('#picked-region')).toContainText('竹山县城关镇');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('admin-new-person-invalid'), fullPage: true });

  // a phone that is already taken is named too, with what is wrong
  await page.locator('input[name="phone"]').fill(ACCOUNTS.director.phone);
  await form.getByRole('button', { name: '创建' }).click();
  await expect(page.locator('#f-phone-err')).toContainText('已被其他人员使用');
  await expect(page.locator('input[name="name"]')).toHaveValue(name);
});

test('the people list masks phone numbers', async ({ page }) => {
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  await page.goto('/people');
  const table = page.locator('main table');
  await expect(table).toBeVisible();
  await expect(table).toContainText(/1\d\d\*\*\*\*\d{4}/);
  expect(await table.textContent()).not.toMatch(/1\d{10}/);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('people-list'), fullPage: true });
});
