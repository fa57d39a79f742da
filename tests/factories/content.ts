import type { Content, CourseContent, CurriculumMeta, LessonContent } from '../../src/lib/learning/content';
import type { Role } from '../../db/schema/auth';

/** A small synthetic catalogue for logic tests (the real content is checked by tests/unit/content). */
export function course(slug: string, lessons: number, opts: Partial<CourseContent> = {}): CourseContent {
  const ls: LessonContent[] = Array.from({ length: lessons }, (_, i) => ({
    courseSlug: slug,
    slug: `0${i + 1}-lesson`,
    order: i + 1,
    title: `第${i + 1}课`,
    minutes: 10,
    keyPoints: ['要点一二三', '要点四五六'],
    citations: [{ source: '未成年人保护法' as const, article: 11, note: '强制报告' }],
    body: '正文',
    length: 2,
  }));
  return {
    slug,
    title: `课程${slug}`,
    tier: '基础',
    roles: ['director', 'supervisor'] as Role[],
    hours: 2,
    required: true,
    certifying: false,
    version: '1.0.0',
    prerequisites: [],
    summary: '用于测试的课程说明文字。',
    changelog: [{ version: '1.0.0', date: '2026-01-01', note: '首版' }],
    lessons: ls,
    ...opts,
  };
}

export function curriculum(slug: string, courses: string[], opts: Partial<CurriculumMeta> = {}): CurriculumMeta {
  return {
    slug,
    title: `方案${slug}`,
    description: '用于测试的培训方案说明。',
    roles: ['director', 'supervisor'] as Role[],
    onboarding: false,
    courses,
    requiredHours: 4,
    validityMonths: null,
    version: '1.0.0',
    ...opts,
  };
}

export function testContent(): Content {
  return {
    courses: [course('alpha', 2), course('beta', 3, { prerequisites: ['alpha'] }), course('gamma', 1, { roles: ['caregiver'] as Role[] })],
    curricula: [curriculum('onboard', ['alpha', 'beta'], { onboarding: true, roles: ['director'] as Role[] }), curriculum('refresh', ['alpha'])],
  };
}

import type { Bank, Question, QuizSettings } from '../../src/lib/assessment/bank';

/** A bank covering every question type: topic 甲 (single, multiple, truefalse), topic 乙 (ordering, fill, single). */
export function testBank(courseSlug: string, settings: Partial<QuizSettings> = {}): Bank {
  const cite = { source: '未成年人保护法' as const, article: 11 };
  const q = (x: Partial<Question> & Pick<Question, 'id' | 'type' | 'topic'>): Question => ({
    difficulty: 1,
    stem: `题干${x.id}：下列说法哪项正确？`,
    explanation: '这是解释文字，说明为什么。',
    legal: true,
    citation: cite,
    ...x,
  });
  return {
    courseSlug,
    settings: { perTopic: 3, timeLimitMinutes: 10, maxAttempts: 2, passMark: 80, review: 'after_each', ...settings },
    questions: [
      q({ id: 'q1', type: 'single', topic: '甲', options: ['对的', '错的一', '错的二'], answer: 0 }),
      q({ id: 'q2', type: 'multiple', topic: '甲', options: ['对一', '错', '对二', '错二'], answer: [0, 2] }),
      q({ id: 'q3', type: 'truefalse', topic: '甲', answer: false }),
      q({ id: 'q4', type: 'ordering', topic: '乙', options: ['发现报告', '应急处置', '评估帮扶', '监护干预'] }),
      q({ id: 'q5', type: 'fill', topic: '乙', answer: ['110', '一一零'] }),
      q({ id: 'q6', type: 'single', topic: '乙', options: ['错一', '错二', '对的'], answer: 2 }),
    ],
  };
}
