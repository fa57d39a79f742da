import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ARTICLE_RANGES, LAW_SOURCES } from '../learning/sources';

/**
 * Question banks: content/courses/<slug>/quiz.yaml — the course quiz's settings and its questions.
 * See docs/content-format.md § Question banks. Answer keys never leave the server before submission.
 */

export const REVIEW_POLICIES = ['never', 'after_each', 'after_pass', 'after_last'] as const;
export type ReviewPolicy = (typeof REVIEW_POLICIES)[number];
export const QUESTION_TYPES = ['single', 'multiple', 'truefalse', 'ordering', 'fill'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const quizSettingsSchema = z.object({
  /** questions drawn per topic (topics with fewer questions give all they have) */
  perTopic: z.number().int().min(1).max(20),
  timeLimitMinutes: z.number().int().min(1).max(240),
  maxAttempts: z.number().int().min(1).max(20),
  /** percent needed to pass */
  passMark: z.number().int().min(1).max(100),
  review: z.enum(REVIEW_POLICIES),
});
export type QuizSettings = z.infer<typeof quizSettingsSchema>;

const citation = z.object({ source: z.enum(LAW_SOURCES), article: z.number().int().positive().optional() });

export const questionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    type: z.enum(QUESTION_TYPES),
    topic: z.string().min(2).max(20),
    difficulty: z.number().int().min(1).max(3),
    stem: z.string().min(6).max(400),
    options: z.array(z.string().min(1).max(200)).max(8).optional(),
    answer: z.union([z.number().int().min(0), z.array(z.number().int().min(0)), z.boolean(), z.array(z.string().min(1))]).optional(),
    explanation: z.string().min(10).max(500),
    /** false for questions that rest on practice, not law (e.g. nursing technique) */
    legal: z.boolean().default(true),
    citation: citation.optional(),
  })
  .strict();
export type Question = z.infer<typeof questionSchema>;

export const bankSchema = z.object({ settings: quizSettingsSchema, questions: z.array(questionSchema) });
export type Bank = z.infer<typeof bankSchema> & { courseSlug: string };

export const MIN_QUESTIONS = 30;

/** The problems of one question's answer key and citation (empty when it is sound). */
export function questionProblems(q: Question): string[] {
  const p: string[] = [];
  const opts = q.options ?? [];
  const distinct = new Set(opts.map((o) => o.trim())).size === opts.length;
  switch (q.type) {
    case 'single':
      if (opts.length < 3) p.push('单选题至少 3 个选项');
      if (typeof q.answer !== 'number' || q.answer >= opts.length) p.push('单选题 answer 须是一个有效的选项序号（从 0 开始）');
      break;
    case 'multiple': {
      const a = q.answer;
      if (opts.length < 3) p.push('多选题至少 3 个选项');
      if (!Array.isArray(a) || a.some((x) => typeof x !== 'number' || x >= opts.length)) p.push('多选题 answer 须是有效选项序号的列表');
      else if (a.length < 2 || a.length >= opts.length || new Set(a as number[]).size !== a.length) p.push('多选题须有至少 2 个正确项和至少 1 个错误项，且不重复');
      break;
    }
    case 'truefalse':
      if (typeof q.answer !== 'boolean') p.push('判断题 answer 须是 true 或 false');
      if (opts.length) p.push('判断题不要写 options');
      break;
    case 'ordering':
      if (opts.length < 3) p.push('排序题至少 3 项（按正确顺序书写）');
      if (q.answer !== undefined) p.push('排序题不要写 answer：options 的书写顺序就是正确顺序');
      break;
    case 'fill':
      if (!Array.isArray(q.answer) || q.answer.some((x) => typeof x !== 'string') || q.answer.length === 0) p.push('填空题 answer 须是可接受答案（字符串）的列表');
      if (opts.length) p.push('填空题不要写 options');
      break;
  }
  if (!distinct) p.push('选项重复');
  if (q.legal && !q.citation) p.push('法律类题目须有 citation（或写 legal: false）');
  if (q.citation?.article !== undefined) {
    const range = ARTICLE_RANGES[q.citation.source];
    if (range && (q.citation.article < range[0] || q.citation.article > range[1])) p.push(`引用《${q.citation.source}》第${q.citation.article}条超出 ${range[0]}–${range[1]}`);
  }
  return p;
}

function normaliseStem(s: string): string {
  return s.replace(/[\s，。、？?！!：:“”"'（）()]/g, '');
}

/** Reads and checks a course's bank; returns null when the course has no quiz.yaml. */
export function loadBank(courseDir: string, courseSlug: string, problems: string[]): Bank | null {
  const file = join(courseDir, 'quiz.yaml');
  if (!existsSync(file)) return null;
  const where = `content/courses/${courseSlug}/quiz.yaml`;
  const parsed = bankSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    for (const i of parsed.error.issues.slice(0, 30)) problems.push(`${where}: ${i.path.join('.')}: ${i.message}`);
    return null;
  }
  const bank = { ...parsed.data, courseSlug };
  if (bank.questions.length < MIN_QUESTIONS) problems.push(`${where}: 只有 ${bank.questions.length} 题，至少 ${MIN_QUESTIONS} 题`);
  const ids = new Set<string>();
  const stems = new Map<string, string>();
  for (const q of bank.questions) {
    if (ids.has(q.id)) problems.push(`${where}: 题号 ${q.id} 重复`);
    ids.add(q.id);
    const key = normaliseStem(q.stem);
    if (stems.has(key)) problems.push(`${where}: ${q.id} 与 ${stems.get(key)} 题干重复`);
    stems.set(key, q.id);
    for (const p of questionProblems(q)) problems.push(`${where}: ${q.id}: ${p}`);
  }
  return bank;
}
