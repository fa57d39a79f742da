import { sqliteTable, integer, text, index } from 'drizzle-orm/sqlite-core';
import { users } from './auth';

export const IMPORT_KINDS = ['roster', 'infosys'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
export const IMPORT_STATUSES = ['checked', 'running', 'done', 'failed', 'discarded'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/**
 * One uploaded import file (人员名单 or 信息系统更新记录) from its dry run to its commit. The checked rows
 * are kept in `payload` only until the import is committed or discarded (then nulled: they hold phones
 * and ID numbers). Progress while running is kept in memory by the server (the import's own transaction
 * holds the write lock, so it cannot be written here until the end); see ADR 0015.
 */
export const importJobs = sqliteTable(
  'import_jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: IMPORT_KINDS }).notNull(),
    actorUserId: integer('actor_user_id').notNull().references(() => users.id),
    /** the importer's jurisdiction when the file was checked; the import only touches regions inside it */
    scopePath: text('scope_path').notNull(),
    fileName: text('file_name').notNull(),
    fileSha256: text('file_sha256').notNull(),
    status: text('status', { enum: IMPORT_STATUSES }).notNull(),
    /** data rows in the file (blank rows not counted) */
    total: integer('total').notNull(),
    problemCount: integer('problem_count').notNull(),
    /** normalised rows awaiting the commit; null after commit or discard */
    payload: text('payload', { mode: 'json' }).$type<unknown[] | null>(),
    /** per-row problems of the dry run (or of the commit's re-check), capped */
    problems: text('problems', { mode: 'json' }).$type<unknown[]>().notNull(),
    /** counts: to create / update / unchanged / … (dry run), then what was written */
    summary: text('summary', { mode: 'json' }).$type<Record<string, number>>().notNull(),
    error: text('error'),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('import_jobs_actor_idx').on(t.actorUserId, t.createdAt)],
);
