import type { Page } from '@playwright/test';

/** What a person is shown after sending a form: the messages next to fields and in alerts. */
export interface Shown {
  messages: string[];
  /** an error is on the page (a field's message or an error notice), whatever the status */
  error: boolean;
  /** the visible text (scripts and styles left out) */
  text: string;
}

export async function shown(page: Page, html: string): Promise<Shown> {
  await page.setContent(html, { waitUntil: 'domcontentloaded' });
  return page.evaluate(() => {
    const messages = Array.from(document.querySelectorAll('.field-error, [role="alert"], .notice.error')).map((e) => (e.textContent ?? '').trim().replace(/\s+/g, ' '));
    const error = document.querySelector('.field-error, .notice.error, [aria-invalid="true"]') !== null;
    for (const s of Array.from(document.querySelectorAll('script, style, noscript, template'))) s.remove();
    return { messages, error, text: document.body?.innerText ?? '' };
  });
}

/** '{field}：…' with a label that is Chinese (a Han character first, or "(请求体)", ".h5p 文件"). */
export const FIELD_MESSAGE = /^[(（.]?[\p{Script=Han}][^：]{0,30}：\S/u;
/** A catalog key shown raw: a label or message the i18n modules do not have. */
export const RAW_KEY = /(?<![\w./-])(?:field|v)\.[A-Za-z_][\w.]*/;
export const SERVER_ERROR = /Internal Server Error|\bat [\w.<>]+ \(?(?:file:\/\/)?\/[^\s)]+\.(?:ts|js|mjs):\d+|TypeError:|ReferenceError:|SqliteError|ZodError/;
