import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ROLES } from '../../../db/schema/auth';
import { loadBank, type Bank } from '../assessment/bank';
import { getBuiltinActivity } from '../h5p/builtin';
import { LAW_SOURCES, ARTICLE_RANGES } from './sources';

/**
 * The course content format (content/courses/<slug>/course.yaml + NN-<name>.md, content/curricula/*.yaml),
 * its zod schemas, and a loader that reads and checks it. Used by the content test, by the start-up
 * sync into the database, and by the lesson pages. See docs/content-format.md.
 */

export const TIERS = ['基础', '进阶', '护理员'] as const;
export { LAW_SOURCES, ARTICLE_RANGES } from './sources';

const semver = z.string().regex(/^\d+\.\d+\.\d+$/, '版本号须为 主.次.修订，如 1.0.0');
const slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'slug 只能用小写字母、数字和连字符');

export const courseSchema = z.object({
  slug,
  title: z.string().min(2).max(40),
  tier: z.enum(TIERS),
  roles: z.array(z.enum(ROLES)).min(1),
  hours: z.number().positive().max(200),
  required: z.boolean(),
  /** completing this course alone earns a certificate */
  certifying: z.boolean().default(false),
  version: semver,
  prerequisites: z.array(slug).default([]),
  summary: z.string().min(10).max(300),
  changelog: z
    .array(z.object({ version: semver, date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), note: z.string().min(2) }))
    .min(1),
});
export type CourseMeta = z.infer<typeof courseSchema>;

export const citationSchema = z.object({
  source: z.enum(LAW_SOURCES),
  article: z.number().int().positive().optional(),
  note: z.string().min(2).max(80),
});
export type Citation = z.infer<typeof citationSchema>;

/**
 * An H5P activity shown in the lesson (content/h5p/<slug>). With `completeWhen`, the lesson is complete
 * when the activity reports it (xAPI: 'completed', or 'passed' = success or a scaled score ≥ 0.6) instead of
 * by the learner's confirmation.
 */
export const lessonActivitySchema = z.object({
  slug,
  completeWhen: z.enum(['completed', 'passed']).optional(),
});
export type LessonActivity = z.infer<typeof lessonActivitySchema>;

export const lessonFrontmatterSchema = z.object({
  title: z.string().min(2).max(40),
  minutes: z.number().int().min(3).max(90),
  keyPoints: z.array(z.string().min(4).max(120)).min(2).max(8),
  citations: z.array(citationSchema).min(1),
  activity: lessonActivitySchema.optional(),
});

export interface LessonContent {
  courseSlug: string;
  /** e.g. "01-who-we-are" */
  slug: string;
  order: number;
  title: string;
  minutes: number;
  keyPoints: string[];
  citations: Citation[];
  activity?: LessonActivity;
  body: string;
  /** non-whitespace characters of the body */
  length: number;
}

export const curriculumSchema = z.object({
  slug,
  title: z.string().min(2).max(40),
  description: z.string().min(10).max(300),
  roles: z.array(z.enum(ROLES)).min(1),
  /** completing it lifts the 待上岗 state of a new director */
  onboarding: z.boolean().default(false),
  courses: z.array(slug).min(1),
  requiredHours: z.number().positive(),
  validityMonths: z.number().int().positive().nullable().default(null),
  version: semver,
});
export type CurriculumMeta = z.infer<typeof curriculumSchema>;

export interface CourseContent extends CourseMeta {
  lessons: LessonContent[];
  /** the course quiz (quiz.yaml); a course with a quiz completes only when the quiz is passed */
  bank?: Bank | null;
}

export interface Content {
  courses: CourseContent[];
  curricula: CurriculumMeta[];
}

export class ContentError extends Error {
  constructor(public readonly problems: string[]) {
    super(`课程内容有 ${problems.length} 处问题:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 一百三十二 → 132, 十一 → 11, 二十 → 20; arabic digits pass through. NaN when not a number. */
export function parseChineseNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  let total = 0;
  let current = 0;
  for (const ch of s) {
    if (ch in CN_DIGITS) current = CN_DIGITS[ch]!;
    else if (ch === '十') {
      total += (current || 1) * 10;
      current = 0;
    } else if (ch === '百') {
      total += (current || 1) * 100;
      current = 0;
    } else if (ch === '千') {
      total += (current || 1) * 1000;
      current = 0;
    } else return NaN;
  }
  return total + current;
}

/** Articles of the 未成年人保护法 mentioned in running text: 《未成年人保护法》第十一条、第二十二条至第二十三条. */
export function findLawArticles(text: string): { law: string; article: number; raw: string }[] {
  const out: { law: string; article: number; raw: string }[] = [];
  const re = /《([^》]+)》((?:第[零〇一二两三四五六七八九十百千\d]+条(?:第[一二三四五六七八九十\d]+款)?[、和及至与,，]?)+)/g;
  for (const m of text.matchAll(re)) {
    const law = m[1]!.replace(/^中华人民共和国/, '');
    for (const a of m[2]!.matchAll(/第([零〇一二两三四五六七八九十百千\d]+)条/g)) {
      out.push({ law, article: parseChineseNumber(a[1]!), raw: a[0] });
    }
  }
  return out;
}

function splitFrontmatter(src: string): { data: unknown; body: string } | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(src);
  if (!m) return null;
  return { data: parseYaml(m[1]!), body: m[2]! };
}

export const LESSON_MIN_CHARS = 600;
export const LESSON_MAX_CHARS = 1500;

/** Reads and checks all content; throws ContentError listing every problem at once. */
export function loadContent(root: string): Content {
  const problems: string[] = [];
  const courses: CourseContent[] = [];
  const coursesDir = join(root, 'courses');
  const dirs = existsSync(coursesDir) ? readdirSync(coursesDir).filter((d) => statSync(join(coursesDir, d)).isDirectory()).sort() : [];
  for (const dir of dirs) {
    const where = `content/courses/${dir}`;
    const file = join(coursesDir, dir, 'course.yaml');
    if (!existsSync(file)) {
      problems.push(`${where}: 缺少 course.yaml`);
      continue;
    }
    const parsed = courseSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
    // a broken course.yaml is reported, and its lessons are still checked
    const meta = parsed.success ? parsed.data : null;
    if (!parsed.success) for (const i of parsed.error.issues) problems.push(`${where}/course.yaml: ${i.path.join('.')}: ${i.message}`);
    if (meta && meta.slug !== dir) problems.push(`${where}/course.yaml: slug ${meta.slug} 与目录名不一致`);
    if (meta && meta.changelog[0]?.version !== meta.version) problems.push(`${where}/course.yaml: changelog 第一条须是当前版本 ${meta.version}`);
    const lessons: LessonContent[] = [];
    const files = readdirSync(join(coursesDir, dir)).filter((f) => /^\d{2}-[a-z0-9-]+\.md$/.test(f)).sort();
    for (const f of files) {
      const lw = `${where}/${f}`;
      const split = splitFrontmatter(readFileSync(join(coursesDir, dir, f), 'utf8'));
      if (!split) {
        problems.push(`${lw}: 缺少 --- 包围的 frontmatter`);
        continue;
      }
      const fm = lessonFrontmatterSchema.safeParse(split.data);
      if (!fm.success) {
        for (const i of fm.error.issues) problems.push(`${lw}: ${i.path.join('.')}: ${i.message}`);
        continue;
      }
      const body = split.body.trim();
      const length = body.replace(/\s/g, '').length;
      if (length < LESSON_MIN_CHARS || length > LESSON_MAX_CHARS) problems.push(`${lw}: 正文 ${length} 字，应为 ${LESSON_MIN_CHARS}–${LESSON_MAX_CHARS} 字`);
      if (!/^##\s*案例/m.test(body)) problems.push(`${lw}: 缺少以“## 案例”开头的案例一节`);
      if (/^#\s/m.test(body)) problems.push(`${lw}: 正文不要用一级标题（标题写在 frontmatter 的 title）`);
      for (const c of fm.data.citations) {
        const range = ARTICLE_RANGES[c.source];
        if (c.article !== undefined && range && (c.article < range[0] || c.article > range[1])) {
          problems.push(`${lw}: 引用《${c.source}》第${c.article}条超出 ${range[0]}–${range[1]}`);
        }
      }
      for (const a of findLawArticles(body + '\n' + fm.data.keyPoints.join('\n'))) {
        const range = ARTICLE_RANGES[a.law as keyof typeof ARTICLE_RANGES];
        if (Number.isNaN(a.article)) problems.push(`${lw}: 无法识别的条号 ${a.raw}`);
        else if (range && (a.article < range[0] || a.article > range[1])) problems.push(`${lw}: 《${a.law}》${a.raw} 超出 ${range[0]}–${range[1]}`);
      }
      if (fm.data.activity && !getBuiltinActivity(join(root, 'h5p'), fm.data.activity.slug)) {
        problems.push(`${lw}: activity.slug: 互动练习 ${fm.data.activity.slug} 不存在（应有 content/h5p/${fm.data.activity.slug}/h5p.json）`);
      }
      lessons.push({
        courseSlug: dir,
        slug: f.replace(/\.md$/, ''),
        order: Number(f.slice(0, 2)),
        title: fm.data.title,
        minutes: fm.data.minutes,
        keyPoints: fm.data.keyPoints,
        citations: fm.data.citations,
        activity: fm.data.activity,
        body,
        length,
      });
    }
    if (lessons.length < 4 || lessons.length > 6) problems.push(`${where}: 有 ${lessons.length} 课，应为 4–6 课`);
    const bank = loadBank(join(coursesDir, dir), dir, problems);
    if (meta) courses.push({ ...meta, lessons, bank });
  }
  const slugs = new Set(courses.map((c) => c.slug));
  for (const c of courses) for (const p of c.prerequisites) if (!slugs.has(p)) problems.push(`content/courses/${c.slug}: 先修课程 ${p} 不存在`);

  const curricula: CurriculumMeta[] = [];
  const curDir = join(root, 'curricula');
  const curFiles = existsSync(curDir) ? readdirSync(curDir).filter((f) => f.endsWith('.yaml')).sort() : [];
  for (const f of curFiles) {
    const parsed = curriculumSchema.safeParse(parseYaml(readFileSync(join(curDir, f), 'utf8')));
    if (!parsed.success) {
      for (const i of parsed.error.issues) problems.push(`content/curricula/${f}: ${i.path.join('.')}: ${i.message}`);
      continue;
    }
    if (parsed.data.slug !== basename(f, '.yaml')) problems.push(`content/curricula/${f}: slug 与文件名不一致`);
    for (const c of parsed.data.courses) if (!slugs.has(c)) problems.push(`content/curricula/${f}: 课程 ${c} 不存在`);
    curricula.push(parsed.data);
  }
  if (problems.length) throw new ContentError(problems);
  return { courses, curricula };
}
