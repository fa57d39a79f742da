import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { courses, lessons, xapiStatements } from '../../../db/schema/index';
import { FieldError, NotFoundError } from '../errors';
import { completeLesson, completedLessonIds } from '../learning/progress';
import { firstIssue, zhErrorMap } from './issues';

/**
 * xAPI statements from the H5P player, relayed by the lesson page to POST /api/xapi. Only the parts we
 * use are kept (verb, object id and name, result, parent activity, timestamp); text is cut to size. The
 * browser reports the score, so a statement can only do what the learner could do anyway — mark a lesson
 * read — and never counts as a graded result (quizzes and exams are graded on the server).
 */

export const XAPI_MAX_BODY_BYTES = 16 * 1024;
/** statements one person may post for one activity in ten minutes (a runaway script, not a learner) */
export const XAPI_RATE_LIMIT = 120;

export const VERBS = ['answered', 'completed', 'passed', 'failed', 'scored'] as const;
export type Verb = (typeof VERBS)[number];
const VERB_IRI = /^https?:\/\/(adlnet\.gov\/expapi\/verbs|w3id\.org\/xapi\/adl\/verbs)\/([a-z-]+)$/;

export type CompleteWhen = 'completed' | 'passed';
/** The scaled score that counts as passed when the content says nothing about success. */
export const PASS_SCALED = 0.6;

const cut = (n: number) => z.string().transform((s) => s.slice(0, n));
const langMap = z
  .record(z.string().max(20), cut(500))
  .refine((m) => Object.keys(m).length <= 5, '最多 5 种语言')
  .optional();
const score = z.number().finite();

const statementSchema = z.object({
  verb: z.object({
    id: z
      .string()
      .max(200)
      .refine((v) => {
        const m = VERB_IRI.exec(v);
        return !!m && (VERBS as readonly string[]).includes(m[2]!);
      }, `只接受这些动作：${VERBS.join('、')}`),
  }),
  object: z
    .object({
      id: z.string().max(500).optional(),
      definition: z.object({ name: langMap, description: langMap, interactionType: z.string().max(40).optional() }).optional(),
    })
    .optional(),
  result: z
    .object({
      score: z
        .object({
          raw: score.optional(),
          min: score.optional(),
          max: score.min(0).max(100000).optional(),
          scaled: z.number().min(-1).max(1).optional(),
        })
        .refine((s) => s.raw === undefined || s.max === undefined || s.raw <= s.max, { message: '得分不能大于满分', path: ['raw'] })
        .optional(),
      completion: z.boolean().optional(),
      success: z.boolean().optional(),
      duration: z.string().max(40).optional(),
      response: cut(1000).optional(),
    })
    .optional(),
  context: z
    .object({
      contextActivities: z
        .object({ parent: z.array(z.object({ id: z.string().max(500) })).max(5).optional() })
        .optional(),
    })
    .optional(),
  timestamp: z.string().max(40).optional(),
});
export type XapiStatementInput = z.infer<typeof statementSchema>;

export const xapiBodySchema = z.object({
  activityId: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, '应为互动练习的编号（小写字母、数字和连字符）').max(80),
  lessonId: z.number().int().positive().nullable().optional(),
  statement: statementSchema,
});
export type XapiBody = z.infer<typeof xapiBodySchema>;

/** Chinese message naming the field, for a 400. */
export class XapiInputError extends Error {
  constructor(
    public readonly field: string,
    public readonly problem: string,
    public readonly status = 400,
  ) {
    super(`字段 ${field}：${problem}`);
    this.name = 'XapiInputError';
  }
}

/** Parses the raw body (already read, size-capped) into a validated body, or throws XapiInputError. */
export function parseXapiBody(raw: string): XapiBody {
  if (raw.length > XAPI_MAX_BODY_BYTES) throw new XapiInputError('(请求体)', `太大：最多 ${XAPI_MAX_BODY_BYTES} 字节`, 413);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new XapiInputError('(请求体)', '不是有效的 JSON');
  }
  const parsed = xapiBodySchema.safeParse(json, { errorMap: zhErrorMap });
  if (!parsed.success) {
    const { field, problem } = firstIssue(parsed.error, '(请求体)');
    throw new XapiInputError(field, problem);
  }
  return parsed.data;
}

export interface StatementFacts {
  verb: Verb;
  scoreRaw: number | null;
  scoreMax: number | null;
  scaled: number | null;
  success: boolean | null;
  completion: boolean | null;
  /** about a part of the activity (one question of a set), not the activity as a whole */
  subContent: boolean;
}

export function factsOf(s: XapiStatementInput): StatementFacts {
  const verb = VERB_IRI.exec(s.verb.id)![2] as Verb;
  const sc = s.result?.score;
  const scoreRaw = sc?.raw ?? null;
  const scoreMax = sc?.max ?? null;
  let scaled = sc?.scaled ?? null;
  if (scaled === null && scoreRaw !== null && scoreMax !== null && scoreMax > 0) scaled = Math.max(-1, Math.min(1, scoreRaw / scoreMax));
  const objectId = s.object?.id ?? '';
  const subContent = /[?&]subContentId=/.test(objectId) || (s.context?.contextActivities?.parent?.length ?? 0) > 0;
  return { verb, scoreRaw, scoreMax, scaled, success: s.result?.success ?? null, completion: s.result?.completion ?? null, subContent };
}

/**
 * Whether a statement meets a lesson's `completeWhen`. Only statements about the whole activity count.
 * completed: the activity was finished (verb completed/passed/failed, or result.completion).
 * passed: success reported true, or — when the content does not say — a scaled score of at least 0.6.
 */
export function satisfies(rule: CompleteWhen, f: StatementFacts): boolean {
  if (f.subContent) return false;
  if (rule === 'completed') return f.verb === 'completed' || f.verb === 'passed' || f.verb === 'failed' || f.completion === true;
  if (f.verb === 'failed' || f.success === false) return false;
  return f.verb === 'passed' || f.success === true || (f.scaled !== null && f.scaled >= PASS_SCALED);
}

/** What the lesson says about its activity (from the lesson's frontmatter). */
export interface LessonActivityRule {
  lessonId: number;
  slug: string;
  completeWhen?: CompleteWhen;
}

export interface RecordResult {
  id: number;
  /** false for a statement about a part of the activity (it never completes a lesson) */
  counted: boolean;
  /** the lesson's state after this statement */
  lesson: 'none' | 'completed' | 'already' | 'not-yet' | 'locked';
  courseCompleted: boolean;
}

/**
 * Stores one statement for the signed-in person and, when the lesson's rule is met, completes the lesson
 * (idempotent: completeLesson records a lesson once). `rule` must come from the server's own content,
 * never from the request.
 */
export function recordStatement(db: Db, userId: number, body: XapiBody, rule: LessonActivityRule | null, now = Date.now()): RecordResult {
  if (body.lessonId != null && (!rule || rule.lessonId !== body.lessonId)) throw new XapiInputError('lessonId', '这一课没有这个互动练习');
  if (rule && rule.slug !== body.activityId) throw new XapiInputError('activityId', '与这一课的互动练习不一致');
  // the statement and the lesson it completes are one write: a failure leaves neither
  return db.transaction((tx) => storeStatement(tx as unknown as Db, userId, body, rule, now));
}

function storeStatement(db: Db, userId: number, body: XapiBody, rule: LessonActivityRule | null, now: number): RecordResult {
  const recent =
    db
      .select({ n: sql<number>`count(*)` })
      .from(xapiStatements)
      .where(and(eq(xapiStatements.userId, userId), eq(xapiStatements.activityId, body.activityId), gte(xapiStatements.createdAt, now - 10 * 60_000)))
      .get()?.n ?? 0;
  if (recent >= XAPI_RATE_LIMIT) throw new XapiInputError('statement', '提交过于频繁，请稍后再试', 429);
  const f = factsOf(body.statement);
  const row = db
    .insert(xapiStatements)
    .values({
      userId,
      activityId: body.activityId,
      lessonId: rule?.lessonId ?? null,
      verb: f.verb,
      scoreRaw: f.scoreRaw,
      scoreMax: f.scoreMax,
      scaled: f.scaled,
      success: f.success,
      completion: f.completion,
      subContent: f.subContent,
      statement: body.statement as Record<string, unknown>,
      createdAt: now,
    })
    .returning({ id: xapiStatements.id })
    .get();
  if (!rule) return { id: row.id, counted: !f.subContent, lesson: 'none', courseCompleted: false };
  const lesson = db.select({ courseId: lessons.courseId }).from(lessons).where(eq(lessons.id, rule.lessonId)).get();
  if (!lesson) throw new NotFoundError('lesson');
  const done = completedLessonIds(db, userId, lesson.courseId).has(rule.lessonId);
  if (!rule.completeWhen) return { id: row.id, counted: !f.subContent, lesson: done ? 'already' : 'none', courseCompleted: false };
  if (!satisfies(rule.completeWhen, f)) return { id: row.id, counted: !f.subContent, lesson: done ? 'already' : 'not-yet', courseCompleted: false };
  if (done) return { id: row.id, counted: !f.subContent, lesson: 'already', courseCompleted: false };
  try {
    const r = completeLesson(db, userId, rule.lessonId, now);
    return { id: row.id, counted: !f.subContent, lesson: r.recorded ? 'completed' : 'already', courseCompleted: r.courseCompleted };
  } catch (e) {
    // prerequisites not done: the statement is kept, the lesson waits
    if (e instanceof FieldError) return { id: row.id, counted: !f.subContent, lesson: 'locked', courseCompleted: false };
    throw e;
  }
}

/** An active lesson of an active course, by id: what the API needs to find the lesson's frontmatter. */
export function getLessonRef(db: Db, lessonId: number): { lessonId: number; courseSlug: string; lessonSlug: string } | null {
  const r = db
    .select({ lessonSlug: lessons.slug, courseSlug: courses.slug })
    .from(lessons)
    .innerJoin(courses, eq(courses.id, lessons.courseId))
    .where(and(eq(lessons.id, lessonId), eq(lessons.active, true), eq(courses.active, true)))
    .get();
  return r ? { lessonId, ...r } : null;
}

export interface StatementLine {
  id: number;
  activityId: string;
  lessonId: number | null;
  verb: string;
  scoreRaw: number | null;
  scoreMax: number | null;
  scaled: number | null;
  success: boolean | null;
  completion: boolean | null;
  subContent: boolean;
  createdAt: number;
}

/** A person's own statements, newest first (optionally for one activity). */
export function listOwnStatements(db: Db, userId: number, activityId?: string, limit = 50): StatementLine[] {
  const conds = [eq(xapiStatements.userId, userId)];
  if (activityId) conds.push(eq(xapiStatements.activityId, activityId));
  return db
    .select({
      id: xapiStatements.id,
      activityId: xapiStatements.activityId,
      lessonId: xapiStatements.lessonId,
      verb: xapiStatements.verb,
      scoreRaw: xapiStatements.scoreRaw,
      scoreMax: xapiStatements.scoreMax,
      scaled: xapiStatements.scaled,
      success: xapiStatements.success,
      completion: xapiStatements.completion,
      subContent: xapiStatements.subContent,
      createdAt: xapiStatements.createdAt,
    })
    .from(xapiStatements)
    .where(and(...conds))
    .orderBy(desc(xapiStatements.id))
    .limit(Math.min(Math.max(limit, 1), 200))
    .all();
}
