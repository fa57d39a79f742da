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
