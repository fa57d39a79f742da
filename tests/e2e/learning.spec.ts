import { test, expect } from '@playwright/test';
import { ACCOUNTS, signIn, signOut, pathOf, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * The learning journey of issue 3: the 竹山县 trainer assigns a course to the directors of one
 * township; the demo director there sees it, reads a lesson to the end and confirms; the progress shows
 * for both of them; a director of 江陵县 does not see the assignment.
 */
test('a trainer assigns a course to a township; the director reads a lesson; both see the progress; another county does not', async ({ browser }) => {
  const trainerCtx = await browser.newContext();
  const trainer = await trainerCtx.newPage();
  await signIn(trainer, ACCOUNTS.trainer.phone);
  await trainer.goto('/train/assignments/new');
  // pick the township 城关镇 in the region picker (children of 竹山县 are links one level down)
  await Promise.all([trainer.waitForURL(/pick=/), trainer.locator('section[aria-labelledby="picker-h"] a', { hasText: '城关镇' }).first().click()]);
  await expect(trainer.locator('#picked-region')).toContainText('竹山县城关镇');
  const target = trainer.locator('select[name="target"]');
  const value = await target.locator('option', { hasText: '心理关爱与沟通' }).getAttribute('value');
  await target.selectOption(value!);
  await trainer.locator('select[name="role"]').selectOption('director');
  await Promise.all([trainer.waitForURL(/\/train\/assignments\/\d+/), trainer.getByRole('button', { name: '分配', exact: true }).click()]);
  const assignmentUrl = pathOf(trainer);
  await expect(trainer.locator('main')).toContainText('人已加入学习');
  await expect(trainer.locator('#learners')).toContainText(ACCOUNTS.director.name);
  await expectNoSeriousA11yViolations(trainer);
  await expectNoHorizontalScroll(trainer);

  // the director sees it on /learn and reads the first lesson to the end
  const dirCtx = await browser.newContext();
  const director = await dirCtx.newPage();
  await signIn(director, ACCOUNTS.director.phone);
  expect(pathOf(director)).toBe('/learn');
  const card = director.locator('section.card', { hasText: '心理关爱与沟通' });
  await expect(card).toContainText('已读 0/5 课');
  await card.getByRole('link', { name: '心理关爱与沟通' }).click();
  await expect(director.locator('h1')).toHaveText('心理关爱与沟通');
  await director.getByRole('link', { name: '开始学习' }).click();
  await expect(director.locator('.keypoints')).toBeVisible();
  await expect(director.locator('.citations')).toBeVisible();
  await expectNoSeriousA11yViolations(director);
  await expectNoHorizontalScroll(director);
  await director.screenshot({ path: screenshotPath('lesson'), fullPage: true });
  // a lesson page ships no JavaScript of its own: only the site-wide offline script (ADR 0016)
  const lessonScripts = await director.locator('script').evaluateAll((s) => s.map((x) => (x as HTMLScriptElement).getAttribute('src') ?? 'inline'));
  expect(lessonScripts).toEqual([expect.stringMatching(/^\/_astro\/Layout[^/]*\.js$/)]);
  await director.locator('#complete-lesson').scrollIntoViewIfNeeded();
  await Promise.all([director.waitForURL(/02-/), director.locator('#complete-lesson').click()]);
  await director.goto('/learn');
  await expect(director.locator('section.card', { hasText: '心理关爱与沟通' })).toContainText('已读 1/5 课');
  // (other tests use the same demo director in parallel, so which course "continue" points to may vary)
  await expect(director.locator('.continue a.button')).toBeVisible();
  await director.screenshot({ path: screenshotPath('learn-after-lesson'), fullPage: true });

  // the trainer sees the director's progress
  await trainer.goto(assignmentUrl);
  await expect(trainer.locator('#learners tr', { hasText: ACCOUNTS.director.name })).toContainText('已读 1/5 课');
  await trainer.screenshot({ path: screenshotPath('trainer-assignment'), fullPage: true });

  // the trainer reminds those not finished; the director sees the notice on /learn and dismisses it
  await Promise.all([trainer.waitForURL(/reminded=/), trainer.getByRole('button', { name: '提醒所有未完成学员' }).click()]);
  await expect(trainer.locator('main')).toContainText('已向');
  await director.goto('/learn');
  const notice = director.locator('.notice', { hasText: '请按时完成学习：心理关爱与沟通' });
  await expect(notice).toBeVisible();
  await notice.getByRole('button', { name: '知道了' }).click();
  await expect(director.locator('.notice', { hasText: '请按时完成学习：心理关爱与沟通' })).toHaveCount(0);

  // a director of 江陵县 does not see the assignment, and cannot open the trainer's page
  const jlCtx = await browser.newContext();
  const jl = await jlCtx.newPage();
  await signIn(jl, ACCOUNTS.jianglingDirector.phone);
  await expect(jl.locator('main')).not.toContainText('心理关爱与沟通');
  expect((await jl.goto(assignmentUrl))?.status()).toBe(403);
  // nor does the 江陵县 official (404: outside the jurisdiction)
  await signOut(jl);
  await signIn(jl, ACCOUNTS.jianglingOfficial.phone);
  expect((await jl.goto(assignmentUrl))?.status()).toBe(404);
  await Promise.all([trainerCtx.close(), dirCtx.close(), jlCtx.close()]);
});

test('a locked course says which prerequisite comes first and offers no completion', async ({ page }) => {
  // the caregiver has studied nothing yet, so 强制报告 is locked behind 《未成年人保护法》要点
  await signIn(page, ACCOUNTS.caregiver.phone);
  await page.goto('/learn/courses/mandatory-reporting');
  await expect(page.locator('main')).toContainText('请先完成先修课程');
  await page.goto('/learn/courses/mandatory-reporting/01-who-must-report');
  await expect(page.locator('#complete-lesson')).toHaveCount(0);
  const res = await page.request.post('/learn/courses/mandatory-reporting/01-who-must-report', { headers: { Origin: new URL(page.url()).origin }, form: {} });
  expect(res.status()).toBe(409);
  expect(await res.text()).toContain('请先完成先修课程');
});
