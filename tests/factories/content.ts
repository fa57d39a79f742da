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
