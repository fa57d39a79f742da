import { describe, it, expect } from 'vitest';
import { resolve } from 'node:path';
import { checkBuiltinActivities, listBuiltinActivities, getBuiltinActivity, scenarioProblems, scenarioContentSchema } from '../../../src/lib/h5p/builtin';
import { loadContent } from '../../../src/lib/learning/content';
import { parseRange, resolveServedFile } from '../../../src/lib/h5p/files';

const H5P_ROOT = resolve('content/h5p');

describe('built-in H5P activities (content/h5p)', () => {
  it('are well-formed: h5p.json, libraries, content.json and scenario graphs', () => {
    expect(checkBuiltinActivities(H5P_ROOT)).toEqual([]);
  });

  it('include two 强制报告 scenarios, a 委托照护 scenario and a question set', () => {
    const all = listBuiltinActivities(H5P_ROOT);
    expect(all.filter((a) => a.mainLibrary === 'Tonghu.BranchingScenario').length).toBeGreaterThanOrEqual(3);
    expect(all.filter((a) => a.mainLibrary === 'Tonghu.QuestionSet').length).toBeGreaterThanOrEqual(1);
    expect(all.map((a) => a.slug)).toEqual(expect.arrayContaining(['bruises-home-visit', 'pregnant-girl-13', 'choosing-a-carer', 'reporting-check']));
  });

  it('lessons that embed an activity point at one that exists', () => {
    const content = loadContent(resolve('content'));
    const used = content.courses.flatMap((c) => c.lessons.filter((l) => l.activity).map((l) => l.activity!.slug));
    expect(used.length).toBeGreaterThanOrEqual(2);
    for (const slug of used) expect(getBuiltinActivity(H5P_ROOT, slug)).not.toBeNull();
  });

  it('files are served only from inside the content folder', () => {
    expect(resolveServedFile(`${H5P_ROOT}/libraries/Tonghu.Theme-1.0`, 'theme.css')?.contentType).toContain('text/css');
    expect(resolveServedFile(`${H5P_ROOT}/bruises-home-visit`, 'h5p.json')).not.toBeNull();
    expect(resolveServedFile(`${H5P_ROOT}/bruises-home-visit`, '../../../package.json')).toBeNull();
    expect(resolveServedFile(`${H5P_ROOT}/bruises-home-visit`, 'content')).toBeNull();
    expect(resolveServedFile(`${H5P_ROOT}/libraries`, 'Tonghu.Theme-1.0/library.json')).not.toBeNull();
    expect(resolveServedFile(resolve('.'), '.env')).toBeNull();
  });
});

describe('scenario checks catch authoring mistakes', () => {
  const base = scenarioContentSchema.parse({
    title: '测试情景',
    intro: '情景说明文字',
    start: 'a',
    maxScore: 2,
    nodes: [{ id: 'a', text: '第一步的文字', choices: [{ text: '选项一', next: 'good' }, { text: '选项二', next: 'bad' }] }],
    endings: [
      { id: 'good', title: '好结局', score: 2, feedback: '做得对' },
      { id: 'bad', title: '坏结局', score: 0, feedback: '不对哦' },
    ],
  });
  it('a sound scenario has no problems', () => expect(scenarioProblems(base)).toEqual([]));
  it('dangling links, unreachable endings, no passing ending', () => {
    expect(scenarioProblems({ ...base, nodes: [{ ...base.nodes[0]!, choices: [{ text: '选项一', next: 'nowhere' }, { text: '选项二', next: 'bad' }] }] })).toEqual(
      expect.arrayContaining(['步骤 a 的选项指向不存在的 nowhere', 'good 从开头走不到', '没有能走到的及格结局']),
    );
  });
});

describe('the lesson loader checks a lesson\'s activity', () => {
  it('reports an activity that does not exist under content/h5p and an unknown completeWhen', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { ContentError } = await import('../../../src/lib/learning/content');
    const root = mkdtempSync(join(tmpdir(), 'tonghu-content-'));
    try {
      const dir = join(root, 'courses', 'act-course');
      mkdirSync(dir, { recursive: true });
      mkdirSync(join(root, 'h5p', 'real-one'), { recursive: true });
      writeFileSync(join(root, 'h5p', 'real-one', 'h5p.json'), JSON.stringify({ title: '真的', mainLibrary: 'Tonghu.QuestionSet', preloadedDependencies: [{ machineName: 'Tonghu.QuestionSet', majorVersion: 1, minorVersion: 0 }] }));
      writeFileSync(join(dir, 'course.yaml'), 'slug: act-course\ntitle: 互动课程\ntier: 基础\nroles: [director]\nhours: 1\nrequired: true\nversion: 1.0.0\nsummary: 用来检查互动练习校验的课程。\nchangelog:\n  - { version: 1.0.0, date: 2026-11-29, note: 首版 }\n');
      const body = `${'儿童主任要按时走访，记录要真实。'.repeat(50)}\n\n## 案例：某村\n案例内容。`;
      const lesson = (activity: string) => `---\ntitle: 一课\nminutes: 10\nkeyPoints: [要点一二三, 要点四五六]\ncitations: [{ source: 未成年人保护法, article: 11, note: 强制报告 }]\n${activity}\n---\n${body}\n`;
      writeFileSync(join(dir, '01-missing.md'), lesson('activity: { slug: no-such-activity }'));
      writeFileSync(join(dir, '02-bad-rule.md'), lesson('activity: { slug: real-one, completeWhen: sometimes }'));
      writeFileSync(join(dir, '03-fine.md'), lesson('activity: { slug: real-one, completeWhen: passed }'));
      let problems: string[] = [];
      try {
        loadContent(root);
      } catch (e) {
        if (e instanceof ContentError) problems = e.problems;
        else throw e;
      }
      const text = problems.join('\n');
      expect(text).toMatch(/01-missing\.md: activity\.slug: 互动练习 no-such-activity 不存在/);
      expect(text).toMatch(/02-bad-rule\.md: activity\.completeWhen/);
      expect(text).not.toMatch(/03-fine\.md/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('byte ranges for audio and video', () => {
  it('reads single ranges and refuses impossible ones', () => {
    expect(parseRange(null, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-9', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});
