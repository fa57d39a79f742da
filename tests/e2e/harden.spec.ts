import { test, expect, request as apiRequest, type APIRequestContext } from '@playwright/test';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Database from 'better-sqlite3';
import { stateChangingRoutes } from './routes';
import { ACCOUNTS, DEMO_PASSWORD, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Sign-in attacks and cross-site requests against the built server (issue: prove it holds). The list of
 * state-changing routes is read from src/pages, so a new route is covered without editing this file.
 */
const BASE = `http://127.0.0.1:${Number(process.env.E2E_PORT ?? 4399)}`;
const EVIL = 'https://evil.example';

// derived from src/pages (tests/e2e/routes.ts), shared with hostile.spec.ts
export { stateChangingRoutes };

async function signedIn(phone: string, userAgent?: string): Promise<APIRequestContext> {
  const ctx = await apiRequest.newContext({ baseURL: BASE, extraHTTPHeaders: userAgent ? { 'User-Agent': userAgent } : {} });
  const r = await ctx.post('/login', { form: { phone, password: DEMO_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 });
  expect(r.status(), `sign-in of ${phone}`).toBe(303);
  return ctx;
}

async function cookieOf(ctx: APIRequestContext): Promise<string> {
  return (await ctx.storageState()).cookies.find((c) => c.name === 'tonghu_session')!.value;
}

function db(): Database.Database {
  return new Database('tmp/e2e/tonghu.db', { readonly: true, fileMustExist: true });
}

/** Village directors of the demo seed (13700…), one per test, so no two tests share an account. */
function demoDirectors(n: number, skip: number): string[] {
  const d = db();
  const rows = d.prepare("select phone from users where phone like '13700%' order by phone limit ? offset ?").all(n, skip) as { phone: string }[];
  d.close();
  return rows.map((r) => r.phone);
}

/** Clears this machine's address from the sign-in throttle, so the browser tests running beside these are not locked out. */
function clearThrottle(keys: string[]) {
  const d = new Database('tmp/e2e/tonghu.db');
  d.pragma('busy_timeout = 15000');
  const del = d.prepare('delete from auth_throttle where key = ?');
  for (const k of keys) del.run(k);
  d.close();
}

test('every state-changing route refuses a cross-site request, even from a signed-in administrator', async () => {
  const routes = stateChangingRoutes();
  // the list is derived, not typed: it must find the routes we know of
  const paths = routes.map((r) => r.path);
  for (const known of ['/login', '/logout', '/password', '/account', '/api/attempts/1/answer', '/api/xapi', '/work/log/1', '/admin/users/1', '/train/h5p']) expect(paths).toContain(known);
  expect(routes.length).toBeGreaterThan(25);

  const admin = await signedIn(ACCOUNTS.admin.phone);
  const variants: { name: string; headers: Record<string, string> }[] = [
    { name: 'Origin of another site', headers: { Origin: EVIL } },
    { name: 'Origin null (sandboxed frame, file://)', headers: { Origin: 'null' } },
    { name: 'Referer of another site, no Origin', headers: { Referer: `${EVIL}/page` } },
    { name: 'neither Origin nor Referer', headers: {} },
    { name: 'look-alike host', headers: { Origin: `${BASE}.evil.example` } },
  ];
  const failures: string[] = [];
  for (const r of routes) {
    for (const method of r.methods) {
      for (const v of variants) {
        const res = await admin.fetch(r.path, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...v.headers }, data: 'phone=13900000000&password=x&_action=deactivate', maxRedirects: 0 });
        if (res.status() !== 403) failures.push(`${method} ${r.path} (${r.file}) with ${v.name}: ${res.status()}`);
      }
    }
  }
  expect(failures).toEqual([]);
  // nothing happened: the administrator is still signed in (POST /logout was refused) and active
  expect((await admin.get('/admin', { maxRedirects: 0 })).status()).toBe(200);
  // and the same request from the site itself is not refused (the check can tell the difference)
  expect((await admin.post('/logout', { headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
  await admin.dispose();
});

test('brute force: locked after the fifth failure, and an unknown phone gets the very same answers', async () => {
  const [known] = demoDirectors(1, 0);
  const unknown = '13811119999';
  const ctx = await apiRequest.newContext({ baseURL: BASE });
  const answers: Record<string, { status: number; text: string }[]> = { [known!]: [], [unknown]: [] };
  try {
    for (const phone of [known!, unknown]) {
      for (let i = 0; i < 6; i++) {
        const r = await ctx.post('/login', { form: { phone, password: `Wrong#${i}x` }, headers: { Origin: BASE }, maxRedirects: 0 });
        const alert = /role="alert">([^<]*)</.exec(await r.text())?.[1] ?? '';
        answers[phone]!.push({ status: r.status(), text: alert.replace(/\d{1,2}:\d{2}/g, 'HH:MM') });
      }
    }
    expect(answers[known!]!.map((a) => a.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(answers[unknown]).toEqual(answers[known!]);
    expect(answers[known!]![4]!.text).toMatch(/锁定|稍后/);
    // the right password during the lock is refused too
    const r = await ctx.post('/login', { form: { phone: known!, password: DEMO_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 });
    expect(r.status()).toBe(429);
  } finally {
    clearThrottle([`ip:127.0.0.1`, `ip:::ffff:127.0.0.1`, `phone:${known}`, `phone:${unknown}`]);
    await ctx.dispose();
  }
});

test('session fixation: a token chosen or planted before sign-in is never the session afterwards', async () => {
  const [a, b] = demoDirectors(2, 10);
  // a token the attacker made up: the server issues its own
  const chosen = 'a'.repeat(32);
  const ctx = await apiRequest.newContext({ baseURL: BASE, storageState: { cookies: [{ name: 'tonghu_session', value: chosen, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' }], origins: [] } });
  expect((await ctx.post('/login', { form: { phone: a!, password: DEMO_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
  expect(await cookieOf(ctx)).not.toBe(chosen);
  // the attacker's own valid session planted in the victim's browser ends when the victim signs in
  const attacker = await signedIn(a!);
  const planted = await cookieOf(attacker);
  const victim = await apiRequest.newContext({ baseURL: BASE, storageState: { cookies: [{ name: 'tonghu_session', value: planted, domain: '127.0.0.1', path: '/', expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' }], origins: [] } });
  expect((await victim.post('/login', { form: { phone: b!, password: DEMO_PASSWORD }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(303);
  expect(await cookieOf(victim)).not.toBe(planted);
  const res = await attacker.get('/learn', { maxRedirects: 0 });
  expect(res.status()).toBe(303);
  expect(res.headers()['location']).toMatch(/^\/login/);
  for (const c of [ctx, attacker, victim]) await c.dispose();
});

test('a stolen session cookie stops working when the password is changed', async () => {
  const [phone] = demoDirectors(1, 20);
  const owner = await signedIn(phone!);
  const thief = await apiRequest.newContext({ baseURL: BASE, storageState: await owner.storageState() });
  expect((await thief.get('/learn', { maxRedirects: 0 })).status()).toBe(200);
  const r = await owner.post('/password', { form: { current: DEMO_PASSWORD, next: 'Changed#2026x', confirm: 'Changed#2026x' }, headers: { Origin: BASE }, maxRedirects: 0 });
  expect(r.status()).toBe(303);
  const after = await thief.get('/learn', { maxRedirects: 0 });
  expect(after.status()).toBe(303);
  expect(after.headers()['location']).toMatch(/^\/login/);
  expect((await thief.post('/work/log/visit', { form: { caseId: '1' }, headers: { Origin: BASE }, maxRedirects: 0 })).status()).toBe(401);
  // the owner's device got a fresh session and sees the change in the sign-in history
  const account = await owner.get('/account');
  expect(account.status()).toBe(200);
  expect(await account.text()).toContain('本人修改密码');
  await owner.dispose();
  await thief.dispose();
});

test('a person sees their signed-in devices and signs one out; an administrator sees them too', async ({ page }) => {
  const [phone] = demoDirectors(1, 30);
  const other = await signedIn(phone!, 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36');
  await signIn(page, phone!);
  await page.goto('/account');
  await expect(page.locator('h1')).toHaveText('账号安全');
  await expect(page.locator('#sessions li')).toHaveCount(2);
  await expect(page.locator('#sessions li[data-session="other"]')).toContainText('Chrome 131 · Android');
  await expect(page.locator('#history')).toContainText('登录');
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('account-sessions'), fullPage: true });
  await page.locator('#sessions li[data-session="other"]').getByRole('button', { name: '退出此设备' }).click();
  await expect(page.locator('p.notice[role="status"]')).toContainText('已让该设备退出登录');
  await expect(page.locator('#sessions li')).toHaveCount(1);
  expect((await other.get('/learn', { maxRedirects: 0 })).status()).toBe(303);
  await expect(page.locator('#history')).toContainText('退出某台设备');

  // the administrator (province) finds the person's sessions and history on their page
  const d = db();
  const { id } = d.prepare('select id from users where phone = ?').get(phone) as { id: number };
  d.close();
  const admin = await signedIn(ACCOUNTS.admin.phone);
  const html = await (await admin.get(`/admin/users/${id}`)).text();
  expect(html).toContain('已登录的设备');
  expect(html).toContain('退出某台设备');
  await admin.dispose();
  await other.dispose();
});

test('officials browse and export the audit trail of their county only', async ({ page }) => {
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  await page.getByRole('link', { name: '操作日志' }).first().click();
  await expect(page.locator('h1')).toHaveText('操作日志');
  await expect(page.locator('main')).toContainText('第二十一条');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('audit-official'), fullPage: true });
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出 CSV（全部）' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toContain('序号,时间,操作人编号');
  // rows of 江陵县 (another county) never appear; phones in snapshots are masked
  const d = db();
  const jiangling = (d.prepare("select path from regions where code = '421024'").get() as { path: string }).path;
  d.close();
  expect(csv).not.toContain(jiangling);
  // a phone is 11 digits on its own (timestamps in snapshots have 13)
  expect(csv).not.toMatch(/(?<!\d)1[3-9]\d{9}(?!\d)/);
  const x = await page.request.get(`/admin/audit/export?format=xlsx&from=${today}&to=${today}`);
  expect(x.status()).toBe(200);
  expect(x.headers()['content-type']).toContain('spreadsheetml');
  // the export itself is in the trail
  await page.goto('/admin/audit?action=audit.export');
  await expect(page.locator('tbody tr').first()).toContainText('导出操作日志');
});

test('uploads: a 1 GB body and a chunked body are refused before being read; a renamed picture is not an H5P package', async ({ page }) => {
  const trainer = await signedIn(ACCOUNTS.trainer.phone);
  const cookie = `tonghu_session=${await cookieOf(trainer)}`;
  const raw = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${BASE}/train/h5p`, { method: 'POST', headers: { Origin: BASE, Cookie: cookie, 'Content-Type': 'multipart/form-data; boundary=x', ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // a first megabyte of the "1 GB": the answer must come without the rest
      req.write(Buffer.alloc(1024 * 1024, 0x41));
    });
  const started = Date.now();
  const big = await raw({ 'Content-Length': String(1024 ** 3) });
  expect(big.status).toBe(413);
  expect(big.body).toContain('超过此处允许的');
  expect(Date.now() - started).toBeLessThan(10_000);
  const chunked = await raw({ 'Transfer-Encoding': 'chunked' });
  expect(chunked.status).toBe(411);
  await trainer.dispose();

  await signIn(page, ACCOUNTS.trainer.phone);
  await page.goto('/train/h5p');
  // a PNG named .h5p (wrong type): refused with the reason, nothing stored
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
  await page.setInputFiles('input[name="file"]', { name: 'picture.h5p', mimeType: 'application/zip', buffer: png });
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/train/h5p') && r.request().method() === 'POST'), page.getByRole('button', { name: '上传并检查' }).click()]);
  await expect(page.locator('#upload-error')).toContainText('不是有效的 H5P 文件');
});
