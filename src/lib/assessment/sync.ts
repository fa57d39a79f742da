import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { questions, quizzes } from '../../../db/schema/index';
import type { Bank } from './bank';

/**
 * Brings a course's questions and quiz settings in line with its quiz.yaml. Questions keep their row id
 * (attempts refer to it); removed ones become inactive; a course without a bank has no active quiz.
 */
export function syncBank(db: Db, courseId: number, bank: Bank | null | undefined): void {
  if (!bank) {
    db.update(quizzes).set({ active: false }).where(eq(quizzes.courseId, courseId)).run();
    db.update(questions).set({ active: false }).where(eq(questions.courseId, courseId)).run();
    return;
  }
  const s = bank.settings;
  db.insert(quizzes)
    .values({ courseId, ...s, active: true })
    .onConflictDoUpdate({ target: quizzes.courseId, set: { ...s, active: true } })
    .run();
  for (const q of bank.questions) {
    const values = {
      type: q.type,
      topic: q.topic,
      difficulty: q.difficulty,
      stem: q.stem,
      options: q.options ?? [],
      answer: q.answer ?? null,
      explanation: q.explanation,
      citation: q.citation ?? null,
      active: true,
    };
    db.insert(questions)
      .values({ courseId, qid: q.id, ...values })
      .onConflictDoUpdate({ target: [questions.courseId, questions.qid], set: values })
      .run();
  }
  const ids = bank.questions.map((q) => q.id);
  db.update(questions).set({ active: false }).where(and(eq(questions.courseId, courseId), notInArray(questions.qid, ids))).run();
}
