import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AstroGlobal } from 'astro';
import { getEntry } from 'astro:content';
import type { Course, Lesson } from '../lib/learning/catalog';
import { offlineCoursePlan, type OfflinePlan } from '../lib/offline/plan';

/**
 * Marks a page as one the service worker keeps a copy of, to be shown when the network is down
 * (public sw.js, ADR 0016). Only pages a person needs in a village without signal: /learn, courses and
 * lessons, practice quizzes, /work and its log forms, the outbox. Exams are never marked.
 */
export function markOffline(Astro: Pick<AstroGlobal, 'response'>): void {
  Astro.response.headers.set('Tonghu-Offline', 'page');
}

const plans = new Map<string, OfflinePlan>();

/** Where a same-site image is on disk (public/ in development, dist/client/ when built). */
function imageBytes(url: string): number | null {
  const path = decodeURIComponent(url.split('?')[0]!);
  if (path.includes('..')) return null;
  for (const root of ['dist/client', 'public']) {
    try {
      const s = statSync(join(resolve(root), path));
      if (s.isFile()) return s.size;
    } catch {
      // not in this root
    }
  }
  return null;
}

/** The offline plan of a course, computed once per course version (lesson files change only on deploy). */
export async function getOfflinePlan(course: Pick<Course, 'slug' | 'version' | 'title' | 'summary'>, lessons: Pick<Lesson, 'slug' | 'title'>[]): Promise<OfflinePlan> {
  const key = `${course.slug}@${course.version}:${lessons.map((l) => l.slug).join(',')}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const sources = [];
  for (const l of lessons) {
    const entry = await getEntry('lessons', `${course.slug}/${l.slug}`);
    if (!entry) continue;
    const d = entry.data;
    sources.push({
      slug: l.slug,
      html: entry.rendered?.html ?? entry.body ?? '',
      extraText: [l.title, ...d.keyPoints, ...d.citations.map((c: { note: string }) => c.note)].join('\n'),
      hasActivity: !!d.activity,
    });
  }
  const plan = offlineCoursePlan(course.slug, `${course.title}\n${course.summary}\n${lessons.map((l) => l.title).join('\n')}`, sources, imageBytes);
  plans.set(key, plan);
  return plan;
}
