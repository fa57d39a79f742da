import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import AxeBuilder from '@axe-core/playwright';

/** The one password of every demo account (db/seed/demo.ts, README § 演示账号). */
export const DEMO_PASSWORD = 'Tonghu#2026';

export interface DemoAccount {
  /** file name of the screenshot and the test title */
  key: string;
  phone: string;
  name: string;
  /** the role as the header and greeting show it in Chinese */
  roleText: string;
  home: string;
  /** a region name the home page's jurisdiction line must mention */
  region: string;
}

export const ACCOUNTS = {
  admin: { key: 'admin', phone: '13900000000', name: '周立群', roleText: '系统管理员', home: '/admin', region: '湖北省' },
  provinceOfficial: { key: 'official-province', phone: '13900000001', name: '陈建华', roleText: '民政官员', home: '/review', region: '湖北省' },
  zhushanOfficial: { key: 'official-zhushan', phone: '13900000002', name: '刘正平', roleText: '民政官员', home: '/review', region: '竹山县' },
  trainer: { key: 'trainer', phone: '13900000003', name: '王慧敏', roleText: '县级培训师', home: '/train', region: '竹山县' },
  supervisor: { key: 'supervisor', phone: '13900000004', name: '张秀兰', roleText: '儿童督导员', home: '/supervise', region: '城关镇' },
  director: { key: 'director', phone: '13900000005', name: '李春燕', roleText: '儿童主任', home: '/learn', region: '城关镇' },
  caregiver: { key: 'caregiver', phone: '13900000006', name: '赵桂芳', roleText: '护理员', home: '/learn', region: '十堰市' },
  jianglingDirector: { key: 'director-jiangling', phone: '13900000007', name: '黄志刚', roleText: '儿童主任', home: '/learn', region: '江陵县' },
  jianglingOfficial: { key: 'official-jiangling', phone: '13900000008', name: '吴海军', roleText: '民政官员', home: '/review', region: '江陵县' },
} satisfies Record<string, DemoAccount>;

/** Signs in through the real form, as a person would, and waits for the redirect to leave /login. */
export async function signIn(page: Page, phone: string, password = DEMO_PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.locator('input[name="phone"]').fill(phone);
  await page.locator('input[name="password"]').fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.locator('form[action^="/login"] button[type="submit"]').click(),
  ]);
}

export async function signOut(page: Page): Promise<void> {
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/login'),
    page.getByRole('button', { name: '退出登录' }).click(),
  ]);
}

/** The path part of the page's current URL. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/**
 * axe-core on the whole page; returns only serious and critical violations, each reduced to what a
 * person fixing it needs: the rule, its impact, and the selectors of the offending nodes.
 */
export async function seriousA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
}

export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const violations = await seriousA11yViolations(page);
  expect(violations, `axe serious/critical violations on ${page.url()}:\n${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

/** The page must not scroll sideways on a 390-wide phone screen. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `page ${page.url()} is ${scrollWidth}px wide on a ${clientWidth}px screen`).toBeLessThanOrEqual(clientWidth);
}

export function screenshotPath(name: string): string {
  return `tests/e2e/screenshots/${name}.png`;
}

/**
 * Quiz answers the way a well-prepared learner knows them: from the question bank in content/, matched by
 * the text shown — never from the page.
 */
export type BankQ = { id: string; type: string; stem: string; options?: string[]; answer?: unknown; explanation: string };
export const bank = (slug: string): BankQ[] => (parse(readFileSync(`content/courses/${slug}/quiz.yaml`, 'utf8')) as { questions: BankQ[] }).questions;

/** Answers every question on the attempt page correctly (or leaves them all blank). */
export async function answerAll(page: Page, questions: BankQ[], correctly: boolean) {
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

