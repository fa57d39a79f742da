import { test, expect, type Page } from '@playwright/test';
import { ACCOUNTS, signIn, signOut, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath, bank, answerAll } from './helpers';

const CS = bank('classified-support');

/**
 * Quizzes and exams as people use them. The test knows the right answers the way a well-prepared learner
 * does — from the question bank in content/, matched by the text shown — never from the page.
 */
test('a director reads a course, fails the quiz, resumes after a reload, retakes, passes, and the course completes', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ACCOUNTS.director.phone);
  // read every lesson of 分类保障政策
  await page.goto('/learn/courses/classified-support');
  await page.getByRole('link', { name: '开始学习' }).click();
  for (let i = 0; i < 5; i++) await Promise.all([page.waitForURL(/classified-support/), page.locator('#complete-lesson').click()]);
  await expect(page.locator('#quiz')).toContainText('已作答 0 次');
  await expect(page.locator('main')).not.toContainText('您已完成本课程');

  // first attempt: the page carries no keys or explanations, in its HTML or its scripts
  await Promise.all([page.waitForURL(/\/learn\/attempts\/\d+$/), page.locator('#start-quiz').click()]);
  const attemptUrl = page.url();
  const html = await (await page.request.get(attemptUrl)).text();
  const scripts = await page.locator('script[src]').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src));
  const js = (await Promise.all(scripts.map(async (s) => (await page.request.get(s)).text()))).join('\n');
  for (const q of CS) {
    expect(html).not.toContain(q.explanation);
    expect(js).not.toContain(q.explanation);
  }
  expect(html + js).not.toMatch(/"answer"\s*:|"explanation"\s*:|data-correct/);
  await expect(page.locator('#time-left')).toHaveText(/^(19|20):\d\d$|分钟/);
  await expectNoSeriousA11yViolations(page);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('quiz-attempt'), fullPage: false });

  // answer the first question, reload: the same attempt, same questions, the answer kept (autosave)
  // (questions come in random order: pick the first one answered with a radio button)
  const radioQuestion = 'fieldset.question[data-type="single"], fieldset.question[data-type="truefalse"]';
  const firstStem = await page.locator('fieldset.question .stem').first().innerText();
  const first = page.locator(radioQuestion).first();
  const radioStem = await first.locator('.stem').innerText();
  const saved = page.waitForResponse((r) => r.url().includes('/answer') && r.status() === 200);
  await first.locator('input[type="radio"]').first().check();
  await saved;
  await page.reload();
  expect(page.url()).toBe(attemptUrl);
  await expect(page.locator('fieldset.question .stem').first()).toHaveText(firstStem);
  await expect(page.locator(radioQuestion).first().locator('.stem')).toHaveText(radioStem);
  await expect(page.locator(radioQuestion).first().locator('input[type="radio"]').first()).toBeChecked();

  // submit almost blank: fails, feedback with explanations (review: after_each)
  await Promise.all([page.waitForURL(/result$/), page.locator('#submit-attempt').click()]);
  await expect(page.locator('#result-summary')).toContainText('未通过');
  await expect(page.locator('ol.review')).toContainText('正确答案');
  await page.screenshot({ path: screenshotPath('quiz-failed'), fullPage: false });

  // retake and pass
  await Promise.all([page.waitForURL(/\/learn\/attempts\/\d+$/), page.locator('#retake').click()]);
  expect(page.url()).not.toBe(attemptUrl);
  // an answer that fits no question is refused as bad input (422), naming the field, and changes nothing
  const bad = await page.request.post(`${new URL(page.url()).origin}/api/attempts/${page.url().split('/').pop()}/answer`, {
    headers: { Origin: new URL(page.url()).origin, 'Content-Type': 'application/json' },
    data: { ord: 0, response: { not: 'an answer' } },
  });
  expect(bad.status()).toBe(422);
  expect(((await bad.json()) as { error: string }).error).toMatch(/^答案：/);
  await answerAll(page, CS, true);
  await Promise.all([page.waitForURL(/result$/), page.locator('#submit-attempt').click()]);
  await expect(page.locator('#result-summary')).toContainText('通过');
  await expect(page.locator('#result-summary')).toContainText('100');
  await page.goto('/learn/courses/classified-support');
  await expect(page.locator('main')).toContainText('您已完成本课程');
  await expect(page.locator('#quiz')).toContainText('已通过测验');
  // a submitted attempt cannot be changed any more
  const late = await page.request.post(`${new URL(attemptUrl).origin}/api/attempts/${attemptUrl.split('/').pop()}/answer`, {
    headers: { Origin: new URL(attemptUrl).origin, 'Content-Type': 'application/json' },
    data: { ord: 0, response: 0 },
  });
  expect(late.status()).toBe(409);
});

test('a trainer opens an exam window; a director sits it; results appear when the trainer closes it', async ({ browser }) => {
  test.setTimeout(120_000);
  const trainerCtx = await browser.newContext();
  const trainer = await trainerCtx.newPage();
  await signIn(trainer, ACCOUNTS.trainer.phone);
  await trainer.goto('/train/exams');
  await Promise.all([trainer.waitForURL(/pick=/), trainer.locator('section[aria-labelledby="picker-h"] a', { hasText: '城关镇' }).first().click()]);
  const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 16);
  await trainer.locator('#f-courseId').selectOption({ label: '强制报告' });
  await trainer.locator('#f-title').fill('强制报告理论考试（城关镇）');
  await trainer.locator('#f-opensAt').fill(cst(Date.now() - 60_000));
  await trainer.locator('#f-closesAt').fill(cst(Date.now() + 3600_000));
  await Promise.all([trainer.waitForURL(/\/train\/exams\/\d+$/), trainer.getByRole('button', { name: '开放考试' }).click()]);
  const examUrl = trainer.url();
  await expect(trainer.locator('#exam-roster')).toContainText(ACCOUNTS.director.name);

  const dirCtx = await browser.newContext();
  const director = await dirCtx.newPage();
  await signIn(director, ACCOUNTS.director.phone);
  await director.locator('section[aria-labelledby="exams-h"]').getByRole('link', { name: '强制报告理论考试（城关镇）' }).click();
  await Promise.all([director.waitForURL(/\/learn\/attempts\/\d+$/), director.locator('#start-exam').click()]);
  await answerAll(director, bank('mandatory-reporting'), true);
  await Promise.all([director.waitForURL(/result$/), director.locator('#submit-attempt').click()]);
  await expect(director.locator('main')).toContainText('考试结果将在培训师结束考试后公布');
  const resultUrl = director.url();

  // a 江陵县 director is not in the cohort
  const jlCtx = await browser.newContext();
  const jl = await jlCtx.newPage();
  await signIn(jl, ACCOUNTS.jianglingDirector.phone);
  expect((await jl.goto(`/learn/exams/${examUrl.split('/').pop()}`))?.status()).toBe(404);

  await trainer.reload();
  await expect(trainer.locator('#exam-roster tr', { hasText: ACCOUNTS.director.name })).toContainText('100');
  await Promise.all([trainer.waitForURL(examUrl), trainer.locator('#close-exam').click()]);
  await expect(trainer.locator('main')).toContainText('成绩已公布');
  await expect(trainer.locator('#item-analysis')).toBeVisible();
  await trainer.screenshot({ path: screenshotPath('trainer-exam'), fullPage: false });

  await director.goto(resultUrl);
  await expect(director.locator('#result-summary')).toContainText('通过');
  await signOut(director);
  await Promise.all([trainerCtx.close(), dirCtx.close(), jlCtx.close()]);
});

test('trainers see item analysis for their county from the demo quiz attempts', async ({ page }) => {
  await signIn(page, ACCOUNTS.trainer.phone);
  await page.goto('/train/analysis?course=minors-protection-law');
  await expect(page.locator('#item-analysis li').first()).toContainText('答对率');
  await expect(page.locator('#score-distribution')).toContainText('城关镇');
  await expectNoSeriousA11yViolations(page);
});
