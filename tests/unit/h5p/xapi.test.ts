import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { testContent } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { completedLessonIds } from '../../../src/lib/learning/progress';
import { parseXapiBody, recordStatement, satisfies, factsOf, listOwnStatements, getLessonRef, XapiInputError, XAPI_RATE_LIMIT, type XapiBody } from '../../../src/lib/h5p/xapi';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 1, 2);
const VERB = (v: string) => `http://adlnet.gov/expapi/verbs/${v}`;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncContent(db, testContent(), NOW - 1000);
});
afterEach(() => t.cleanup());

function body(verb: string, result: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ activityId: 'bruises-home-visit', statement: { verb: { id: VERB(verb), display: { 'en-US': verb } }, object: { id: 'http://x/h5p/activity/bruises-home-visit' }, result, actor: { name: 'ignored' }, ...extra } });
}
function inputError(fn: () => unknown): XapiInputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(XapiInputError);
    return e as XapiInputError;
  }
  throw new Error('no error');
}

describe('parsing the body', () => {
  it('keeps only the fields we use', () => {
    const b = parseXapiBody(body('completed', { score: { raw: 3, max: 3, min: 0, scaled: 1 }, completion: true, success: true }));
    expect(b.statement.verb).toEqual({ id: VERB('completed') });
    expect(b.statement).not.toHaveProperty('actor');
    expect(b.statement.result?.score).toEqual({ raw: 3, max: 3, min: 0, scaled: 1 });
  });

  it('bad input names the field in Chinese', () => {
    expect(inputError(() => parseXapiBody('{not json')).message).toContain('不是有效的 JSON');
    const noVerb = inputError(() => parseXapiBody(JSON.stringify({ activityId: 'x', statement: {} })));
    expect(noVerb.field).toBe('statement.verb');
    expect(noVerb.message).toBe('字段 statement.verb：缺少此项');
    const verb = inputError(() => parseXapiBody(body('launched')));
    expect(verb.field).toBe('statement.verb.id');
    expect(verb.message).toContain('只接受这些动作');
    const scaled = inputError(() => parseXapiBody(body('completed', { score: { scaled: 7 } })));
    expect(scaled.field).toBe('statement.result.score.scaled');
    expect(scaled.message).toContain('不能大于 1');
    const raw = inputError(() => parseXapiBody(body('completed', { score: { raw: 5, max: 3 } })));
    expect(raw.field).toBe('statement.result.score.raw');
    const slug = inputError(() => parseXapiBody(JSON.stringify({ activityId: '../etc', statement: { verb: { id: VERB('completed') } } })));
    expect(slug.field).toBe('activityId');
    const type = inputError(() => parseXapiBody(JSON.stringify({ activityId: 'a', lessonId: 'x', statement: { verb: { id: VERB('completed') } } })));
    expect(type.message).toBe('字段 lessonId：类型不对，应为数字');
    const big = inputError(() => parseXapiBody(' '.repeat(20_000)));
    expect(big.status).toBe(413);
  });

  it('cuts long text instead of storing it whole', () => {
    const b = parseXapiBody(body('answered', { response: 'x'.repeat(5000) }));
    expect(b.statement.result?.response).toHaveLength(1000);
  });
});

describe('completion rules', () => {
  const f = (verb: string, result: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => factsOf(parseXapiBody(body(verb, result, extra)).statement);
  it('completed: finished, whatever the score', () => {
    expect(satisfies('completed', f('completed', { score: { raw: 0, max: 3 } }))).toBe(true);
    expect(satisfies('completed', f('answered', { completion: true }))).toBe(true);
    expect(satisfies('completed', f('answered'))).toBe(false);
  });
  it('passed: success true, or scaled ≥ 0.6 when success is not reported', () => {
    expect(satisfies('passed', f('completed', { score: { raw: 3, max: 3 }, success: true }))).toBe(true);
    expect(satisfies('passed', f('completed', { score: { raw: 2, max: 3 } }))).toBe(true); // 0.67
    expect(satisfies('passed', f('completed', { score: { raw: 1, max: 3 } }))).toBe(false);
    expect(satisfies('passed', f('completed', { score: { raw: 2, max: 3 }, success: false }))).toBe(false);
    expect(satisfies('passed', f('failed', { score: { scaled: 0.9 } }))).toBe(false);
    expect(satisfies('passed', f('passed'))).toBe(true);
  });
  it('a statement about one question of a set never completes the lesson', () => {
    const sub = f('answered', { score: { raw: 1, max: 1 }, success: true, completion: true }, { object: { id: 'http://x/a?subContentId=q1' } });
    expect(sub.subContent).toBe(true);
    expect(satisfies('passed', sub)).toBe(false);
    expect(satisfies('completed', f('completed', {}, { context: { contextActivities: { parent: [{ id: 'http://x/a' }] } } }))).toBe(false);
  });
});

describe('recording statements', () => {
  const lessonOf = (slug: string, i: number) => listLessons(db, getCourseBySlug(db, slug)!.id)[i]!;

  it('stores a statement for the person and completes the lesson when the rule is met, once', () => {
    const me = w.person('director', w.cgVillage);
    const lesson = lessonOf('alpha', 0);
    const rule = { lessonId: lesson.id, slug: 'bruises-home-visit', completeWhen: 'passed' as const };
    const withLesson = (s: string): XapiBody => ({ ...parseXapiBody(s), lessonId: lesson.id });
    const fail = recordStatement(db, me, withLesson(body('completed', { score: { raw: 0, max: 3 }, success: false, completion: true })), rule, NOW);
    expect(fail).toMatchObject({ lesson: 'not-yet', counted: true });
    expect(completedLessonIds(db, me, lesson.courseId).has(lesson.id)).toBe(false);
    const pass = recordStatement(db, me, withLesson(body('completed', { score: { raw: 3, max: 3 }, success: true, completion: true })), rule, NOW + 1);
    expect(pass.lesson).toBe('completed');
    expect(completedLessonIds(db, me, lesson.courseId).has(lesson.id)).toBe(true);
    const again = recordStatement(db, me, withLesson(body('completed', { score: { raw: 3, max: 3 }, success: true })), rule, NOW + 2);
    expect(again.lesson).toBe('already');
    const mine = listOwnStatements(db, me, 'bruises-home-visit');
    expect(mine).toHaveLength(3);
    expect(mine[0]).toMatchObject({ verb: 'completed', scoreRaw: 3, scoreMax: 3, scaled: 1, success: true, lessonId: lesson.id });
    expect(listOwnStatements(db, w.person('director', w.cgVillage2))).toEqual([]);
  });

  it('without completeWhen the statement is only stored', () => {
    const me = w.person('director', w.cgVillage);
    const lesson = lessonOf('alpha', 1);
    const r = recordStatement(db, me, { ...parseXapiBody(body('completed', { completion: true })), lessonId: lesson.id }, { lessonId: lesson.id, slug: 'bruises-home-visit' }, NOW);
    expect(r.lesson).toBe('none');
    expect(completedLessonIds(db, me, lesson.courseId).size).toBe(0);
  });

  it('a locked course keeps the statement and waits', () => {
    const me = w.person('director', w.cgVillage);
    const lesson = lessonOf('beta', 0); // beta needs alpha first
    const r = recordStatement(db, me, { ...parseXapiBody(body('completed', { success: true })), lessonId: lesson.id }, { lessonId: lesson.id, slug: 'bruises-home-visit', completeWhen: 'passed' }, NOW);
    expect(r.lesson).toBe('locked');
    expect(listOwnStatements(db, me)).toHaveLength(1);
  });

  it('the lesson and activity must agree with the lesson\'s own rule', () => {
    const me = w.person('director', w.cgVillage);
    const lesson = lessonOf('alpha', 0);
    expect(inputError(() => recordStatement(db, me, { ...parseXapiBody(body('completed')), lessonId: lesson.id }, null, NOW)).field).toBe('lessonId');
    expect(inputError(() => recordStatement(db, me, { ...parseXapiBody(body('completed')), lessonId: lesson.id }, { lessonId: lesson.id, slug: 'other-activity', completeWhen: 'completed' }, NOW)).field).toBe('activityId');
    expect(getLessonRef(db, lesson.id)).toEqual({ lessonId: lesson.id, courseSlug: 'alpha', lessonSlug: lesson.slug });
    expect(getLessonRef(db, 99999)).toBeNull();
  });

  it('refuses a flood of statements for one activity', () => {
    const me = w.person('director', w.cgVillage);
    const b = parseXapiBody(body('answered'));
    for (let i = 0; i < XAPI_RATE_LIMIT; i++) recordStatement(db, me, b, null, NOW + i);
    expect(inputError(() => recordStatement(db, me, b, null, NOW + XAPI_RATE_LIMIT)).status).toBe(429);
    // ten minutes later it is fine again
    expect(recordStatement(db, me, b, null, NOW + 11 * 60_000).lesson).toBe('none');
  });
});
