import { test, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { openDb } from '../../db/client';
import { dayOf } from '../../src/lib/time';
import { FieldError } from '../../src/lib/errors';
import { approveRun, computeRun, listLines, reviewTownship, runTownships, submitRun } from '../../src/lib/subsidy/runs';
import type { FieldActor } from '../../src/lib/fieldwork/cases';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Issue 7, the village director's side: this month's subsidy status with every criterion in words and the
 * example-defaults note; the one line on /work and on the /learn card; a past approved line appealed in the
 * browser; another person's line id never accepted.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';
const shot = async (page: Page, name: string) => {
  mkdirSync('tests/e2e/screenshots', { recursive: true });
  await page.screenshot({ path: screenshotPath(name), fullPage: true });
};
const check = async (page: Page) => {
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
};

function monthsAgo(n: number): string {
  let [y, m] = dayOf(Date.now()).slice(0, 7).split('-').map(Number) as [number, number];
  m -= n;
  while (m < 1) {
    m += 12;
    y--;
  }
  return `${y}-${String(m).padStart(2, '0')}`;
}

type Row = { userId: number; raId: number; role: string; regionId: number; regionPath: string };
const actorOf = (r: Row): FieldActor => ({ userId: r.userId, role: r.role as FieldActor['role'], regionId: r.regionId, regionPath: r.regionPath, ip: null });

/**
 * An approved past month holding the demo director's line (and another director's of her township), made
 * through the lib: compute as the 竹山县 official, submit, every township with a supervisor reviews, approve.
 * The demo seeds role assignments as of today, so the two directors' assignments are dated back to the
 * start of the month first. A month another spec already locked or holds under review is skipped.
 */
function arrangeApprovedLine(): { month: string; mine: number; foreign: number } {
  const db = openDb(DB_FILE);
  try {
    const q = <T>(sql: string, ...p: unknown[]) => db.$client.prepare(sql).get(...p) as T;
    const row = (phone: string, role: string) =>
      q<Row>(`select u.id as userId, ra.id as raId, ra.role, ra.region_id as regionId, ra.region_path as regionPath from users u join role_assignments ra on ra.user_id = u.id and ra.active = 1 and ra.role = ? where u.phone = ?`, role, phone);
    const official = row(ACCOUNTS.zhushanOfficial.phone, 'official');
    const me = row(ACCOUNTS.director.phone, 'director');
    const township = me.regionPath.split('/').filter(Boolean).slice(0, 4).join('/');
    const other = q<Row>(`select user_id as userId, id as raId, role, region_id as regionId, region_path as regionPath from role_assignments where role = 'director' and active = 1 and user_id <> ? and region_path like ? order by region_path like ? desc, id limit 1`, me.userId, `/${me.regionPath.split('/').filter(Boolean).slice(0, 3).join('/')}/%`, `/${township}/%`);
    const countyId = Number(me.regionPath.split('/').filter(Boolean)[2]);
    for (const n of [5, 6, 7, 8]) {
      const month = monthsAgo(n);
      const from = Date.parse(`${month}-01T00:00:00+08:00`);
      db.$client.prepare(`update role_assignments set created_at = min(created_at, ?) where id in (?, ?)`).run(from, me.raId, other.raId);
      let runId: number;
      try {
        runId = computeRun(db, actorOf(official), countyId, month).id;
        submitRun(db, actorOf(official), runId);
        for (const t of runTownships(db, runId).filter((t) => t.hasSupervisor)) {
          const sup = q<Row>(`select user_id as userId, id as raId, role, region_id as regionId, region_path as regionPath from role_assignments where role = 'supervisor' and active = 1 and region_id = ? order by id limit 1`, t.townshipId);
          reviewTownship(db, actorOf(sup), runId, '');
        }
        approveRun(db, actorOf(official), runId);
      } catch (e) {
        if (!(e instanceof FieldError)) throw e;
        const existing = q<{ id: number; status: string } | undefined>(`select id, status from subsidy_runs where county_id = ? and month = ?`, countyId, month);
        if (!existing || existing.status !== 'approved') continue;
        runId = existing.id;
      }
      const lines = listLines(db, '/', runId).filter((l) => l.kind === 'regular');
      const mine = lines.find((l) => l.userId === me.userId);
      const foreign = lines.find((l) => l.userId !== me.userId);
      const appealed = mine && q<{ n: number }>(`select count(*) as n from subsidy_appeals where line_id = ?`, mine.id).n > 0;
      if (mine && foreign && !appealed) return { month, mine: mine.id, foreign: foreign.id };
    }
    throw new Error('no approved month with the demo director’s line could be arranged');
  } finally {
    db.$client.close();
  }
}

test('the director sees this month’s subsidy criteria, why, and the example-defaults note; /work and /learn link there', async ({ page }) => {
  await signIn(page, ACCOUNTS.director.phone);
  // the /learn card: one line linking to the subsidy page
  await page.goto('/learn');
  const cardLine = page.locator('#work-summary #subsidy-line a');
  await expect(cardLine).toContainText(/本月补贴：预计 [\d.]+ 元 \/ /);
  await expect(cardLine).toHaveAttribute('href', '/work/subsidy');
  await check(page);

  await page.goto('/work');
  const line = page.locator('#subsidy-line a');
  await expect(line).toContainText(/本月补贴：预计 [\d.]+ 元 \/ /);
  await check(page);
  await shot(page, 'subsidy-director-work');
  await line.click();
  await expect(page).toHaveURL(/\/work\/subsidy$/);
  await expect(page.locator('h1')).toHaveText('我的补贴');
  await expect(page.locator('#example-note')).toContainText('示例默认');
  await expect(page.locator('#example-note')).toContainText('不是正式标准');
  await expect(page.locator('#as-of')).toContainText('只统计督导员已核实的工作记录');
  const criteria = page.locator('#criteria li');
  await expect(criteria).toHaveCount(5);
  await expect(page.locator('#criteria li[data-key="visits"]')).toContainText(/本月应走访 \d+ 户次，已核实按时走访 \d+ 户次|本月没有到期应走访的个案/);
  await expect(page.locator('#criteria li[data-key="inPost"]')).toContainText(/本月在岗 \d+ 天/);
  await expect(page.locator('#criteria li[data-key="training"]')).toContainText('必修培训');
  await expect(page.locator('#components li')).toHaveCount(2);
  await expect(page.locator('#components')).toContainText('通讯补贴');
  await expect(page.locator('#components')).toContainText('交通补贴');
  await expect(page.locator('#multiplier')).toContainText('补贴系数');
  await expect(page.locator('#amount-text')).toContainText(/= [\d.]+ 元/);
  // every unmet criterion with a place to act has a link there
  const unmetActionable = await page.locator('#criteria li.sd-unmet:not([data-key="inPost"])').count();
  await expect(page.locator('#todo a')).toHaveCount(unmetActionable);
  await check(page);
  await shot(page, 'subsidy-director');
});

test('a past approved line is appealed in the browser; another director’s line is refused', async ({ page }) => {
  test.setTimeout(120_000);
  const { month, mine, foreign } = arrangeApprovedLine();
  await signIn(page, ACCOUNTS.director.phone);
  await page.goto('/work/subsidy');
  const item = page.locator(`#past li[data-line-id="${mine}"]`);
  await expect(item).toContainText(month);
  await expect(item).toContainText('已审批');
  await item.locator('details.sd-reasons summary').click();
  await expect(item.locator('details.sd-reasons')).toContainText('本月在岗');
  await check(page);

  // too short a reason: a field message, nothing filed
  await item.locator('details.sd-appeal summary').click();
  await item.locator('textarea[name="appealReason"]').fill('不对');
  await item.getByRole('button', { name: '提交申诉' }).click();
  const again = page.locator(`#past li[data-line-id="${mine}"]`);
  await expect(again.locator('.field-error')).toContainText('申诉理由');
  await check(page);

  const reason = `走访已核实但未计入 ${Date.now() % 100000}`;
  await again.locator('textarea[name="appealReason"]').fill(reason);
  await Promise.all([page.waitForURL(/appealed=1/), again.getByRole('button', { name: '提交申诉' }).click()]);
  await expect(page.locator('#appeal-filed')).toContainText('申诉已提交');
  const appeal = page.locator(`#appeals li[data-line-id="${mine}"]`);
  await expect(appeal).toContainText('待处理');
  await expect(appeal).toContainText(reason);
  await expect(appeal).toContainText(month);
  // the appealed line offers no second appeal
  await expect(page.locator(`#past li[data-line-id="${mine}"] details.sd-appeal`)).toHaveCount(0);
  await check(page);
  await shot(page, 'subsidy-director-appeal');

  // another director's line id: refused with a message (or 404), never a 500, and nothing filed
  const origin = new URL(page.url()).origin;
  const r = await page.request.post('/work/subsidy', { form: { lineId: String(foreign), appealReason: '这不是我的补贴记录' }, headers: { Origin: origin } });
  expect([400, 404]).toContain(r.status());
  const body = await r.text();
  expect(body).toContain('找不到该记录');
  const bad = await page.request.post('/work/subsidy', { form: { lineId: 'abc', appealReason: '' }, headers: { Origin: origin } });
  expect(bad.status()).toBe(400);
  await page.goto('/work/subsidy');
  await expect(page.locator(`#appeals li[data-line-id="${foreign}"]`)).toHaveCount(0);
});
