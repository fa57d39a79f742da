import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, curriculum, testBank } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { completeLesson, getCourseProgress } from '../../../src/lib/learning/progress';
import { createLearningAssignment } from '../../../src/lib/learning/enrol';
import { drawQuestions, isCorrect, normaliseResponse, optionOrderFor, keyForDisplay, shuffle, type Rng } from '../../../src/lib/assessment/grading';
import { questionProblems } from '../../../src/lib/assessment/bank';
import {
  startQuizAttempt,
  getAttemptView,
  saveResponse,
  submitAttempt,
  getAttemptResult,
  getQuizStatus,
  reviewAllowed,
  GRACE_MS,
} from '../../../src/lib/assessment/attempts';
import { createExamWindow, startExamAttempt, closeExam, examRoster, listExamsForLearner } from '../../../src/lib/assessment/exams';
import { analyseCourse } from '../../../src/lib/assessment/analysis';
import { attemptItems, questions, enrollments, examWindows } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 1, 2);
const MIN = 60_000;

function seeded(seed: number): Rng {
  let s = seed;
  return { int: (n) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n) };
}

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let courseId: number;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncContent(db, { courses: [{ ...course('quizzed', 2), bank: testBank('quizzed') }], curricula: [curriculum('c', ['quizzed'])] }, NOW - 1000);
  courseId = getCourseBySlug(db, 'quizzed')!.id;
});
afterEach(() => t.cleanup());

/** The right answers for an attempt, in display terms, read from the bank the way only the server can. */
function rightAnswers(attemptId: number): Record<number, unknown> {
  const rows = db.select({ it: attemptItems, q: questions }).from(attemptItems).innerJoin(questions, eq(questions.id, attemptItems.questionId)).where(eq(attemptItems.attemptId, attemptId)).all();
  return Object.fromEntries(rows.map(({ it, q }) => [it.ord, q.type === 'fill' ? (q.answer as string[])[0] : keyForDisplay(q.type, q.answer, it.optionOrder)]));
}

describe('grading every type', () => {
  it('grades single, multiple, true/false, ordering and fill against shuffled options', () => {
    const order = [2, 0, 1];
    expect(isCorrect('single', 0, order, 1)).toBe(true);
    expect(isCorrect('single', 0, order, 0)).toBe(false);
    expect(isCorrect('multiple', [0, 2], [2, 1, 0, 3], [0, 2])).toBe(true);
    expect(isCorrect('multiple', [0, 2], [2, 1, 0, 3], [0])).toBe(false);
    expect(isCorrect('multiple', [0, 2], [2, 1, 0, 3], [0, 1, 2])).toBe(false);
    expect(isCorrect('truefalse', false, [], false)).toBe(true);
    expect(isCorrect('truefalse', false, [], true)).toBe(false);
    // displayed [评估帮扶, 发现报告, 监护干预, 应急处置] = bank [2, 0, 3, 1] → ranks [3, 1, 4, 2]
    expect(isCorrect('ordering', undefined, [2, 0, 3, 1], [3, 1, 4, 2])).toBe(true);
    expect(isCorrect('ordering', undefined, [2, 0, 3, 1], [1, 2, 3, 4])).toBe(false);
    expect(isCorrect('fill', ['110', '一一零'], [], ' 1 10 ')).toBe(true);
    expect(isCorrect('fill', ['110'], [], '120')).toBe(false);
    expect(isCorrect('single', 0, order, null)).toBe(false);
  });

  it('rejects responses of the wrong shape', () => {
    expect(normaliseResponse('single', 3, 3)).toBeNull();
    expect(normaliseResponse('single', 3, '1')).toBeNull();
    expect(normaliseResponse('multiple', 3, [0, 0])).toBeNull();
    expect(normaliseResponse('multiple', 3, [2, 0])).toEqual([0, 2]);
    expect(normaliseResponse('ordering', 3, [1, 2])).toBeNull();
    expect(normaliseResponse('truefalse', 0, 'true')).toBeNull();
    expect(normaliseResponse('fill', 0, 'x'.repeat(201))).toBeNull();
  });

  it('draws per topic and shuffles options, never showing an ordering question in the right order', () => {
    const pool = [1, 2, 3, 4, 5].map((i) => ({ id: i, topic: i <= 3 ? 'a' : 'b' }));
    const d = drawQuestions(pool, 2, seeded(1));
    expect(d.filter((q) => q.topic === 'a')).toHaveLength(2);
    expect(d.filter((q) => q.topic === 'b')).toHaveLength(2);
    for (let s = 0; s < 50; s++) {
      const o = optionOrderFor('ordering', 4, seeded(s));
      expect([...o].sort()).toEqual([0, 1, 2, 3]);
      expect(o).not.toEqual([0, 1, 2, 3]);
    }
    expect(shuffle([1, 2, 3], seeded(2)).sort()).toEqual([1, 2, 3]);
  });

  it('finds impossible answer keys in a bank', () => {
    const base = { id: 'x', topic: '甲', difficulty: 1, stem: '一道题目的题干', explanation: '解释解释解释解释', legal: true, citation: { source: '未成年人保护法' as const, article: 11 } };
    expect(questionProblems({ ...base, type: 'single', options: ['a', 'b', 'c'], answer: 3 })).toHaveLength(1);
    expect(questionProblems({ ...base, type: 'multiple', options: ['a', 'b', 'c'], answer: [0, 1, 2] })).toHaveLength(1);
    expect(questionProblems({ ...base, type: 'single', options: ['a', 'a', 'c'], answer: 0 })).toContain('选项重复');
    expect(questionProblems({ ...base, type: 'truefalse', answer: 1 as unknown as boolean })).toHaveLength(1);
    expect(questionProblems({ ...base, type: 'single', options: ['a', 'b', 'c'], answer: 0, citation: undefined })).toHaveLength(1);
    expect(questionProblems({ ...base, type: 'single', options: ['a', 'b', 'c'], answer: 0, citation: { source: '未成年人保护法', article: 133 } })).toHaveLength(1);
  });

  it('review policies', () => {
    expect(reviewAllowed('never', true, 0)).toBe(false);
    expect(reviewAllowed('after_each', false, 2)).toBe(true);
    expect(reviewAllowed('after_pass', false, 0)).toBe(false);
    expect(reviewAllowed('after_pass', true, 1)).toBe(true);
    expect(reviewAllowed('after_last', false, 1)).toBe(false);
    expect(reviewAllowed('after_last', false, 0)).toBe(true);
  });
});

describe('quiz attempts', () => {
  it('never puts keys or explanations in what the learner sees while answering', () => {
    const d = w.person('director', w.cgVillage);
    const id = startQuizAttempt(db, d, courseId, NOW, seeded(3));
    const view = getAttemptView(db, d, id, NOW);
    expect(view.questions).toHaveLength(6);
    const json = JSON.stringify(view);
    expect(json).not.toContain('这是解释文字');
    expect(JSON.stringify(view.questions)).not.toMatch(/"answer"|"key"|"explanation"|"correct"/);
    expect(view.attempt.correct).toBeNull();
    expect(view.remainingMs).toBe(10 * MIN);
  });

  it('resumes the same attempt on reload with the server’s remaining time; autosaves', () => {
    const d = w.person('director', w.cgVillage);
    const id = startQuizAttempt(db, d, courseId, NOW, seeded(3));
    saveResponse(db, d, id, 0, rightAnswers(id)[0], NOW + MIN);
    expect(startQuizAttempt(db, d, courseId, NOW + 2 * MIN, seeded(9))).toBe(id);
    const v = getAttemptView(db, d, id, NOW + 2 * MIN);
    expect(v.remainingMs).toBe(8 * MIN);
    expect(v.questions[0]!.response).toEqual(rightAnswers(id)[0]);
    expect(() => saveResponse(db, d, id, 0, 'not a position', NOW)).toThrow(/v.answer/);
    expect(() => saveResponse(db, d, id, 99, 0, NOW)).toThrow(/v.answer/);
  });

  it('fails, retakes, passes; the pass (with every lesson read) completes the course and the enrolment', () => {
    const d = w.person('director', w.cgVillage);
    const tr = w.person('trainer', w.zhushan);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { courseId, role: 'director', regionId: w.zhushan.id, dueDate: '2026-07-01' }, NOW);
    for (const l of listLessons(db, courseId)) completeLesson(db, d, l.id, NOW);
    expect(getCourseProgress(db, d, courseId)!.completedAt).toBeNull(); // the quiz is still owed
    const a1 = startQuizAttempt(db, d, courseId, NOW, seeded(1));
    const r1 = submitAttempt(db, d, a1, { 0: null }, NOW + MIN);
    expect(r1).toMatchObject({ passed: false, correct: 0, score: 0 });
    const res1 = getAttemptResult(db, d, a1, NOW + MIN);
    expect(res1.showDetails).toBe(true);
    expect(res1.items[0]!.explanation).toBe('这是解释文字，说明为什么。');
    const a2 = startQuizAttempt(db, d, courseId, NOW + 2 * MIN, seeded(2));
    expect(a2).not.toBe(a1);
    const r2 = submitAttempt(db, d, a2, rightAnswers(a2), NOW + 3 * MIN);
    expect(r2).toMatchObject({ passed: true, score: 100 });
    expect(getCourseProgress(db, d, courseId)!.completedAt).toBe(NOW + 3 * MIN);
    expect(db.select().from(enrollments).get()!.completedAt).toBe(NOW + 3 * MIN);
    expect(() => startQuizAttempt(db, d, courseId, NOW + 4 * MIN)).toThrow(/v.quizAlreadyPassed/);
  });

  it('a pass before the last lesson completes the course when the last lesson is read', () => {
    const d = w.person('director', w.cgVillage);
    const a = startQuizAttempt(db, d, courseId, NOW, seeded(1));
    submitAttempt(db, d, a, rightAnswers(a), NOW);
    const [l1, l2] = listLessons(db, courseId);
    completeLesson(db, d, l1!.id, NOW);
    expect(completeLesson(db, d, l2!.id, NOW).courseCompleted).toBe(true);
  });

  it('limits attempts', () => {
    const d = w.person('director', w.cgVillage);
    submitAttempt(db, d, startQuizAttempt(db, d, courseId, NOW), null, NOW);
    submitAttempt(db, d, startQuizAttempt(db, d, courseId, NOW), null, NOW);
    expect(() => startQuizAttempt(db, d, courseId, NOW)).toThrow(/v.noAttemptsLeft/);
    expect(getQuizStatus(db, d, courseId, NOW)).toMatchObject({ attemptsUsed: 2, attemptsLeft: 0, passed: false });
  });

  it('double submission is harmless; a late submission is graded as of the deadline', () => {
    const d = w.person('director', w.cgVillage);
    const a = startQuizAttempt(db, d, courseId, NOW, seeded(4));
    const keys = rightAnswers(a);
    saveResponse(db, d, a, 0, keys[0], NOW + MIN);
    // submitted 10 minutes after the deadline with all the right answers: only the one saved in time counts
    const late = submitAttempt(db, d, a, keys, NOW + 20 * MIN);
    expect(late).toMatchObject({ timedOut: true, correct: 1, submittedAt: NOW + 10 * MIN });
    const again = submitAttempt(db, d, a, keys, NOW + 21 * MIN);
    expect(again).toEqual(late);
    // within the grace the submission counts
    const b = startQuizAttempt(db, d, courseId, NOW + 30 * MIN, seeded(5));
    const ok = submitAttempt(db, d, b, rightAnswers(b), NOW + 40 * MIN + GRACE_MS - 1);
    expect(ok).toMatchObject({ timedOut: false, passed: true });
  });

  it('an attempt left open past its deadline closes itself', () => {
    const d = w.person('director', w.cgVillage);
    const a = startQuizAttempt(db, d, courseId, NOW);
    const v = getAttemptView(db, d, a, NOW + 60 * MIN);
    expect(v.attempt).toMatchObject({ timedOut: true, passed: false });
    expect(() => saveResponse(db, d, a, 0, 0, NOW + 60 * MIN)).toThrow(/v.attemptClosed/);
  });

  it('other people cannot open, save or submit someone’s attempt', () => {
    const d = w.person('director', w.cgVillage);
    const other = w.person('director', w.cgVillage2);
    const a = startQuizAttempt(db, d, courseId, NOW);
    expect(() => getAttemptView(db, other, a, NOW)).toThrow(/not found|attempt/);
    expect(() => saveResponse(db, other, a, 0, 0, NOW)).toThrow();
    expect(() => submitAttempt(db, other, a, null, NOW)).toThrow();
  });
});

describe('exams', () => {
  it('opens a window for a cohort, allows one attempt, hides results until closed, grades unfinished attempts', () => {
    const tr = w.person('trainer', w.zhushan);
    const d1 = w.person('director', w.cgVillage, '甲');
    const d2 = w.person('director', w.bfVillage, '乙');
    const d3 = w.person('director', w.hxVillage, '丙');
    const actor = { userId: tr, scopePath: w.zhushan.path };
    const base = { courseId, title: '理论考试', role: 'director' as const, regionId: w.zhushan.id, opensAt: NOW + MIN, closesAt: NOW + 60 * MIN, durationMinutes: 30, passMark: 60 };
    expect(() => createExamWindow(db, actor, { ...base, regionId: w.jiangling.id }, NOW)).toThrow(/v.regionOutOfScope/);
    expect(() => createExamWindow(db, actor, { ...base, closesAt: NOW }, NOW)).toThrow(/v.closesAfterOpens/);
    expect(() => createExamWindow(db, actor, { ...base, opensAt: NOW + 400 * 86_400_000, closesAt: NOW + 401 * 86_400_000 }, NOW)).toThrow(/v.dateTooFar/);
    expect(() => createExamWindow(db, actor, { ...base, closesAt: base.opensAt + 100 * 86_400_000 }, NOW)).toThrow(/v.examWindowTooLong/);
    const exam = createExamWindow(db, actor, base, NOW);
    expect(listExamsForLearner(db, d1, NOW)).toHaveLength(1);
    expect(listExamsForLearner(db, d3, NOW)).toHaveLength(0);
    expect(() => startExamAttempt(db, d1, exam, NOW)).toThrow(/v.examNotOpen/);
    expect(() => startExamAttempt(db, d3, exam, NOW + 2 * MIN)).toThrow();
    const a1 = startExamAttempt(db, d1, exam, NOW + 2 * MIN);
    expect(startExamAttempt(db, d1, exam, NOW + 3 * MIN)).toBe(a1);
    // the deadline never passes the window
    const a2 = startExamAttempt(db, d2, exam, NOW + 50 * MIN);
    expect(getAttemptView(db, d2, a2, NOW + 50 * MIN).remainingMs).toBe(10 * MIN);
    submitAttempt(db, d1, a1, rightAnswers(a1), NOW + 10 * MIN);
    const hidden = getAttemptResult(db, d1, a1, NOW + 11 * MIN);
    expect(hidden).toMatchObject({ released: false, items: [] });
    expect(hidden.attempt.score).toBeNull();
    saveResponse(db, d2, a2, 0, rightAnswers(a2)[0], NOW + 51 * MIN);
    closeExam(db, actor, exam, NOW + 55 * MIN);
    expect(getAttemptResult(db, d1, a1, NOW + 56 * MIN)).toMatchObject({ released: true, attempt: { score: 100, passed: true } });
    expect(getAttemptResult(db, d2, a2, NOW + 56 * MIN).attempt).toMatchObject({ timedOut: true, correct: 1 });
    const roster = examRoster(db, w.zhushan.path, db.select().from(examWindows).get()!);
    expect(roster.map((r) => [r.name, r.attempt?.passed])).toEqual([
      ['甲', true],
      ['乙', false],
    ]);
    // an exam pass does not complete the course (the course quiz does)
    expect(getCourseProgress(db, d1, courseId)?.quizPassedAt ?? null).toBeNull();
  });
});

describe('item analysis', () => {
  it('gives facility per question, hardest first, and score bands per township', () => {
    const people = [w.person('director', w.cgVillage), w.person('director', w.cgVillage2), w.person('director', w.bfVillage)];
    people.forEach((p, i) => {
      const a = startQuizAttempt(db, p, courseId, NOW, seeded(i + 1));
      const keys = rightAnswers(a);
      // everyone gets the fill question (q5) wrong; the first person gets all else right
      const view = getAttemptView(db, p, a, NOW);
      const answers: Record<number, unknown> = {};
      for (const q of view.questions) answers[q.ord] = q.type === 'fill' ? '120' : i === 0 ? keys[q.ord] : null;
      submitAttempt(db, p, a, answers, NOW);
    });
    const r = analyseCourse(db, w.zhushan, courseId);
    expect(r.attempts).toBe(3);
    expect(r.items[0]).toMatchObject({ qid: 'q5', answered: 3, correct: 0, facility: 0 });
    expect(r.items.at(-1)!.facility).toBeCloseTo(1 / 3);
    expect(r.distribution.map((d) => [d.region.name, d.learners, d.bands])).toEqual([
      ['城关镇', 2, [1, 0, 1, 0]],
      ['宝丰镇', 1, [1, 0, 0, 0]],
    ]);
    expect(analyseCourse(db, w.jiangling, courseId).attempts).toBe(0);
  });
});
