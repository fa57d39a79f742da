import { and, eq, desc, lt, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { importJobs, type ImportKind } from '../../../db/schema/index';
import { MAX_PROBLEMS_KEPT, type ImportActor, type Problem } from './common';

export type ImportJob = typeof importJobs.$inferSelect;

/** Checked files not committed within this time lose their rows (phones, ID numbers): minimum retention. */
export const CHECKED_TTL_MS = 24 * 3600_000;

/**
 * Stores a dry run: the rows (until commit or discard), the problems (the first MAX_PROBLEMS_KEPT) and the
 * counts. The actor's earlier unfinished dry runs, and anyone's older than a day, drop their rows.
 */
export function createCheckedJob(
  db: Db,
  actor: ImportActor,
  input: { kind: ImportKind; fileName: string; fileSha256: string; rows: unknown[]; problems: Problem[]; summary: Record<string, number> },
  now = Date.now(),
): number {
  return db.transaction((tx) => {
    tx.update(importJobs)
      .set({ status: 'discarded', payload: null, finishedAt: now })
      .where(and(eq(importJobs.status, 'checked'), eq(importJobs.actorUserId, actor.userId)))
      .run();
    tx.update(importJobs)
      .set({ status: 'discarded', payload: null, finishedAt: now })
      .where(and(eq(importJobs.status, 'checked'), lt(importJobs.createdAt, now - CHECKED_TTL_MS)))
      .run();
    return tx
      .insert(importJobs)
      .values({
        kind: input.kind,
        actorUserId: actor.userId,
        scopePath: actor.scopePath,
        fileName: input.fileName.slice(0, 200),
        fileSha256: input.fileSha256,
        status: 'checked',
        total: input.rows.length,
        problemCount: input.problems.length,
        payload: input.problems.length ? null : input.rows,
        problems: input.problems.slice(0, MAX_PROBLEMS_KEPT),
        summary: input.summary,
        createdAt: now,
      })
      .returning({ id: importJobs.id })
      .get().id;
  });
}

/**
 * A job of this person, in this jurisdiction; null otherwise (pages answer 404). Only the importer sees a
 * job: its rows and problems carry other people's phones and ID numbers.
 */
export function getJobForActor(db: Db, actor: ImportActor, id: number): ImportJob | null {
  const j = db.select().from(importJobs).where(eq(importJobs.id, id)).get();
  if (!j || j.actorUserId !== actor.userId || j.scopePath !== actor.scopePath) return null;
  return j;
}

export function listJobsForActor(db: Db, actor: ImportActor, limit = 10): Omit<ImportJob, 'payload' | 'problems'>[] {
  return db
    .select({
      id: importJobs.id,
      kind: importJobs.kind,
      actorUserId: importJobs.actorUserId,
      scopePath: importJobs.scopePath,
      fileName: importJobs.fileName,
      fileSha256: importJobs.fileSha256,
      status: importJobs.status,
      total: importJobs.total,
      problemCount: importJobs.problemCount,
      summary: importJobs.summary,
      error: importJobs.error,
      createdAt: importJobs.createdAt,
      startedAt: importJobs.startedAt,
      finishedAt: importJobs.finishedAt,
    })
    .from(importJobs)
    .where(and(eq(importJobs.actorUserId, actor.userId), eq(importJobs.scopePath, actor.scopePath)))
    .orderBy(desc(importJobs.id))
    .limit(limit)
    .all();
}

/** checked → running, once (a second click or a replayed form starts nothing). Returns the rows. */
export function claimJob(db: Db, actor: ImportActor, id: number, now = Date.now()): unknown[] | null {
  return db.transaction((tx) => {
    const j = tx.select().from(importJobs).where(eq(importJobs.id, id)).get();
    if (!j || j.actorUserId !== actor.userId || j.status !== 'checked' || j.problemCount > 0 || !j.payload) return null;
    if (j.createdAt < now - CHECKED_TTL_MS) return null;
    tx.update(importJobs).set({ status: 'running', startedAt: now }).where(eq(importJobs.id, id)).run();
    return j.payload;
  });
}

/** Records success. Called inside the import's own transaction, so the job says done exactly when the data is there. */
export function markJobDone(db: Db, id: number, summary: Record<string, number>, now = Date.now()): void {
  db.update(importJobs).set({ status: 'done', summary, payload: null, finishedAt: now }).where(eq(importJobs.id, id)).run();
}

/** Records a failed import (nothing was written): the problems found at commit, or an error text. */
export function markJobFailed(db: Db, id: number, failure: { problems?: Problem[]; error?: string }, now = Date.now()): void {
  db.update(importJobs)
    .set({
      status: 'failed',
      payload: null,
      finishedAt: now,
      error: failure.error ?? null,
      ...(failure.problems ? { problems: failure.problems.slice(0, MAX_PROBLEMS_KEPT), problemCount: failure.problems.length } : {}),
    })
    .where(eq(importJobs.id, id))
    .run();
}

export function discardJob(db: Db, actor: ImportActor, id: number, now = Date.now()): boolean {
  const r = db
    .update(importJobs)
    .set({ status: 'discarded', payload: null, finishedAt: now })
    .where(and(eq(importJobs.id, id), eq(importJobs.actorUserId, actor.userId), inArray(importJobs.status, ['checked'])))
    .run();
  return r.changes > 0;
}
