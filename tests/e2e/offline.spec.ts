import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { openDb, type Db } from '../../db/client';
import { insertAssignment, insertUser } from '../../db/seed/factories';
import { attempts, lessonCompletions, roleAssignments, users, workEntries } from '../../db/schema/index';
import { hashPassword } from '../../src/lib/auth/password';
import { enrolNewMember } from '../../src/lib/learning/enrol';
import { ACCOUNTS, DEMO_PASSWORD, bank, answerAll, signIn, signOut, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Offline use on a phone (ADR 0016): with the network switched off (Playwright offline mode) a director
 * reads a lesson stored after one visit online, completes it, logs a visit and an outreach, takes a
 * practice quiz; when the network returns everything arrives exactly once. A batch whose answer is lost
 * is sent again, and the same batch replayed ten times writes nothing new. Each test signs in a fresh
 * director of the demo village of 江陵县 (other specs share the demo accounts).
 */
let db: Db;
let villageId: number;

test.beforeAll(() => {
  db = openDb('tmp/e2e/tonghu.db');
  const jl = db.select({ id: users.id }).from(users).where(eq(users.phone, ACCOUNTS.jianglingDirector.phone)).get()!;
  villageId = db.select().from(roleAssignments).where(and(eq(roleAssignments.userId, jl.id), eq(roleAssignments.role, 'director'))).get()!.regionId;
});
test.afterAll(() => db?.$client.close());

/** A new director with the onboarding courses assigned, as the people pages would make one. */
async function newDirector(): Promise<{ id: number; phone: string }> {
  const phone = `1390${String(Date.now() % 10_000_000).padStart(7, '0')}`;
  const id = insertUser(db, { phone, name: '离线测试', passwordHash: await hashPassword(DEMO_PASSWORD) });
  enrolNewMember(db, insertAssignment(db, id, 'director', villageId));
  return { id, phone };
}

/** Waits until the service worker controls the page and the background storing of this page is done. */
async function offlineReady(page: Page) {
  await page.waitForFunction(() => document.documentElement.dataset.offlineReady === '1', null, { timeout: 45_000 });
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

async function goOffline(context: BrowserContext, page: Page) {
  await context.setOffline(true);
  await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false);
}

function chinaDay(n = 0): string {
  return new Date(Date.now() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);
}

async function createCase(page: Page): Promise<number> {
  await page.goto('/work/cases/new');
  await page.locator('#f-code').fill(`OFF-${Date.now().toString(36).toUpperCase()}`);
  await page.locator('#f-category').selectOption('left_behind');
  await page.locator('#f-guardianSituation').selectOption('entrusted');
  await page.locator('input[name="risk"][value="medium"]').check();
  await page.locator('#f-openedOn').fill(chinaDay(-10));
  await Promise.all([page.waitForURL(/\/work\/cases\/\d+\?saved=case_created/), page.getByRole('button', { name: '建立个案' }).click()]);
  return Number(/\/work\/cases\/(\d+)/.exec(page.url())![1]);
}

async function logOutreach(page: Page, topic: string, day = chinaDay(0)) {
  await page.locator('#f-day').fill(day);
  await page.locator('#f-place').fill('村委会议室');
  await page.locator('#f-topic').fill(topic);
  await page.locator('#f-attendance').fill('24');
  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.locator('#outbox-queued')).toContainText('已存在手机上');
}

const status = (page: Page) => page.locator('#sync-status');

test('offline: a stored lesson is completed and a visit logged; back online both arrive exactly once', async ({ page, context }) => {
  const me = await newDirector();
  await signIn(page, me.phone);
  expect(new URL(page.url()).pathname).toBe('/learn');
  await offlineReady(page);
  const caseId = await createCase(page);
  // the log form, once online: kept for offline use
  await page.goto('/work/log/visit');
  await offlineReady(page);

  // a lesson of an assigned course, never opened: stored by the visit to /learn
  await page.goto('/learn');
  const slugs = JSON.parse((await page.locator('[data-offline-courses]').getAttribute('data-offline-courses'))!) as string[];
  expect(slugs.length).toBeGreaterThan(0);
  const lessonPath = await page.evaluate(async (slug) => {
    const res = await caches.match(`/learn/courses/${slug}`);
    const doc = new DOMParser().parseFromString(await res!.text(), 'text/html');
    return (JSON.parse(doc.querySelector('[data-offline-pages]')!.getAttribute('data-offline-pages')!) as string[])[1]!;
  }, slugs[0]!);

  await goOffline(context, page);
  await page.goto('/learn');
  await expect(page.locator('h2', { hasText: '分配给我的学习任务' })).toBeVisible();
  await page.goto(lessonPath);
  await expect(page.locator('#complete-lesson')).toBeVisible();
  await page.locator('#complete-lesson').click();
  await expect(page.locator('main .notice', { hasText: '已存在手机上' })).toBeVisible();
  await expect(status(page)).toContainText('1 条待同步');
  await expect(status(page)).toContainText('没有网络');

  await page.goto('/work/log/visit');
  await page.locator('#f-caseId').selectOption(String(caseId));
  await page.locator('#f-findings').fill('离线走访：祖母在家照护，孩子按时上学。');
  await page.locator('input[name="guardianshipAdequate"][value="yes"]').check();
  await page.locator('input[name="followUp"][value="no"]').check();
  await page.getByRole('button', { name: '提交' }).click();
  await expect(page.locator('#outbox-queued')).toContainText('已存在手机上');
  await expect(status(page)).toContainText('2 条待同步');
  await page.screenshot({ path: screenshotPath('offline-visit-queued') });
  await page.goto('/outbox');
  await expect(page.locator('#outbox li')).toHaveCount(2);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('offline-outbox') });

  await context.setOffline(false);
  await expect(status(page)).toBeHidden({ timeout: 20_000 });
  await expect(page.locator('.outbox-empty')).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const lessonRows = db.select().from(lessonCompletions).where(eq(lessonCompletions.userId, me.id)).all();
  expect(lessonRows).toHaveLength(1);
  expect(lessonRows[0]!.clientId).toMatch(/^lesson-/);
  const visits = db.select().from(workEntries).where(and(eq(workEntries.userId, me.id), eq(workEntries.type, 'visit'))).all();
  expect(visits).toHaveLength(1);
  expect(visits[0]).toMatchObject({ caseId, day: chinaDay(0), status: 'submitted' });
  // the lesson page, online again, says it was read
  await page.goto(lessonPath);
  await expect(page.locator('main')).toContainText('已学完');
});

test('a batch cut off mid-way is resent without loss; the same batch ten times adds nothing; a rejected entry is fixed and resent', async ({ page, context }) => {
  const me = await newDirector();
  await signIn(page, me.phone);
  await page.goto('/work/log/outreach');
  await offlineReady(page);
  await goOffline(context, page);
  await page.reload();
  const run = Date.now().toString(36);
  const topics = [1, 2, 3].map((i) => `防溺水宣传 ${run}-${i}`);
  for (const t of topics) await logOutreach(page, t);
  // a date in the future: the server returns it, naming the field
  await logOutreach(page, `未来日期 ${run}`, chinaDay(2));
  await expect(status(page)).toContainText('4 条待同步');

  // the first batch reaches the server, which records the first two items; the answer never reaches the phone
  let sent: unknown[] = [];
  let cut = true;
  let partial = 0;
  await context.route('**/api/sync', async (route) => {
    if (!cut) return route.continue();
    cut = false;
    sent = (route.request().postDataJSON() as { items: unknown[] }).items;
    partial = (await route.fetch({ postData: JSON.stringify({ items: sent.slice(0, 2) }) })).status();
    await route.abort('connectionreset');
  });
  await context.setOffline(false);
  await expect.poll(() => partial).toBe(200);
  expect(sent).toHaveLength(4);
  const ours = () => db.select({ topic: sql<string>`json_extract(${workEntries.data}, '$.topic')` }).from(workEntries).where(and(eq(workEntries.userId, me.id), eq(workEntries.type, 'outreach'))).all().map((r) => r.topic);
  expect(ours().sort()).toEqual(topics.slice(0, 2).sort());
  await expect(status(page)).toContainText('4 条待同步');

  // sent again: two duplicates, one new, one rejected with its reason
  await page.goto('/outbox');
  await page.getByRole('button', { name: '立即同步' }).click();
  await expect(status(page)).toContainText('1 条被退回');
  await expect(status(page)).not.toContainText('待同步');
  expect(ours().sort()).toEqual(topics.sort());
  const rejected = page.locator('#outbox li[data-status="rejected"]');
  await expect(rejected).toHaveCount(1);
  await expect(rejected.locator('.reason')).toHaveText('退回原因：日期：不能晚于今天。');
  await page.screenshot({ path: screenshotPath('offline-rejected') });
  await expectNoSeriousA11yViolations(page);

  // the same batch replayed ten times, as a phone that never heard back would: nothing new
  const origin = new URL(page.url()).origin;
  for (let i = 0; i < 10; i++) {
    const r = await page.request.post('/api/sync', { data: { items: sent }, headers: { Origin: origin } });
    expect(r.status()).toBe(200);
    const { results } = (await r.json()) as { results: { status: string }[] };
    expect(results.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'rejected']);
  }
  expect(ours()).toHaveLength(3);
  // another site may not post a batch
  const foreign = await page.request.post('/api/sync', { data: { items: sent }, headers: { Origin: 'https://evil.example' } });
  expect(foreign.status()).toBe(403);

  // fixed and resent under the same id
  await rejected.getByRole('link', { name: '修改后重发' }).click();
  await expect(page.locator('#outbox-editing')).toContainText('日期：不能晚于今天');
  await expect(page.locator('#f-topic')).toHaveValue(`未来日期 ${run}`);
  await page.locator('#f-day').fill(chinaDay(0));
  await Promise.all([page.waitForURL('**/outbox'), page.getByRole('button', { name: '提交' }).click()]);
  await expect(page.locator('.outbox-empty')).toBeVisible({ timeout: 20_000 });
  await expect(status(page)).toBeHidden();
  expect(ours()).toHaveLength(4);
  const fixed = db.select().from(workEntries).where(and(eq(workEntries.userId, me.id), like(workEntries.data, `%未来日期 ${run}%`))).get()!;
  expect(fixed.clientId).toBe((sent[3] as { id: string }).id);
});

test('a practice quiz answered offline is graded when it reaches the server; exams are refused offline; sign-out clears the phone', async ({ page, context }) => {
  const me = await newDirector();
  await signIn(page, me.phone);
  await offlineReady(page);
  // the first course of the onboarding curriculum, its lessons read online
  const slug = 'director-duties';
  await page.goto(`/learn/courses/${slug}`);
  await expect(page.locator('#offline')).toBeVisible();
  await expect(page.locator('#offline .offline-download')).toBeEnabled();
  await expect(page.locator('#offline .offline-download')).toHaveText(/下载离线学习（流量约 \d+ KB）|更新离线内容（流量约 \d+ KB）/);
  await expect(page.locator('#offline .offline-stored')).toContainText(/已存在手机上：\d+ 页|还没有存在手机上/);
  await page.locator('#offline .offline-download').click();
  await expect(page.locator('#offline .offline-stored')).toContainText(/下载完成：\d+ 页，占用 \d+ KB/);
  await page.locator('#offline').screenshot({ path: screenshotPath('offline-course-download') });

  await page.locator('#start-quiz').click();
  await page.waitForURL(/\/learn\/attempts\/\d+$/);
  const attemptId = Number(/attempts\/(\d+)/.exec(page.url())![1]);
  await goOffline(context, page);
  await answerAll(page, bank(slug), true);
  await page.locator('#submit-attempt').click();
  await expect(page.locator('#quiz-offline')).toContainText('答卷已存在手机上');
  await expect(status(page)).toContainText('1 条待同步');
  expect(db.select().from(attempts).where(eq(attempts.id, attemptId)).get()!.submittedAt).toBeNull();
  await context.setOffline(false);
  await expect(status(page)).toBeHidden({ timeout: 20_000 });
  const graded = db.select().from(attempts).where(eq(attempts.id, attemptId)).get()!;
  expect(graded.submittedAt).not.toBeNull();
  expect(graded.score).toBe(100);
  await page.goto(`/learn/attempts/${attemptId}/result`);
  await expect(page.locator('main')).toContainText('100');

  // sign-out on a shared phone: pages and outbox are gone
  await page.goto('/learn');
  await offlineReady(page);
  expect(await page.evaluate(async () => (await caches.keys()).some((k) => k.startsWith('tonghu-pages-')))).toBe(true);
  await signOut(page);
  await expect
    .poll(() => page.evaluate(async () => (await Promise.all((await caches.keys()).filter((k) => k.startsWith('tonghu-pages-')).map(async (k) => (await (await caches.open(k)).keys()).length))).reduce((a, b) => a + b, 0)))
    .toBe(0);
  await goOffline(context, page);
  await page.goto('/learn').catch(() => undefined);
  await expect(page.locator('h2', { hasText: '分配给我的学习任务' })).toHaveCount(0);
  await context.setOffline(false);
  expect(db.select({ n: sql<number>`count(*)` }).from(attempts).where(and(eq(attempts.userId, me.id), inArray(attempts.id, [attemptId]))).get()!.n).toBe(1);
});
