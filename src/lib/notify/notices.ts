import { and, desc, eq, isNull, like, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { notices, notifyPrefs, smsOutbox, NOTICE_CATEGORIES, type NoticeCategory } from '../../../db/schema/index';

export type Notice = typeof notices.$inferSelect;
type Tx = Pick<Db, 'select' | 'insert'>;

export interface NoticeInput {
  userId: number;
  category: NoticeCategory;
  /** what happened, e.g. 'learning.assigned', 'fieldwork.returned' (finer than the category) */
  kind: string;
  title: string;
  body: string;
  /** a same-site path to the thing the notice is about */
  link?: string | null;
  createdBy?: number | null;
  /** unique per person: a second notice with the same key is not written (idempotent producers) */
  dedupeKey?: string | null;
  at: number;
}

/**
 * The one way to put a notice in someone's inbox. Call it inside the transaction of the event it reports,
 * so the notice exists exactly when the event does. With a `dedupeKey` it writes nothing when that person
 * already has a notice with that key. When the person wants this category by SMS too, the message goes to
 * the SMS outbox in the same transaction. Returns the notice id, or null when it was a duplicate.
 */
export function addNotice(tx: Tx, n: NoticeInput): number | null {
  const row = tx
    .insert(notices)
    .values({
      userId: n.userId,
      category: n.category,
      kind: n.kind,
      title: n.title,
      body: n.body,
      link: n.link ?? null,
      createdBy: n.createdBy ?? null,
      dedupeKey: n.dedupeKey ?? null,
      createdAt: n.at,
    })
    .onConflictDoNothing()
    .returning({ id: notices.id })
    .get();
  if (!row) return null;
  const wantsSms = tx.select({ u: notifyPrefs.userId }).from(notifyPrefs).where(and(eq(notifyPrefs.userId, n.userId), eq(notifyPrefs.category, n.category))).get();
  if (wantsSms) {
    tx.insert(smsOutbox).values({ noticeId: row.id, userId: n.userId, text: n.body ? `${n.title}。${n.body}` : n.title, nextAttemptAt: n.at, createdAt: n.at }).run();
  }
  return row.id;
}

/**
 * `addNotice` for many notices in one transaction (the reminders job, cohort notices): the same writes,
 * through statements prepared once, so thousands of notices cost milliseconds rather than seconds.
 */
export function noticeWriter(tx: Tx): (n: NoticeInput) => number | null {
  const p = (name: string) => sql.placeholder(name);
  const insert = tx
    .insert(notices)
    .values({ userId: p('userId'), category: p('category'), kind: p('kind'), title: p('title'), body: p('body'), link: p('link'), createdBy: p('createdBy'), dedupeKey: p('dedupeKey'), createdAt: p('at') })
    .onConflictDoNothing()
    .returning({ id: notices.id })
    .prepare();
  const wants = tx.select({ u: notifyPrefs.userId }).from(notifyPrefs).where(and(eq(notifyPrefs.userId, p('userId')), eq(notifyPrefs.category, p('category')))).prepare();
  const queue = tx.insert(smsOutbox).values({ noticeId: p('noticeId'), userId: p('userId'), text: p('text'), nextAttemptAt: p('at'), createdAt: p('at') }).prepare();
  return (n) => {
    const row = insert.get({ userId: n.userId, category: n.category, kind: n.kind, title: n.title, body: n.body, link: n.link ?? null, createdBy: n.createdBy ?? null, dedupeKey: n.dedupeKey ?? null, at: n.at });
    if (!row) return null;
    if (wants.get({ userId: n.userId, category: n.category })) queue.run({ noticeId: row.id, userId: n.userId, text: n.body ? `${n.title}。${n.body}` : n.title, at: n.at });
    return row.id;
  };
}

/** The same notice for several people (each deduplicated on its own); returns how many were written. */
export function addNotices(tx: Tx, userIds: Iterable<number>, n: Omit<NoticeInput, 'userId'>, write: (n: NoticeInput) => number | null = (x) => addNotice(tx, x)): number {
  let written = 0;
  for (const userId of new Set(userIds)) if (write({ ...n, userId }) !== null) written++;
  return written;
}

/** Unread notices of a person: answered from the (user_id, read_at) index alone. */
export function countUnread(db: Db, userId: number): number {
  return db.select({ n: sql<number>`count(*)` }).from(notices).where(and(eq(notices.userId, userId), isNull(notices.readAt))).get()?.n ?? 0;
}

export const INBOX_PAGE_SIZE = 30;

/** A page of a person's inbox, newest first; `before` is the id to continue below (keyset paging). */
export function listInbox(db: Db, userId: number, opts: { before?: number | null; unreadOnly?: boolean; limit?: number } = {}): { items: Notice[]; nextBefore: number | null } {
  const limit = Math.min(Math.max(opts.limit ?? INBOX_PAGE_SIZE, 1), 100);
  const rows = db
    .select()
    .from(notices)
    .where(and(eq(notices.userId, userId), opts.before ? lt(notices.id, opts.before) : undefined, opts.unreadOnly ? isNull(notices.readAt) : undefined))
    .orderBy(desc(notices.id))
    .limit(limit + 1)
    .all();
  const items = rows.slice(0, limit);
  return { items, nextBefore: rows.length > limit ? items[items.length - 1]!.id : null };
}

/** A notice of this person (null for anyone else's: ids from a URL are never trusted). */
export function getOwnNotice(db: Db, userId: number, id: number): Notice | null {
  return db.select().from(notices).where(and(eq(notices.id, id), eq(notices.userId, userId))).get() ?? null;
}

/** Marks one of the person's own notices read; false when it is not theirs or already read. */
export function markRead(db: Db, userId: number, id: number, now = Date.now()): boolean {
  return db.update(notices).set({ readAt: now }).where(and(eq(notices.id, id), eq(notices.userId, userId), isNull(notices.readAt))).run().changes > 0;
}

/** Marks every unread notice of the person read; returns how many. */
export function markAllRead(db: Db, userId: number, now = Date.now()): number {
  return db.update(notices).set({ readAt: now }).where(and(eq(notices.userId, userId), isNull(notices.readAt))).run().changes;
}

/** The categories the person also receives by SMS. */
export function getSmsCategories(db: Db, userId: number): NoticeCategory[] {
  return db.select({ c: notifyPrefs.category }).from(notifyPrefs).where(eq(notifyPrefs.userId, userId)).all().map((r) => r.c);
}

/** Replaces the person's SMS choices (unknown categories are ignored). */
export function setSmsCategories(db: Db, userId: number, categories: readonly string[], now = Date.now()): NoticeCategory[] {
  const chosen = NOTICE_CATEGORIES.filter((c) => categories.includes(c));
  db.transaction((tx) => {
    tx.delete(notifyPrefs).where(eq(notifyPrefs.userId, userId)).run();
    for (const c of chosen) tx.insert(notifyPrefs).values({ userId, category: c, updatedAt: now }).run();
  });
  return chosen;
}

/** Category of notices written before categories existed (by their kind); run by the daily job. */
export function backfillNoticeCategories(db: Db): number {
  return db.update(notices).set({ category: 'worklog' }).where(and(eq(notices.category, 'assignment'), like(notices.kind, 'fieldwork.%'))).run().changes;
}
