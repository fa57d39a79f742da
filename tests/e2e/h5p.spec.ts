import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ACCOUNTS, signIn, expectNoSeriousA11yViolations, expectNoHorizontalScroll, screenshotPath } from './helpers';
import { buildZip, validH5pEntries } from '../factories/zip';

/**
 * H5P (issue 4, M7): the demo director plays a branching scenario inside the sandboxed frame of a lesson;
 * the xAPI statement reaches the server and completes the lesson (completeWhen: passed). The demo trainer's
 * malicious .h5p (zip-slip) is refused with the reason; a sound one plays in the same frame.
 */
const LESSON = '/learn/courses/home-visits-safety/05-when-danger-found';

async function scenarioFrame(page: Page) {
  const frameEl = page.locator('iframe.h5p-frame');
  await frameEl.scrollIntoViewIfNeeded();
  const frame = page.frameLocator('iframe.h5p-frame');
  await expect(frame.locator('.tonghu-activity h2')).toBeVisible();
  return frame;
}

test('a director plays the H5P scenario in a lesson; a wrong ending does not count, the right one completes the lesson', async ({ page }) => {
  await signIn(page, ACCOUNTS.director.phone);
  const response = await page.goto(LESSON);
  expect(response?.status()).toBe(200);
  // the main page allows only same-origin frames; the frame is sandboxed without allow-same-origin
  expect(response?.headers()['content-security-policy']).toContain("frame-src 'self'");
  const iframe = page.locator('iframe.h5p-frame');
  await expect(iframe).toHaveAttribute('sandbox', 'allow-scripts');
  await expect(page.locator('#complete-lesson')).toHaveCount(0); // the activity completes this lesson
  await expect(page.locator('section.activity')).toContainText('通过下面的互动练习');

  const frame = await scenarioFrame(page);
  await expect(frame.locator('h2')).toHaveText('走访时发现孩子身上有伤');
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: screenshotPath('h5p-lesson') });

  // the frame runs with an opaque origin, away from the app's cookies and pages, under its own CSP
  const inner = page.frames().find((f) => f.url().includes('/h5p/frame/bruises-home-visit'))!;
  expect(await inner.evaluate(() => self.origin)).toBe('null');
  expect(await inner.evaluate(() => { try { return document.cookie; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
  expect(await inner.evaluate(() => { try { return window.parent.document.title; } catch (e) { return (e as Error).name; } })).toBe('SecurityError');
  const frameRes = await page.request.get('/h5p/frame/bruises-home-visit');
  expect(frameRes.headers()['content-security-policy']).toContain('sandbox allow-scripts');
  expect(frameRes.headers()['content-security-policy']).toContain("frame-ancestors 'self'");

  // a wrong path: wait for the next visit → an ending that does not pass; the lesson stays open
  await frame.getByRole('button', { name: '开始' }).click();
  await frame.getByRole('button', { name: /下次走访再看看/ }).click();
  await expect(frame.locator('h2')).toHaveText('等下次，可能就晚了');
  await expect(frame.locator('.t-score')).toHaveText('得分 0 / 3');
  await expect(page.locator('.h5p-status')).toContainText('再试一次');

  // the right path, step by step, to the good ending
  await frame.getByRole('button', { name: '重新开始' }).click();
  await frame.getByRole('button', { name: '开始' }).click();
  await frame.getByRole('button', { name: /找个自然的理由和小宇单独待一会儿/ }).click();
  await expect(frame.locator('.t-feedback')).toContainText('做得好');
  await frame.getByRole('button', { name: /这不是你的错/ }).click();
  await frame.getByRole('button', { name: /立即拨打110/ }).click();
  await frame.getByRole('button', { name: /陪着小宇在村委会等民警/ }).click();
  await expect(frame.locator('h2')).toHaveText('孩子安全了，报告也及时');
  await expect(frame.locator('.t-score')).toHaveText('得分 3 / 3');
  await expect(page.locator('.h5p-status')).toHaveText('本课已完成，进度已保存。');
  await expect(page.locator('.h5p-next a')).toBeVisible();
  await page.locator('section.activity').screenshot({ path: screenshotPath('h5p-ending') });

  // the server has both statements, with the scores
  const mine = (await (await page.request.get('/api/xapi?activity=bruises-home-visit')).json()) as { statements: { verb: string; scoreRaw: number; scoreMax: number; scaled: number; success: boolean }[] };
  expect(mine.statements).toHaveLength(2);
  expect(mine.statements[0]).toMatchObject({ verb: 'completed', scoreRaw: 3, scoreMax: 3, scaled: 1, success: true });
  expect(mine.statements[1]).toMatchObject({ verb: 'completed', scoreRaw: 0, success: false });

  // and the lesson is complete
  await page.reload();
  await expect(page.locator('.notice', { hasText: '本课已学完' })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
  // the relay is one external script besides the site-wide offline script (ADR 0016); a lesson without an
  // activity ships only the latter
  const scripts = await page.locator('script').evaluateAll((s) => s.map((x) => (x as HTMLScriptElement).getAttribute('src') ?? 'inline'));
  expect(scripts.sort()).toEqual([expect.stringMatching(/^\/_astro\/H5pActivity[^/]*\.js$/), expect.stringMatching(/^\/_astro\/Layout[^/]*\.js$/)]);
  await page.goto('/learn/courses/home-visits-safety/01-visit-plan');
  expect(await page.locator('script').evaluateAll((s) => s.map((x) => (x as HTMLScriptElement).getAttribute('src') ?? 'inline'))).toEqual([expect.stringMatching(/^\/_astro\/Layout[^/]*\.js$/)]);
  await expect(page.locator('iframe')).toHaveCount(0);
});

test('the xAPI endpoint refuses bad input with a Chinese message naming the field', async ({ page }) => {
  await signIn(page, ACCOUNTS.director.phone);
  const origin = new URL(page.url()).origin;
  const post = (data: unknown) => page.request.post('/api/xapi', { headers: { Origin: origin, 'Content-Type': 'application/json' }, data: JSON.stringify(data) });
  const r1 = await post({ activityId: 'bruises-home-visit', statement: { verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, result: { score: { scaled: 5 } } } });
  expect(r1.status()).toBe(400);
  expect((await r1.json()).error).toContain('statement.result.score.scaled');
  const r2 = await post({ activityId: 'no-such-activity', statement: { verb: { id: 'http://adlnet.gov/expapi/verbs/completed' } } });
  expect(r2.status()).toBe(400);
  expect((await r2.json()).error).toBe('字段 activityId：没有这个互动练习');
  // the frame's own origin ("null") may not post at all
  const r3 = await page.request.post('/api/xapi', { headers: { Origin: 'null', 'Content-Type': 'application/json' }, data: '{}' });
  expect(r3.status()).toBe(403);
});

test('a trainer’s malicious .h5p (zip-slip) is refused with the reason; a sound one plays in the sandboxed frame', async ({ page }) => {
  mkdirSync('test-results/h5p', { recursive: true });
  const questionSetJs = readFileSync('content/h5p/libraries/Tonghu.QuestionSet-1.0/question-set.js', 'utf8');
  const themeCss = readFileSync('content/h5p/libraries/Tonghu.Theme-1.0/theme.css', 'utf8');
  const entries = validH5pEntries('竹山县自制小测验').map((e) =>
    e.name.endsWith('question-set.js') ? { ...e, data: questionSetJs } : e.name.endsWith('theme.css') ? { ...e, data: themeCss } : e,
  );
  writeFileSync('test-results/h5p/evil.h5p', buildZip([...entries, { name: '../../evil.js', data: 'alert(document.cookie)' }]));
  writeFileSync('test-results/h5p/good.h5p', buildZip(entries));

  await signIn(page, ACCOUNTS.trainer.phone);
  await page.goto('/train');
  await page.getByRole('link', { name: '互动练习' }).click();
  await expect(page.locator('h1')).toHaveText('互动练习（H5P）');

  await page.setInputFiles('input[name="file"]', 'test-results/h5p/evil.h5p');
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/train/h5p') && r.request().method() === 'POST'), page.getByRole('button', { name: '上传并检查' }).click()]);
  const refusal = page.locator('#upload-error');
  await expect(refusal).toContainText('上传被拒绝');
  await expect(refusal).toContainText('../../evil.js');
  await expect(refusal).toContainText('zip-slip');
  await expect(page.locator('main')).toContainText('还没有上传的互动练习');
  await expectNoSeriousA11yViolations(page);
  await page.screenshot({ path: screenshotPath('h5p-upload-refused'), fullPage: true });

  await page.setInputFiles('input[name="file"]', 'test-results/h5p/good.h5p');
  await Promise.all([page.waitForURL(/\/train\/h5p\/\d+\?uploaded=1/), page.getByRole('button', { name: '上传并检查' }).click()]);
  await expect(page.locator('#uploaded')).toContainText('竹山县自制小测验');
  const frame = await scenarioFrame(page);
  await frame.getByRole('button', { name: '开始答题' }).click();
  for (const answer of ['立即报告', '110', '依法保密']) {
    await frame.getByRole('button', { name: answer, exact: true }).click();
    await frame.locator('button.t-primary').click();
  }
  await expect(frame.locator('.t-score')).toHaveText('答对 3 / 3 题');
  await expect(page.locator('.h5p-status')).toHaveText('练习结果已保存。');
  await page.goto('/train/h5p');
  await expect(page.locator('main')).toContainText('竹山县自制小测验');
});
