import { createHash } from 'node:crypto';
import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { courses, courseVersions, lessons, curricula, curriculumCourses, courseProgress } from '../../../db/schema/index';
import type { Content, CourseContent } from './content';
import { syncBank } from '../assessment/sync';

export interface SyncReport {
  coursesAdded: string[];
  coursesNewVersion: string[];
  curricula: number;
}

function hashCourse(c: CourseContent): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ ...c, changelog: undefined, lessons: c.lessons.map((l) => ({ ...l, length: undefined })) }));
  return h.digest('hex').slice(0, 16);
}

/**
 * Brings the database's course catalogue in line with content/: upserts courses, lessons and curricula,
 * records each new course version (with its changelog note), and keeps removed items as inactive so
 * history stays readable. Idempotent; runs at start-up before the server listens.
 */
export function syncContent(db: Db, content: Content, now = Date.now()): SyncReport {
  const report: SyncReport = { coursesAdded: [], coursesNewVersion: [], curricula: content.curricula.length };
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    const idBySlug = new Map<string, number>();
    for (const c of content.courses) {
      const values = {
        slug: c.slug,
        title: c.title,
        tier: c.tier,
        roles: c.roles as string[],
        hours: c.hours,
        required: c.required,
        certifying: c.certifying,
        version: c.version,
        prerequisites: c.prerequisites,
        summary: c.summary,
        lessonCount: c.lessons.length,
        active: true,
        updatedAt: now,
      };
      const existing = t.select().from(courses).where(eq(courses.slug, c.slug)).get();
      let id: number;
      if (!existing) {
        id = t.insert(courses).values(values).returning({ id: courses.id }).get().id;
        report.coursesAdded.push(c.slug);
      } else {
        id = existing.id;
        t.update(courses).set(values).where(eq(courses.id, id)).run();
        if (existing.version !== c.version) report.coursesNewVersion.push(`${c.slug} ${existing.version} → ${c.version}`);
      }
      idBySlug.set(c.slug, id);
      const hash = hashCourse(c);
      for (const entry of c.changelog) {
        const has = t
          .select({ id: courseVersions.id })
          .from(courseVersions)
          .where(and(eq(courseVersions.courseId, id), eq(courseVersions.version, entry.version)))
          .get();
        if (!has) {
          t.insert(courseVersions)
            .values({ courseId: id, version: entry.version, date: entry.date, note: entry.note, contentHash: entry.version === c.version ? hash : '', recordedAt: now })
            .run();
        } else if (entry.version === c.version) {
          t.update(courseVersions).set({ contentHash: hash }).where(eq(courseVersions.id, has.id)).run();
        }
      }
      const lessonSlugs = c.lessons.map((l) => l.slug);
      for (const l of c.lessons) {
        t.insert(lessons)
          .values({ courseId: id, slug: l.slug, ord: l.order, title: l.title, minutes: l.minutes, active: true })
          .onConflictDoUpdate({ target: [lessons.courseId, lessons.slug], set: { ord: l.order, title: l.title, minutes: l.minutes, active: true } })
          .run();
      }
      t.update(lessons).set({ active: false }).where(and(eq(lessons.courseId, id), notInArray(lessons.slug, lessonSlugs))).run();
      syncBank(t, id, c.bank);
      // progress rows follow the lesson count; completed ones stay completed (they hold the version done)
      t.update(courseProgress).set({ lessonsTotal: c.lessons.length }).where(eq(courseProgress.courseId, id)).run();
    }
    const slugs = content.courses.map((c) => c.slug);
    if (slugs.length) t.update(courses).set({ active: false }).where(notInArray(courses.slug, slugs)).run();

    for (const cu of content.curricula) {
      const values = {
        slug: cu.slug,
        title: cu.title,
        description: cu.description,
        roles: cu.roles as string[],
        onboarding: cu.onboarding,
        requiredHours: cu.requiredHours,
        validityMonths: cu.validityMonths,
        version: cu.version,
        active: true,
        updatedAt: now,
      };
      const existing = t.select().from(curricula).where(eq(curricula.slug, cu.slug)).get();
      const id = existing ? existing.id : t.insert(curricula).values(values).returning({ id: curricula.id }).get().id;
      if (existing) t.update(curricula).set(values).where(eq(curricula.id, id)).run();
      t.delete(curriculumCourses).where(eq(curriculumCourses.curriculumId, id)).run();
      cu.courses.forEach((slug, i) => {
        t.insert(curriculumCourses).values({ curriculumId: id, courseId: idBySlug.get(slug)!, ord: i + 1 }).run();
      });
    }
  });
  return report;
}
