import { sqliteTable, integer, text, real, index, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { curricula, courses } from './learning';

/**
 * Issued certificates. Never edited after issue except to record a revocation or that a newer one
 * superseded it; a correction is a new certificate pointing at the old one.
 */
export const certificates = sqliteTable(
  'certificates',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** random, unguessable code of the public verification URL /verify/<code> */
    code: text('code').notNull(),
    serial: text('serial').notNull(),
    year: integer('year').notNull(),
    seq: integer('seq').notNull(),
    userId: integer('user_id').notNull().references(() => users.id),
    kind: text('kind', { enum: ['curriculum', 'course', 'skill-level'] }).notNull(),
    curriculumId: integer('curriculum_id').references(() => curricula.id),
    courseId: integer('course_id').references(() => courses.id),
    level: text('level'),
    title: text('title').notNull(),
    hours: real('hours'),
    issuedAt: integer('issued_at').notNull(),
    issuedOn: text('issued_on').notNull(),
    expiresOn: text('expires_on'),
    issuer: text('issuer').notNull(),
    holderName: text('holder_name').notNull(),
    holderMasked: text('holder_masked').notNull(),
    /** the signed payload carried by the QR code (see src/lib/certification/signing.ts) */
    token: text('token').notNull(),
    /** courses and versions the certificate rests on: a new major version flags it for an update */
    basedOn: text('based_on', { mode: 'json' }).$type<{ courseId: number; version: string }[]>().notNull(),
    regionPath: text('region_path').notNull(),
    status: text('status', { enum: ['valid', 'revoked', 'superseded'] }).notNull().default('valid'),
    revokedAt: integer('revoked_at'),
    revokedBy: integer('revoked_by').references(() => users.id),
    revokeReason: text('revoke_reason'),
    supersedesId: integer('supersedes_id'),
  },
  (t) => [
    uniqueIndex('certificates_code_uq').on(t.code),
    uniqueIndex('certificates_serial_uq').on(t.serial),
    uniqueIndex('certificates_year_seq_uq').on(t.year, t.seq),
    index('certificates_user_idx').on(t.userId, t.status),
    index('certificates_path_idx').on(t.regionPath, t.status),
    // the reminders job: certificates expiring soon
    index('certificates_expires_idx').on(t.expiresOn),
  ],
);

/** Serial numbers per year: handed out once, never reused (a revoked certificate keeps its number). */
export const serialCounters = sqliteTable('serial_counters', {
  year: integer('year').primaryKey(),
  next: integer('next').notNull(),
});
