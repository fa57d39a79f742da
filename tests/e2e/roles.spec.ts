import { test, expect } from '@playwright/test';
import {
  ACCOUNTS,
  signIn,
  signOut,
  pathOf,
  expectNoSeriousA11yViolations,
  expectNoHorizontalScroll,
  screenshotPath,
} from './helpers';

test.describe('each demo role signs in and lands on its own home', () => {
  for (const acc of Object.values(ACCOUNTS)) {
    test(`${acc.key} (${acc.phone}) → ${acc.home}`, async ({ page }) => {
      await signIn(page, acc.phone);
      expect(pathOf(page)).toBe(acc.home);
      await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');

      // the home shows who is signed in, as what, and where
      const main = page.locator('main');
      await expect(page.getByRole('heading', { level: 1 })).toContainText(acc.name);
      await expect(main).toContainText(`当前身份：${acc.roleText}`);
      await expect(main).toContainText('管辖范围');
      await expect(main).toContainText(acc.region);
      await expect(page.locator('header')).toContainText(`${acc.name} · ${acc.roleText}`);
      await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();

      await expectNoSeriousA11yViolations(page);
      await expectNoHorizontalScroll(page);
      await page.screenshot({ path: screenshotPath(acc.key), fullPage: true });
    });
  }
});

test('a signed-out visitor is sent to /login and comes back to the page asked for', async ({ page }) => {
  await page.goto('/people?q=abc');
  expect(pathOf(page)).toBe('/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe('/people?q=abc');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('login'), fullPage: true });

  await page.locator('input[name="phone"]').fill(ACCOUNTS.zhushanOfficial.phone);
  await page.locator('input[name="password"]').fill('Tonghu#2026');
  await Promise.all([page.waitForURL((u) => u.pathname === '/people'), page.getByRole('button', { name: '登录', exact: true }).click()]);
  await expect(page.locator('#q')).toHaveValue('abc');
});

test('a wrong password is refused with a message that does not reveal whether the phone exists', async ({ page }) => {
  await page.goto('/login');
  await page.locator('input[name="phone"]').fill(ACCOUNTS.caregiver.phone);
  await page.locator('input[name="password"]').fill('not-the-password-1');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
    page.getByRole('button', { name: '登录', exact: true }).click(),
  ]);
  expect(response.status()).toBe(401);
  await expect(page.getByRole('alert')).toContainText('手机号或密码错误');
  expect(pathOf(page)).toBe('/login');
  // the phone stays in the form, the password does not
  await expect(page.locator('input[name="phone"]')).toHaveValue(ACCOUNTS.caregiver.phone);
  await expect(page.locator('input[name="password"]')).toHaveValue('');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('login-wrong-password'), fullPage: true });

  // an unknown phone gets exactly the same message
  await page.locator('input[name="phone"]').fill('13811112222');
  await page.locator('input[name="password"]').fill('not-the-password-1');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('手机号或密码错误');
});

test('sign-out returns to /login and the session is gone', async ({ page }) => {
  await signIn(page, ACCOUNTS.supervisor.phone);
  expect(pathOf(page)).toBe('/supervise');
  await signOut(page);
  expect(pathOf(page)).toBe('/login');
  await expect(page.locator('input[name="phone"]')).toBeVisible();
  await page.goto('/supervise');
  expect(pathOf(page)).toBe('/login');
});

test.describe('a director cannot open other roles\' areas', () => {
  for (const path of ['/review', '/admin', '/admin/users/new', '/admin/audit', '/people', '/supervise', '/train']) {
    test(`director → ${path} is 403 with no data`, async ({ page }) => {
      await signIn(page, ACCOUNTS.director.phone);
      const response = await page.goto(path);
      expect(response?.status()).toBe(403);
      expect(pathOf(page)).toBe(path);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('无权访问');
      const main = page.locator('main');
      // nothing of the protected pages leaks: no staffing figures, no people, no masked phones, no forms
      await expect(main).not.toContainText('队伍配备');
      await expect(main).not.toContainText('儿童督导员');
      await expect(main).not.toContainText('139****');
      await expect(main.locator('table')).toHaveCount(0);
      await expect(main.locator('form')).toHaveCount(0);
      if (path === '/review') {
        await expectNoSeriousA11yViolations(page);
        await page.screenshot({ path: screenshotPath('forbidden'), fullPage: true });
      }
    });
  }
});

test('jurisdiction: a 竹山县 official gets 404 for a 江陵县 person, the 江陵县 official sees them', async ({ browser }) => {
  // find the 江陵县 director's id as the province official, through the people search
  const provinceContext = await browser.newContext();
  const province = await provinceContext.newPage();
  await signIn(province, ACCOUNTS.provinceOfficial.phone);
  await province.goto(`/people?q=${ACCOUNTS.jianglingDirector.phone}`);
  const link = province.locator('main table a', { hasText: ACCOUNTS.jianglingDirector.name });
  await expect(link).toHaveCount(1);
  const href = await link.getAttribute('href');
  expect(href).toMatch(/^\/people\/\d+$/);
  await expect(province.locator('main table')).toContainText('139****0007');
  await expect(province.locator('main table')).not.toContainText(ACCOUNTS.jianglingDirector.phone);
  await provinceContext.close();

  const zhushanContext = await browser.newContext();
  const zhushan = await zhushanContext.newPage();
  await signIn(zhushan, ACCOUNTS.zhushanOfficial.phone);
  const denied = await zhushan.goto(href!);
  expect(denied?.status()).toBe(404);
  await expect(zhushan.locator('main')).not.toContainText(ACCOUNTS.jianglingDirector.name);
  await expect(zhushan.locator('main')).not.toContainText('0007');
  await expect(zhushan.locator('main')).not.toContainText('江陵县');
  // and the 竹山县 list does not show them either
  await zhushan.goto(`/people?q=${ACCOUNTS.jianglingDirector.phone}`);
  await expect(zhushan.locator('main')).toContainText('没有符合条件的人员');
  await zhushanContext.close();

  const jianglingContext = await browser.newContext();
  const jiangling = await jianglingContext.newPage();
  await signIn(jiangling, ACCOUNTS.jianglingOfficial.phone);
  const allowed = await jiangling.goto(href!);
  expect(allowed?.status()).toBe(200);
  await expect(jiangling.getByRole('heading', { level: 1 })).toContainText(ACCOUNTS.jianglingDirector.name);
  await expect(jiangling.locator('main')).toContainText('139****0007');
  await expect(jiangling.locator('main')).toContainText('江陵县');
  await expectNoSeriousA11yViolations(jiangling);
  await jiangling.screenshot({ path: screenshotPath('person-detail'), fullPage: true });
  await jianglingContext.close();
});

test('the trainer switches to the director role and back', async ({ page }) => {
  await signIn(page, ACCOUNTS.trainer.phone);
  expect(pathOf(page)).toBe('/train');
  const select = page.locator('select[name="assignmentId"]');
  await expect(select.locator('option')).toHaveCount(2);
  const switchButton = page.locator('form[action="/switch-role"] button[type="submit"]');

  const directorOption = select.locator('option', { hasText: '儿童主任' });
  await select.selectOption((await directorOption.getAttribute('value'))!);
  await Promise.all([page.waitForURL((u) => u.pathname === '/learn'), switchButton.click()]);
  await expect(page.locator('main')).toContainText('当前身份：儿童主任');
  await expect(page.locator('header')).toContainText(`${ACCOUNTS.trainer.name} · 儿童主任`);
  // as a director the trainer's area is closed
  expect((await page.goto('/train'))?.status()).toBe(403);
  await page.goto('/learn');

  const trainerOption = select.locator('option', { hasText: '县级培训师' });
  await select.selectOption((await trainerOption.getAttribute('value'))!);
  await Promise.all([page.waitForURL((u) => u.pathname === '/train'), switchButton.click()]);
  await expect(page.locator('main')).toContainText('当前身份：县级培训师');
  await expect(page.locator('header')).toContainText(`${ACCOUNTS.trainer.name} · 县级培训师`);
});

test('a cross-origin POST to /login is refused with 403', async ({ request }) => {
  const response = await request.post('/login', {
    headers: { Origin: 'http://evil.example' },
    form: { phone: ACCOUNTS.admin.phone, password: 'Tonghu#2026' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
  expect(response.headers()['set-cookie'] ?? '').not.toMatch(/session/i);

  // and without any Origin or Referer at all
  const bare = await request.post('/login', {
    headers: { Origin: '' },
    form: { phone: ACCOUNTS.admin.phone, password: 'Tonghu#2026' },
    maxRedirects: 0,
  });
  expect(bare.status()).toBe(403);

  // while the same request from the site itself succeeds
  const same = await request.post('/login', {
    headers: { Origin: `http://127.0.0.1:${process.env.E2E_PORT ?? 4399}` },
    form: { phone: ACCOUNTS.caregiver.phone, password: 'Tonghu#2026' },
    maxRedirects: 0,
  });
  expect(same.status()).toBe(303);
  expect(same.headers()['location']).toBe('/learn');
});

test('the language switch turns the interface into English and back', async ({ page }) => {
  await signIn(page, ACCOUNTS.supervisor.phone);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/supervise'),
    page.locator('header').getByRole('link', { name: 'English' }).click(),
  ]);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('button', { name: /sign out/i })).toBeVisible();
  await expect(page.locator('main')).toContainText('Acting as: Child-welfare supervisor');
  await expect(page.locator('main')).not.toContainText('当前身份');
  await expect(page.locator('header')).toContainText(ACCOUNTS.supervisor.name);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('supervisor-en'), fullPage: true });

  // back to Chinese through the same header link
  const back = page.locator('header a[href^="/lang/zh-CN"]');
  await Promise.all([page.waitForURL((u) => u.pathname === '/supervise'), back.click()]);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();
});

test('/healthz answers ok', async ({ request }) => {
  const r = await request.get('/healthz');
  expect(r.status()).toBe(200);
  expect(await r.json()).toEqual({ status: 'ok', db: 'ok' });
});
