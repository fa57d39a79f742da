import { test, expect, type Page } from '@playwright/test';
import { and, eq } from 'drizzle-orm';
import { ACCOUNTS, signIn, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';
import { openDb, type Db } from '../../db/client';
import { users, roleAssignments, regions, workEntries } from '../../db/schema/index';
import { createCase, type FieldActor, type Case } from '../../src/lib/fieldwork/cases';
import { submitEntry, amendEntry, verifyEntries, type EntryInput, type WorkEntry } from '../../src/lib/fieldwork/entries';
import { addDays, dayOf } from '../../src/lib/time';

/**
 * The township supervisor's verification of work logs (issue 6). The directors' own pages are built
 * elsewhere, so the work is ARRANGED through the lib, straight into the e2e database (WAL makes a second
 * connection safe), as the demo director 李春燕 of a 城关镇 village and the 江陵县 director; the
 * supervisor 张秀兰 then ACTS in the browser on a phone screen. Case codes and client ids are unique to
 * this run, so other specs sharing the demo database neither see nor disturb them.
 */
test.describe.configure({ mode: 'serial' });

const RUN = Date.now().toString(36).toUpperCase();
const COMMENT = `请补充监护人联系情况（${RUN}）`;

let db: Db;
let director: FieldActor;
let supervisorActor: FieldActor;
let jiangling: FieldActor;
let caseA: Case;
let caseB: Case;
let e1: WorkEntry; // verified from the queue
let e2: WorkEntry; // returned, then amended
let e3: WorkEntry; // stays pending
let e4: WorkEntry; // decided "by someone else" while ticked
let flagged: WorkEntry; // flagged visit, unreported past its limit
let foreign: WorkEntry; // 江陵县

function actorFor(phone: string, role: FieldActor['role']): FieldActor {
  const r = db
    .select({ userId: users.id, regionId: roleAssignments.regionId, regionPath: roleAssignments.regionPath })
    .from(users)
    .innerJoin(roleAssignments, eq(roleAssignments.userId, users.id))
    .where(and(eq(users.phone, phone), eq(roleAssignments.role, role), eq(roleAssignments.active, true)))
    .get();
  if (!r) throw new Error(`no active ${role} assignment for ${phone}`);
  return { userId: r.userId, role, regionId: r.regionId, regionPath: r.regionPath };
}

let seq = 0;
const clientId = () => `e2e-sv-${RUN}-${++seq}`.toLowerCase();
const today = () => dayOf(Date.now());

function visit(actor: FieldActor, caseId: number, daysAgo: number, findings: string, situations: string[] = []): WorkEntry {
  const input: EntryInput = {
    type: 'visit',
    clientId: clientId(),
    day: addDays(today(), -daysAgo),
    caseId,
    mode: 'in_person',
    findings,
    guardianshipAdequate: situations.length === 0,
    followUp: situations.length > 0,
    followUpNote: situations.length > 0 ? '每周电话随访' : '',
    confirmNoReport: false,
    situations,
  };
  return submitEntry(db, actor, input).entry;
}

function newCase(actor: FieldActor, code: string, category: 'difficult' | 'left_behind', openedDaysAgo: number): Case {
  return createCase(db, actor, { code, category, guardianSituation: 'entrusted', risk: 'medium', openedOn: addDays(today(), -openedDaysAgo), note: '' });
}

test.beforeAll(() => {
  db = openDb('tmp/e2e/tonghu.db');
  director = actorFor(ACCOUNTS.director.phone, 'director');
  supervisorActor = actorFor(ACCOUNTS.supervisor.phone, 'supervisor');
  jiangling = actorFor(ACCOUNTS.jianglingDirector.phone, 'director');
  caseA = newCase(director, `SV-${RUN}-A`, 'difficult', 40);
  caseB = newCase(director, `SV-${RUN}-B`, 'left_behind', 20);
  e1 = visit(director, caseA.id, 6, '入户走访，祖母在家照顾，孩子按时上学，作业已完成。');
  e2 = visit(director, caseB.id, 5, '电话联系不上监护人，邻居说孩子暑假在亲戚家。');
  e3 = visit(director, caseA.id, 4, '孩子感冒已愈，祖母身体尚可。');
  e4 = submitEntry(db, director, { type: 'outreach', clientId: clientId(), day: addDays(today(), -2), place: '村委会议室', topic: `未成年人保护法宣讲 ${RUN}`, attendance: 35 }).entry;
  flagged = visit(director, caseA.id, 3, '孩子近一周白天独自在家，祖母住院。', ['abandoned_uncared']);
  const jCase = newCase(jiangling, `SV-${RUN}-J`, 'difficult', 30);
  foreign = visit(jiangling, jCase.id, 2, '入户走访，情况正常。');
});

test.afterAll(() => db?.$client.close());

const row = (page: Page, e: WorkEntry) => page.locator(`#entry-${e.id}`);

test('the supervisor verifies an entry from the queue and returns another with a comment (390×844)', async ({ page }) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  await signIn(page, ACCOUNTS.supervisor.phone);
  expect(pathOf(page)).toBe('/supervise');
  // the home counts what waits for the supervisor, with links
  const awaiting = page.locator('#count-awaiting');
  expect(Number(await awaiting.locator('b').innerText())).toBeGreaterThanOrEqual(5);
  expect(Number(await page.locator('#count-flagged b').innerText())).toBeGreaterThanOrEqual(1);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await awaiting.click();
  expect(pathOf(page)).toBe('/supervise/entries');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('核实工作记录');
  await expect(page.locator('#f-status')).toHaveValue('submitted');

  // each row: type, case code, day, village, director, summary, revision
  for (const e of [e1, e2, e3, e4, flagged]) await expect(row(page, e)).toBeVisible();
  await expect(row(page, e1)).toContainText(`家庭走访 · ${caseA.code} · ${e1.day}`);
  await expect(row(page, e1)).toContainText(ACCOUNTS.director.name);
  await expect(row(page, e1)).toContainText('入户走访：入户走访，祖母在家照顾');
  await expect(row(page, e1)).toContainText('第1次提交');
  await expect(row(page, e4)).toContainText('政策宣讲');
  await expect(row(page, e4)).toContainText('35 人参加');
  await expect(row(page, flagged)).toContainText('强制报告情形');
  await expect(page.locator(`#entry-${foreign.id}`)).toHaveCount(0);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  // what the phone shows (the bar with 核实所选 stays at the bottom of the screen while scrolling), then the end of the list
  await page.screenshot({ path: screenshotPath('fieldwork-supervisor-queue') });
  await page.locator('.sv-bulk').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.screenshot({ path: screenshotPath('fieldwork-supervisor-queue-end') });

  // nothing ticked: a clear message, nothing changed
  const [empty] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/supervise/entries'),
    page.getByRole('button', { name: '核实所选' }).click(),
  ]);
  expect(empty.status()).toBe(400);
  await expect(page.getByRole('alert')).toHaveText('待核实的记录：请先勾选要核实的记录。');

  // verify e1 through the bulk form
  await page.getByLabel(`选择：家庭走访 · ${caseA.code} · ${e1.day}`).check();
  await Promise.all([page.waitForURL(/done=verified/), page.getByRole('button', { name: '核实所选' }).click()]);
  await expect(page.locator('#done-notice')).toHaveText('已核实 1 条记录，已计入绩效和补贴统计。');
  await expect(row(page, e1)).toHaveCount(0);
  await expect(row(page, e2)).toBeVisible();
  expect(db.select({ s: workEntries.status }).from(workEntries).where(eq(workEntries.id, e1.id)).get()?.s).toBe('verified');

  // open e2 and return it: a comment is required
  await row(page, e2).getByRole('link', { name: `查看详情 #${e2.id}` }).click();
  expect(pathOf(page)).toBe(`/supervise/entries/${e2.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('家庭走访');
  await expect(page.locator('#entry-facts')).toContainText(ACCOUNTS.director.name);
  await expect(page.locator('main')).toContainText('电话联系不上监护人，邻居说孩子暑假在亲戚家。');
  await expect(page.locator('main')).toContainText('父母均外出，委托他人照护');
  await expect(page.locator('#entry-case')).toContainText(caseB.code);
  await expect(page.locator('#entry-case')).toContainText('农村留守儿童');
  await expect(page.locator('#entry-case')).toContainText('中风险');
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('fieldwork-supervisor-entry'), fullPage: true });

  const [bad] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/supervise/entries/${e2.id}`),
    page.getByRole('button', { name: '退回' }).click(),
  ]);
  expect(bad.status()).toBe(400);
  await expect(page.locator('#f-comment-err')).toHaveText('退回意见：必填。');
  await expect(page.locator('#f-comment')).toHaveAttribute('aria-invalid', 'true');
  await expectNoSeriousA11yViolations(page);
  await page.locator('#f-comment').fill(COMMENT);
  await Promise.all([page.waitForURL(/done=returned/), page.getByRole('button', { name: '退回' }).click()]);
  expect(pathOf(page)).toBe('/supervise/entries');
  await expect(page.locator('#done-notice')).toContainText(`已退回：家庭走访 · ${caseB.code} · ${e2.day}`);
  await expect(row(page, e2)).toHaveCount(0);

  // the returned entry shows 已退回 with the comment
  await page.goto(`/supervise/entries/${e2.id}`);
  await expect(page.locator('#entry-status')).toHaveText('已退回');
  await expect(page.locator('#entry-comment')).toContainText('退回意见');
  await expect(page.locator('#entry-comment')).toContainText(COMMENT);
  await expect(page.locator('#no-decision')).toContainText('已退回');
  await expect(page.locator('#decide')).toHaveCount(0);
  // and is listed under 已退回
  await page.goto('/supervise/entries?status=returned');
  await expect(row(page, e2)).toContainText('已退回');

  // the director amends it: back in the queue as the second submission
  amendEntry(db, director, e2.id, {
    type: 'visit',
    clientId: e2.clientId,
    day: e2.day,
    caseId: caseB.id,
    mode: 'phone',
    findings: '已与在外务工的母亲视频通话，孩子暑假由姑姑照护，已签委托照护协议。',
    guardianshipAdequate: true,
    followUp: false,
    followUpNote: '',
    confirmNoReport: false,
    situations: [],
  });
  await page.goto('/supervise/entries');
  await expect(row(page, e2)).toContainText('第2次提交');
  await expect(row(page, e2)).toContainText('电话或视频随访：已与在外务工的母亲视频通话');
  await row(page, e2).getByRole('link', { name: `查看详情 #${e2.id}` }).click();
  await expect(page.locator('#entry-status')).toHaveText('待核实');
  await expect(page.locator('#entry-revision')).toHaveText('第2次提交');
  await expect(page.locator('#entry-comment')).toContainText('上次退回意见');
  await expect(page.locator('#entry-comment')).toContainText(COMMENT);
  await expect(page.locator('#decide')).toBeVisible();
});

test('a ticked entry that someone else decided meanwhile is named; nothing is changed and the rest stay ticked', async ({ page }) => {
  await signIn(page, ACCOUNTS.supervisor.phone);
  await page.goto('/supervise/entries');
  await page.locator(`#pick-${e3.id}`).check();
  await page.locator(`#pick-${e4.id}`).check();
  // another supervisor of the township verifies e4 in the meantime
  verifyEntries(db, supervisorActor, [e4.id]);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/supervise/entries'),
    page.getByRole('button', { name: '核实所选' }).click(),
  ]);
  expect(res.status()).toBe(409);
  const alert = page.locator('#queue-error');
  await expect(alert).toContainText('以下记录不能核实');
  await expect(alert).toContainText(`政策宣讲 · ${e4.day}：已由他人处理`);
  await expect(page.locator(`#pick-${e3.id}`)).toBeChecked();
  await expect(row(page, e4)).toHaveCount(0);
  expect(db.select({ s: workEntries.status }).from(workEntries).where(eq(workEntries.id, e3.id)).get()?.s).toBe('submitted');
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
});

test('a flagged visit shows the situation and that no report is recorded; the visit schedule lists the cases', async ({ page }) => {
  await signIn(page, ACCOUNTS.supervisor.phone);
  await page.goto(`/supervise/entries/${flagged.id}`);
  const flag = page.locator('#entry-flag');
  await expect(flag).toContainText('未成年人被遗弃或长期处于无人照料状态');
  await expect(page.locator('#report-status')).toHaveText('尚无报告记录');
  await expect(flag).toContainText('已超过报告时限');
  await expect(flag).toContainText('请督促儿童主任立即向公安机关等部门报告');
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);

  await page.goto('/supervise/visits');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('走访安排');
  const village = page.locator(`#by-village tr[data-region="${director.regionId}"]`);
  expect(Number(await village.locator('td').first().innerText())).toBeGreaterThanOrEqual(2);
  await expect(page.locator('#unreported')).toContainText(caseA.code);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('fieldwork-supervisor-visits'), fullPage: true });
});

test('jurisdiction: a 江陵县 entry is not found for the 城关镇 supervisor, nor a foreign village filter', async ({ page }) => {
  await signIn(page, ACCOUNTS.supervisor.phone);
  const res = await page.goto(`/supervise/entries/${foreign.id}`);
  expect(res?.status()).toBe(404);
  await expect(page.locator('main')).not.toContainText(`SV-${RUN}-J`);
  const filter = await page.goto(`/supervise/entries?village=${jiangling.regionId}`);
  expect(filter?.status()).toBe(404);
  // a POST naming the foreign entry changes nothing
  const r = await page.request.post(`/supervise/entries/${foreign.id}`, { form: { action: 'verify' }, headers: { origin: new URL(page.url()).origin } });
  expect(r.status()).toBe(404);
  expect(db.select({ s: workEntries.status }).from(workEntries).where(eq(workEntries.id, foreign.id)).get()?.s).toBe('submitted');
});

test('the 竹山县 official sees field work per township and the overdue unreported finding; 江陵县 is not found', async ({ page }) => {
  await signIn(page, ACCOUNTS.zhushanOfficial.phone);
  expect(pathOf(page)).toBe('/review');
  await page.getByRole('link', { name: '工作记录与走访督办' }).click();
  expect(pathOf(page)).toBe('/review/fieldwork');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('工作记录与走访督办');
  const chengguan = db.select().from(regions).where(eq(regions.code, '420323100')).get()!;
  const township = page.locator(`#by-child tr[data-region="${chengguan.id}"]`);
  await expect(township).toContainText('城关镇');
  expect(Number(await township.locator('td').first().innerText())).toBeGreaterThanOrEqual(2);
  await expect(page.locator('#overdue-unreported')).toContainText(caseA.code);
  await expect(page.locator('#overdue-unreported')).toContainText(ACCOUNTS.director.name);
  await expect(page.locator('#overdue-unreported')).toContainText(flagged.day);
  await expect(page.locator('main')).not.toContainText(`SV-${RUN}-J`);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('fieldwork-official'), fullPage: true });

  // drill down into 城关镇: its villages
  await township.getByRole('link', { name: '城关镇' }).click();
  expect(new URL(page.url()).searchParams.get('region')).toBe(String(chengguan.id));
  await expect(page.locator(`#by-child tr[data-region="${director.regionId}"]`)).toBeVisible();
  await expectNoSeriousA11yViolations(page);

  const jianglingCounty = db.select().from(regions).where(eq(regions.code, '421024')).get()!;
  const res = await page.goto(`/review/fieldwork?region=${jianglingCounty.id}`);
  expect(res?.status()).toBe(404);
  await expect(page.locator('main')).not.toContainText(`SV-${RUN}-J`);
});
