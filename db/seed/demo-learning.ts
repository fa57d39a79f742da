import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { users, roleAssignments, regions } from '../schema/index';
import { getRegionByCode } from '../../src/lib/org/regions';
import { getCurriculumBySlug, getCourseBySlug, listLessons, curriculumCourseList } from '../../src/lib/learning/catalog';
import { createLearningAssignment, enrolNewMember } from '../../src/lib/learning/enrol';
import { completeLesson } from '../../src/lib/learning/progress';
import { startQuizAttempt, submitAttempt, getQuiz } from '../../src/lib/assessment/attempts';
import { keyForDisplay } from '../../src/lib/assessment/grading';
import { attemptItems, questions } from '../schema/index';
import { withinSql } from '../../src/lib/org/scope';
import { addDays, dayOf } from '../../src/lib/time';
import { createRng } from './rng';

const DAY = 86_400_000;

/**
 * A realistic learning picture for the demo counties, made through the product's own functions:
 * 竹山县's trainer assigned the annual refresher two months ago (some finished, some overdue) and a
 * course to one township; 江陵县 has its own refresher; the demo director is newly appointed and 待上岗.
 */
export function seedDemoLearning(db: Db, now: number): void {
  const refresher = getCurriculumBySlug(db, 'annual-refresher');
  const homeVisits = getCourseBySlug(db, 'home-visits-safety');
  if (!refresher || !homeVisits) return; // content not synced (unit tests of the seed alone)
  const zhushan = getRegionByCode(db, '420323')!;
  const jiangling = getRegionByCode(db, '421024')!;
  const baofeng = getRegionByCode(db, '420323103')!;
  const trainer = db.select().from(users).where(eq(users.phone, '13900000003')).get()!;
  const jlOfficial = db.select().from(users).where(eq(users.phone, '13900000008')).get()!;
  const rng = createRng(7);

  const past = now - 60 * DAY;
  const refresherZs = createLearningAssignment(
    db,
    { userId: trainer.id, scopePath: zhushan.path },
    { curriculumId: refresher.id, role: 'director', regionId: zhushan.id, dueDate: addDays(dayOf(past), 45) },
    past,
  );
  createLearningAssignment(
    db,
    { userId: trainer.id, scopePath: zhushan.path },
    { courseId: homeVisits.id, role: 'director', regionId: baofeng.id, dueDate: addDays(dayOf(now), 20) },
    now - 5 * DAY,
  );
  createLearningAssignment(
    db,
    { userId: jlOfficial.id, scopePath: jiangling.path },
    { curriculumId: refresher.id, role: 'director', regionId: jiangling.id, dueDate: addDays(dayOf(now), 30) },
    now - 10 * DAY,
  );

  // Progress: most directors have read some lessons, about a third finished the refresher.
  const courses = curriculumCourseList(db, refresher.id);
  const lessonIds = courses.flatMap((c) => listLessons(db, c.id).map((l) => l.id));
  const directors = db
    .select({ userId: roleAssignments.userId })
    .from(roleAssignments)
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(eq(roleAssignments.role, 'director'), eq(roleAssignments.active, true), withinSql(roleAssignments.regionPath, zhushan.path.slice(0, zhushan.path.indexOf('/', 1) + 1))))
    .all();
  void refresherZs;
  const demoDirector = db.select().from(users).where(eq(users.phone, '13900000005')).get()!;
  // one outer transaction: each completion's own transaction becomes a savepoint (≈10× faster seeding)
  db.transaction((tx) => {
    for (const d of directors) {
      if (d.userId === demoDirector.id) continue; // newly appointed: starts from nothing
      // about a third finish everything; the others stop somewhere along the way
      const target = rng.next() < 0.33 ? lessonIds.length : Math.floor(rng.next() * lessonIds.length * 0.8);
      let read = 0;
      let day = 1;
      for (const c of courses) {
        const ls = listLessons(db, c.id);
        for (const l of ls) {
          if (read >= target) break;
          try {
            completeLesson(tx as unknown as Db, d.userId, l.id, past + day++ * DAY + rng.int(DAY));
            read++;
          } catch {
            break; // a prerequisite course is not complete (its quiz not passed)
          }
        }
        if (read >= target && target < lessonIds.length) break;
        // having read the course, they take its quiz: most pass at once, some after a failed attempt
        takeQuizAsDemo(tx as unknown as Db, d.userId, c.id, past + day++ * DAY, rng);
      }
    }
  });
  void lessonIds;

  // The demo director 李春燕 is newly appointed: 待上岗 until she completes the onboarding curriculum.
  const ra = db.select().from(roleAssignments).where(and(eq(roleAssignments.userId, demoDirector.id), eq(roleAssignments.role, 'director'))).get()!;
  enrolNewMember(db, ra.id, now - 3 * DAY);
  // …and has done three of its four courses this week; 监护指导与委托照护 is left, then she is in post
  let at = now - 3 * DAY;
  for (const slug of ['director-duties', 'minors-protection-law', 'mandatory-reporting']) {
    const c = getCourseBySlug(db, slug);
    if (!c) continue;
    for (const l of listLessons(db, c.id)) completeLesson(db, demoDirector.id, l.id, (at += 3_600_000));
    takeQuizAsDemo(db, demoDirector.id, c.id, (at += 3_600_000), rng, 1);
  }
}

/**
 * Demo only: a learner answers a course quiz, knowing roughly 70–100 % of the answers. Answers are read
 * from the bank here, in the seed, the way only the server could; they never reach a browser.
 */
function takeQuizAsDemo(db: Db, userId: number, courseId: number, at: number, rng: ReturnType<typeof createRng>, knowsAtLeast = 0.7) {
  if (!getQuiz(db, courseId)) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    let id: number;
    try {
      id = startQuizAttempt(db, userId, courseId, at + attempt * DAY, { int: (n) => rng.int(n) });
    } catch {
      return; // passed already, or no attempts left
    }
    const knows = knowsAtLeast + rng.next() * (1 - knowsAtLeast);
    const rows = db.select({ it: attemptItems, q: questions }).from(attemptItems).innerJoin(questions, eq(questions.id, attemptItems.questionId)).where(eq(attemptItems.attemptId, id)).all();
    const answers: Record<number, unknown> = {};
    for (const { it, q } of rows) {
      if (rng.next() > knows) continue;
      answers[it.ord] = q.type === 'fill' ? (q.answer as string[])[0] : keyForDisplay(q.type, q.answer, it.optionOrder);
    }
    const r = submitAttempt(db, userId, id, answers, at + attempt * DAY + 10 * 60_000);
    if (r.passed) return;
  }
}
