import { test, expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ACCOUNTS, signIn, signOut, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';

/**
 * Quizzes and exams as people use them. The test knows the right answers the way a well-prepared learner
 * does — from the question bank in content/, matched by the text shown — never from the page.
 */
type BankQ = { id: string; type: string; stem: string; options?: string[]; answer?: unknown; explanation: string };
const bank = (slug: string): BankQ[] => (parse(readFileSync(`content/courses/${slug}/quiz.yaml`, 'utf8')) as { questions: BankQ[] }).questions;
const DD = bank('director-duties');

/** Answers every question on the attempt page correctly (or leaves them all blank). */
async function answerAll(page: Page, questions: BankQ[], correctly: boolean) {
  const sets = page.locator('fieldset.question');
  const n = await sets.count();
  for (let i = 0; i < n; i++) {
    const fs = sets.nth(i);
    const stem = (await fs.locator('.stem').innerText()).trim();
    const q = questions.find((x) => x.stem.trim() === stem);
    expect(q, `stem not in bank: ${stem}`).toBeTruthy();
    if (!correctly) continue;
    const labels = fs.locator('label');
    const texts = (await labels.allInnerTexts()).map((s) => s.replace(/^[A-H]\.\s*/, '').trim());
    if (q!.type === 'single') await labels.nth(texts.indexOf(q!.options![q!.answer as number]!)).click();
    if (q!.type === 'multiple') for (const a of q!.answer as number[]) await labels.nth(texts.indexOf(q!.options![a]!)).click();
    if (q!.type === 'truefalse') await fs.getByLabel(q!.answer ? '正确' : '错误').check();
    if (q!.type === 'fill') await fs.locator('input[type="text"]').fill((q!.answer as string[])[0]!);
    if (q!.type === 'ordering') {
      const rows = fs.locator('label.order-row');
      for (let r = 0; r < (await rows.count()); r++) {
        const text = (await rows.nth(r).locator('span').innerText()).trim();
        await rows.nth(r).locator('select').selectOption(String(q!.options!.indexOf(text) + 1));
      }
    }
  }
}

test('a director reads a course, fails the quiz, resumes after a reload, retakes, passes, and the course completes', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ACCOUNTS.director.phone);
  // read every lesson of 儿童主任履职入门
  await page.goto('/learn/courses/director-duties');
  await page.getByRole('link', { name: '开始学习' }).click();
  for (let i = 0; i < 5; i++) await Promise.all([page.waitForURL(/director-duties/), page.locator('#complete-lesson').click()]);
  await expect(page.locator('#quiz')).toContainText('已作答 0 次');
  await expect(page.locator('main')).not.toContainText('您已完成本课程');

  // first attempt: the page carries no keys or explanations, in its HTML or its scripts
  await Promise.all([page.waitForURL(/\/learn\/attempts\/\d+$/), page.locator('#start-quiz').click()]);
  const attemptUrl = page.url();
  const html = await (await page.request.get(attemptUrl)).text();
  const scripts = await page.locator('script[src]').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).src));
  const js = (await Promise.all(scripts.map(async (s) => (await page.request.get(s)).text()))).join('\n');
  for (const q of DD) {
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
  await answerAll(page, DD, true);
  await Promise.all([page.waitForURL(/result$/), page.locator('#submit-attempt').click()]);
  await expect(page.locator('#result-summary')).toContainText('通过');
  await expect(page.locator('#result-summary')).toContainText('100');
  await page.goto('/learn/courses/director-duties');
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
