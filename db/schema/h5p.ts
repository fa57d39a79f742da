import { sqliteTable, integer, text, real, index } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { lessons } from './learning';

/**
 * An .h5p package a trainer uploaded. It is validated before anything is written and then extracted to
 * `<data folder>/h5p/<id>/`; it plays at /h5p/frame/<slug>. `slug` is random ("u-" + hex), so the public
 * file URLs (/h5p/files/packages/<slug>/…) cannot be guessed from the id. Rejected uploads leave no row,
 * only an audit entry with the reason.
 */
export const h5pPackages = sqliteTable(
  'h5p_packages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    slug: text('slug').notNull().unique(),
    title: text('title').notNull(),
    /** machine name of the main library, e.g. "H5P.MultiChoice" */
    mainLibrary: text('main_library').notNull(),
    uploadedBy: integer('uploaded_by')
      .notNull()
      .references(() => users.id),
    /** the uploader's jurisdiction: trainers see packages uploaded within their region */
    regionPath: text('region_path').notNull(),
    /** size of the uploaded .h5p file */
    sizeBytes: integer('size_bytes').notNull(),
    /** files and bytes after extraction */
    fileCount: integer('file_count').notNull(),
    unpackedBytes: integer('unpacked_bytes').notNull(),
    createdAt: integer('created_at').notNull(),
    /** 'ready' plays; 'removed' was withdrawn by a trainer (files deleted, row kept for history) */
    status: text('status', { enum: ['ready', 'removed'] }).notNull(),
  },
  (t) => [index('h5p_packages_path_idx').on(t.regionPath, t.createdAt)],
);

/**
 * xAPI statements posted by the player (relayed by the lesson page), one row each. The score columns are
 * copied out of the statement for queries; `statement` keeps the validated, size-capped statement.
 * `activityId` is a built-in activity slug (content/h5p/<slug>) or an uploaded package's slug.
 */
export const xapiStatements = sqliteTable(
  'xapi_statements',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id),
    activityId: text('activity_id').notNull(),
    lessonId: integer('lesson_id').references(() => lessons.id),
    /** last part of the verb IRI: answered, completed, passed, failed, scored */
    verb: text('verb').notNull(),
    scoreRaw: real('score_raw'),
    scoreMax: real('score_max'),
    scaled: real('scaled'),
    success: integer('success', { mode: 'boolean' }),
    completion: integer('completion', { mode: 'boolean' }),
    /** true for a statement about a part of the activity (one question of a set) */
    subContent: integer('sub_content', { mode: 'boolean' }).notNull().default(false),
    statement: text('statement', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('xapi_user_activity_idx').on(t.userId, t.activityId, t.createdAt), index('xapi_activity_idx').on(t.activityId, t.createdAt)],
);
