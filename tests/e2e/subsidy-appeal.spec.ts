import { test, expect, type Browser } from '@playwright/test';
import { openDb } from '../../db/client';
import type { FieldActor } from '../../src/lib/fieldwork/cases';
import { computeRun, submitRun, reviewTownship, approveRun, runTownships, listLines, fileAppeal, listAppeals } from '../../src/lib/subsidy/runs';
import { FieldError } from '../../src/lib/errors';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll } from './helpers';

/**
 * An appeal from filing to decision. Arranged through the lib on the e2e database: 竹山县's February run
 * approved (a month no other spec uses) and an appeal filed by a 城关镇 director on their line. Then, in
 * the browser, the 城关镇 supervisor gives an opinion and the 竹山县 official upholds it with a corrected
 * amount; the appeal leaves the open lists and is recorded as upheld.
 */
const DB_FILE = 'tmp/e2e/tonghu.db';
const MONTH = '2026-02';

function arrange(): { runId: number; appealId: number; name: string } {
  const db = openDb(DB_FILE);
  try {
    const actorOf = (where: string, ...args: unknown[]): FieldActor => {
      const r = db.$client.prepare(`select ra.user_id as userId, ra.role, ra.region_id as regionId, ra.region_path as regionPath from role_assignments ra join users u on u.id = ra.user_id where ra.active = 1 and ${where} limit 1`).get(...args) as FieldActor;
      return r;
    };
    const official = actorOf(`u.phone = ? and ra.role = 'official'`, ACCOUNTS.zhushanOfficial.phone);
    const chengguan = db.$client.prepare(`select id, path from regions where code = '420323100'`).get() as { id: number; path: string };
    let run = db.$client.prepare(`select id, status from subsidy_runs where county_id = ? and month = ?`).get(official.regionId, MONTH) as { id: number; status: string } | undefined;
    if (!run || run.status === 'draft') run = computeRun(db, official, official.regionId, MONTH);
    if (run.status === 'draft') run = submitRun(db, official, run.id);
    if (run.status === 'reviewing') {
      for (const t of runTownships(db, run.id).filter((x) => x.hasSupervisor && !x.review)) {
        const sup = actorOf(`ra.role = 'supervisor' and ra.region_id = ?`, t.townshipId);
        reviewTownship(db, sup, run.id, '已核对');
      }
      run = approveRun(db, official, run.id);
    }
    // a 城关镇 director (not a demo account) with a line in the run
    const line = listLines(db, chengguan.path, run.id).find((l) => l.kind === 'regular' && !db.$client.prepare(`select 1 from subsidy_appeals where line_id = ?`).get(l.id))!;
    const director = actorOf(`ra.user_id = ? and ra.role = 'director'`, line.userId);
    let appealId: number;
    try {
      appealId = fileAppeal(db, director, line.id, '2月份的走访都已完成，督导员补核实后未重新计算').id;
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      appealId = listAppeals(db, chengguan.path, { userId: director.userId, openOnly: true })[0]!.a.id;
    }
    return { runId: run.id, appealId, name: line.name };
  } finally {
    db.$client.close();
  }
}

async function as(browser: Browser, phone: string) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, phone);
  return page;
}

test('an appeal: the supervisor gives an opinion, the county official upholds it with a corrected amount', async ({ browser }) => {
  const { runId, appealId, name } = arrange();

  const sup = await as(browser, ACCOUNTS.supervisor.phone);
  await sup.goto('/supervise/subsidy');
  const card = sup.locator('ul.so-appeals li', { has: sup.locator(`input[name="appealId"][value="${appealId}"]`) });
  await expect(card).toContainText(name);
  await card.getByLabel('督导员意见').fill('经核实，2月走访均已完成，同意补发');
  await Promise.all([sup.waitForURL(/done=opinion/), card.getByRole('button').click()]);
  await expectNoSeriousA11yViolations(sup);
  await expectNoHorizontalScroll(sup);

  const official = await as(browser, ACCOUNTS.zhushanOfficial.phone);
  await official.goto(`/review/subsidy/${runId}`);
  const open = official.locator('ul.so-appeals li', { has: official.locator(`input[name="appealId"][value="${appealId}"]`) });
  await expect(open).toContainText('经核实，2月走访均已完成，同意补发');
  // upheld without an amount: the field is named in the message
  await open.locator('input[name="outcome"][value="upheld"]').check();
  await open.getByLabel('处理意见').fill('同意补发交通补贴');
  const [bad] = await Promise.all([official.waitForResponse((r) => r.request().method() === 'POST'), open.getByRole('button', { name: '提交处理' }).click()]);
  expect(bad.status()).toBe(400);
  const again = official.locator('ul.so-appeals li', { has: official.locator(`input[name="appealId"][value="${appealId}"]`) });
  await expect(again.locator('.field-error')).toContainText('核定金额');
  await again.locator('input[name="outcome"][value="upheld"]').check();
  await again.locator('input[name="correctedYuan"]').fill('150');
  await again.getByLabel('处理意见').fill('同意补发交通补贴');
  await Promise.all([official.waitForURL(/done=decided/), again.getByRole('button', { name: '提交处理' }).click()]);
  await expect(official.locator(`ul.so-appeals input[name="appealId"][value="${appealId}"]`)).toHaveCount(0);
  await expectNoSeriousA11yViolations(official);

  const db = openDb(DB_FILE);
  try {
    const a = db.$client.prepare(`select status, corrected_fen as correctedFen, supervisor_opinion as opinion from subsidy_appeals where id = ?`).get(appealId) as { status: string; correctedFen: number; opinion: string };
    expect(a).toEqual({ status: 'upheld', correctedFen: 15000, opinion: '经核实，2月走访均已完成，同意补发' });
  } finally {
    db.$client.close();
  }
});
