import { describe, it, expect } from 'vitest';
import { resolve } from 'node:path';
import { loadContent, ContentError, findLawArticles, parseChineseNumber } from '../../../src/lib/learning/content';

describe('course content', () => {
  it('is complete and valid: hours, citation boxes, cases, lesson length, article numbers 1–132', () => {
    let problems: string[] = [];
    try {
      loadContent(resolve('content'));
    } catch (e) {
      if (e instanceof ContentError) problems = e.problems;
      else throw e;
    }
    expect(problems).toEqual([]);
  });
});

describe('article number parsing', () => {
  it('reads Chinese and Arabic numerals', () => {
    expect(parseChineseNumber('十一')).toBe(11);
    expect(parseChineseNumber('一百三十二')).toBe(132);
    expect(parseChineseNumber('一百一十七')).toBe(117);
    expect(parseChineseNumber('二十')).toBe(20);
    expect(parseChineseNumber('92')).toBe(92);
  });
  it('finds every article cited in running text', () => {
    const found = findLawArticles('依照《中华人民共和国未成年人保护法》第十一条、第一百一十七条，以及《民法典》第二十七条');
    expect(found.map((f) => [f.law, f.article])).toEqual([
      ['未成年人保护法', 11],
      ['未成年人保护法', 117],
      ['民法典', 27],
    ]);
    expect(findLawArticles('《未成年人保护法》第一百三十三条')[0]!.article).toBe(133);
  });
});

describe('the content checks catch mistakes', () => {
  it('reports a missing citation box, missing hours, an article outside 1–132, a missing case and bad lengths', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'tonghu-content-'));
    try {
      const dir = join(root, 'courses', 'bad-course');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'course.yaml'),
        'slug: bad-course\ntitle: 有问题的课程\ntier: 基础\nroles: [director]\nrequired: true\nversion: 1.0.0\nsummary: 用来检查内容校验的课程。\nchangelog:\n  - { version: 1.0.0, date: 2026-11-29, note: 首版 }\n',
      );
      const body = (extra: string) => `${'儿童主任要按时走访，记录要真实。'.repeat(50)}\n\n## 案例：某村\n案例内容。${extra}`;
      const lesson = (fm: string, text: string) => `---\ntitle: 一课\nminutes: 10\nkeyPoints: [要点一二三, 要点四五六]\n${fm}---\n${text}\n`;
      writeFileSync(join(dir, '01-no-citations.md'), lesson('', body('')));
      writeFileSync(join(dir, '02-bad-article.md'), lesson('citations: [{ source: 未成年人保护法, article: 133, note: 不存在的条文 }]\n', body('依照《未成年人保护法》第一百四十条。')));
      writeFileSync(join(dir, '03-no-case.md'), lesson('citations: [{ source: 未成年人保护法, article: 11, note: 强制报告 }]\n', '儿童主任。'.repeat(200)));
      writeFileSync(join(dir, '04-too-short.md'), lesson('citations: [{ source: 未成年人保护法, article: 11, note: 强制报告 }]\n', '## 案例：短\n太短了。'));
      let problems: string[] = [];
      try {
        loadContent(root);
      } catch (e) {
        if (e instanceof ContentError) problems = e.problems;
        else throw e;
      }
      const text = problems.join('\n');
      expect(text).toMatch(/course\.yaml: hours/);
      expect(text).toMatch(/01-no-citations\.md: citations/);
      expect(text).toMatch(/02-bad-article\.md: 引用《未成年人保护法》第133条超出 1–132/);
      expect(text).toMatch(/02-bad-article\.md: 《未成年人保护法》第一百四十条 超出 1–132/);
      expect(text).toMatch(/03-no-case\.md: 缺少以“## 案例”开头的案例一节/);
      expect(text).toMatch(/04-too-short\.md: 正文 \d+ 字，应为 600–1500 字/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('question banks', () => {
  it('every course has a bank of at least 30 sound questions (checked by loadContent above)', () => {
    const c = loadContent(resolve('content'));
    for (const course of c.courses) {
      expect(course.bank, course.slug).toBeTruthy();
      expect(course.bank!.questions.length, course.slug).toBeGreaterThanOrEqual(30);
    }
    expect(c.courses.reduce((n, x) => n + (x.bank?.questions.length ?? 0), 0)).toBeGreaterThanOrEqual(300);
  });
});
