import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { attempts, attemptItems, questions } from '../../../db/schema/index';
import { withinSql } from '../org/scope';
import { getChildren, type Region } from '../org/regions';

export interface ItemStat {
  questionId: number;
  qid: string;
  topic: string;
  stem: string;
  answered: number;
  correct: number;
  /** share answering correctly (0–1): the facility index */
  facility: number;
}

export interface Analysis {
  attempts: number;
  items: ItemStat[];
  /** per child region of the focus: learners by their best score band */
  distribution: { region: Region; learners: number; bands: [number, number, number, number] }[];
}

export const BANDS = ['0–59', '60–79', '80–89', '90–100'] as const;

function band(score: number): 0 | 1 | 2 | 3 {
  return score < 60 ? 0 : score < 80 ? 1 : score < 90 ? 2 : 3;
}

/**
 * Item analysis of a course's quiz (or one exam) over the submitted attempts of learners in a region:
 * facility per question, hardest first, and the score distribution per child region.
 */
export function analyseCourse(db: Db, focus: Region, courseId: number, examId: number | null = null): Analysis {
  const attemptFilter = and(
    eq(attempts.courseId, courseId),
    withinSql(attempts.regionPath, focus.path),
    sql`${attempts.submittedAt} is not null`,
    examId === null ? isNull(attempts.examId) : eq(attempts.examId, examId),
  );
  const items = db
    .select({
      questionId: questions.id,
      qid: questions.qid,
      topic: questions.topic,
      stem: questions.stem,
      answered: sql<number>`count(*)`,
      correct: sql<number>`sum(case when ${attemptItems.correct} then 1 else 0 end)`,
    })
    .from(attemptItems)
    .innerJoin(attempts, eq(attempts.id, attemptItems.attemptId))
    .innerJoin(questions, eq(questions.id, attemptItems.questionId))
    .where(attemptFilter)
    .groupBy(questions.id)
    .all()
    .map((r) => ({ ...r, facility: r.answered ? r.correct / r.answered : 0 }))
    .sort((a, b) => a.facility - b.facility || b.answered - a.answered);
  const best = db
    .select({ userId: attempts.userId, regionPath: attempts.regionPath, score: sql<number>`max(${attempts.score})` })
    .from(attempts)
    .where(attemptFilter)
    .groupBy(attempts.userId)
    .all();
  const count = db.select({ n: sql<number>`count(*)` }).from(attempts).where(attemptFilter).get()?.n ?? 0;
  const children = focus.level < 5 ? getChildren(db, focus.id) : [focus];
  const distribution = children
    .map((region) => {
      const bands: [number, number, number, number] = [0, 0, 0, 0];
      let learners = 0;
      for (const b of best) {
        if (b.regionPath.startsWith(region.path)) {
          bands[band(b.score)]++;
          learners++;
        }
      }
      return { region, learners, bands };
    })
    .filter((d) => d.learners > 0);
  return { attempts: count, items, distribution };
}
