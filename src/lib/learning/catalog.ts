import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { courses, lessons, curricula, curriculumCourses } from '../../../db/schema/index';

export type Course = typeof courses.$inferSelect;
export type Lesson = typeof lessons.$inferSelect;
export type Curriculum = typeof curricula.$inferSelect;

export function getCourseBySlug(db: Db, slug: string): Course | null {
  return db.select().from(courses).where(and(eq(courses.slug, slug), eq(courses.active, true))).get() ?? null;
}

export function getCourse(db: Db, id: number): Course | null {
  return db.select().from(courses).where(eq(courses.id, id)).get() ?? null;
}

export function listCourses(db: Db): Course[] {
  return db.select().from(courses).where(eq(courses.active, true)).orderBy(asc(courses.id)).all();
}

export function listLessons(db: Db, courseId: number): Lesson[] {
  return db
    .select()
    .from(lessons)
    .where(and(eq(lessons.courseId, courseId), eq(lessons.active, true)))
    .orderBy(asc(lessons.ord))
    .all();
}

export function getLesson(db: Db, courseId: number, slug: string): Lesson | null {
  return db.select().from(lessons).where(and(eq(lessons.courseId, courseId), eq(lessons.slug, slug), eq(lessons.active, true))).get() ?? null;
}

export function listCurricula(db: Db): Curriculum[] {
  return db.select().from(curricula).where(eq(curricula.active, true)).orderBy(asc(curricula.id)).all();
}

export function getCurriculum(db: Db, id: number): Curriculum | null {
  return db.select().from(curricula).where(eq(curricula.id, id)).get() ?? null;
}

export function getCurriculumBySlug(db: Db, slug: string): Curriculum | null {
  return db.select().from(curricula).where(eq(curricula.slug, slug)).get() ?? null;
}

/** The courses of a curriculum, in order. */
export function curriculumCourseList(db: Db, curriculumId: number): Course[] {
  return db
    .select({ c: courses })
    .from(curriculumCourses)
    .innerJoin(courses, eq(courses.id, curriculumCourses.courseId))
    .where(eq(curriculumCourses.curriculumId, curriculumId))
    .orderBy(asc(curriculumCourses.ord))
    .all()
    .map((r) => r.c);
}

/** Course ids an assignment covers: a curriculum's courses or the single course. */
export function assignmentCourseIds(db: Db, a: { curriculumId: number | null; courseId: number | null }): number[] {
  if (a.courseId) return [a.courseId];
  if (a.curriculumId) return curriculumCourseList(db, a.curriculumId).map((c) => c.id);
  return [];
}

export function coursesBySlugs(db: Db, slugs: string[]): Course[] {
  if (!slugs.length) return [];
  return db.select().from(courses).where(inArray(courses.slug, slugs)).all();
}
