import { sqliteTable, integer, text, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { users } from './auth';
import { regions } from './org';
import { ROLES } from './auth';

/**
 * What a notice is about: people choose per category which notices also go by SMS (notify_prefs).
 * assignment: new assignments, due soon, overdue; exam: exam windows opened; certificate: expiring;
 * visit: visits due and overdue; worklog: entries returned, flagged visits, escalations; subsidy: run
 * status and appeal decisions; cohort: notices sent by a trainer or supervisor to a cohort.
 */
export const NOTICE_CATEGORIES = ['assignment', 'exam', 'certificate', 'visit', 'worklog', 'subsidy', 'cohort'] as const;
export type NoticeCategory = (typeof NOTICE_CATEGORIES)[number];

/**
 * The in-app inbox: one row per person and notice. `dedupeKey` (unique per person) makes producers
 * idempotent: the reminders job and event hooks insert-or-ignore, so nothing is sent twice.
 */
export const notices = sqliteTable(
  'notices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id').notNull().references(() => users.id),
    category: text('category', { enum: NOTICE_CATEGORIES }).notNull().default('assignment'),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    dedupeKey: text('dedupe_key'),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull(),
    readAt: integer('read_at'),
  },
  (t) => [
    // the header's unread count: a covering index, counted without touching the table
    index('notices_user_idx').on(t.userId, t.readAt),
    index('notices_user_id_idx').on(t.userId, t.id),
    uniqueIndex('notices_user_dedupe_uq').on(t.userId, t.dedupeKey),
  ],
);

/** The categories a person also wants by SMS (a row = yes). */
export const notifyPrefs = sqliteTable(
  'notify_prefs',
  {
    userId: integer('user_id').notNull().references(() => users.id),
    category: text('category', { enum: NOTICE_CATEGORIES }).notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.category] })],
);

export const SMS_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

/**
 * SMS outbox: written in the same transaction as the notice; the dispatcher (scheduled job) claims due
 * rows, respects quiet hours, sends through the configured provider and retries with backoff up to the
 * policy's limit. The phone number is read from users at send time, not copied here.
 */
export const smsOutbox = sqliteTable(
  'sms_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    noticeId: integer('notice_id').notNull().references(() => notices.id),
    userId: integer('user_id').notNull().references(() => users.id),
    text: text('text').notNull(),
    status: text('status', { enum: SMS_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    claimedAt: integer('claimed_at'),
    provider: text('provider'),
    providerId: text('provider_id'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [uniqueIndex('sms_outbox_notice_uq').on(t.noticeId), index('sms_outbox_due_idx').on(t.status, t.nextAttemptAt)],
);

/** A notice a trainer or supervisor sent to a cohort (role + region of their jurisdiction). */
export const cohortNotices = sqliteTable(
  'cohort_notices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    senderId: integer('sender_id').notNull().references(() => users.id),
    senderRole: text('sender_role', { enum: ROLES }).notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    regionId: integer('region_id').notNull().references(() => regions.id),
    regionPath: text('region_path').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    recipients: integer('recipients').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('cohort_notices_sender_idx').on(t.senderId, t.createdAt), index('cohort_notices_path_idx').on(t.regionPath)],
);
