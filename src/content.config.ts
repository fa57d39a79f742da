import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonFrontmatterSchema } from './lib/learning/content';

/**
 * Lesson pages render from this collection (Markdown → HTML at build time, no JavaScript). The same zod
 * schema checks them in src/lib/learning/content.ts, which also syncs the catalogue into the database.
 * Entry ids are "<course-slug>/<NN-lesson>".
 */
const lessons = defineCollection({
  loader: glob({
    pattern: '*/[0-9][0-9]-*.md',
    base: './content/courses',
    generateId: ({ entry }) => entry.replace(/\.md$/, ''),
  }),
  schema: lessonFrontmatterSchema,
});

export const collections = { lessons };
