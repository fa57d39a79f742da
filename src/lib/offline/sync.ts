import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { attempts } from '../../../db/schema/index';
import { ENTRY_TYPES } from '../../../db/schema/fieldwork';
import { FieldError, NotFoundError } from '../errors';
import type { Message } from '../validation/form';
import { completeLesson } from '../learning/progress';
import { submitAttempt } from '../assessment/attempts';
import { parseEntryForm, submitEntry } from '../fieldwork/entries';
import { mandatoryRulesFor } from '../fieldwork/rules';
import type { FieldActor } from '../fieldwork/cases';
import { dayOf } from '../time';

/**
 * The offline outbox's server side (docs/decisions/0016-offline-outbox.md). A phone that recorded things
 * without a network sends them here in small batches; each item carries the id the phone gave it, and
 * each kind has its own natural de-duplication, so a batch replayed ten times, or cut off half-way and
 * sent again, writes each item exactly once:
 *   lesson — one completion per person and lesson (unique index), the outbox id is kept as client_id;
 *   entry  — a work-log entry is unique per author and client id (ADR 0010);
 *   quiz   — a practice attempt is graded once (the submitted_at guard); exams are never taken offline.
 * Every item is processed in its own transaction: what was accepted before a cut stays accepted.
 */

/** Items per request: small, so a slow 2G link finishes a batch before it drops. */
export const MAX_BATCH_ITEMS = 10;
export const MAX_BATCH_BYTES = 64 * 1024;

const clientId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

const lessonItem = z.object({ id: clientId, kind: z.literal('lesson'), lessonId: z.number().int().positive() });
const entryItem = z.object({
  id: clientId,
  kind: z.literal('entry'),
  type: z.enum(ENTRY_TYPES),
  values: z.record(z.string().max(64), z.string().max(2000)).refine((v) => Object.keys(v).length <= 60),
});
const quizItem = z.object({
  id: clientId,
  kind: z.literal('quiz'),
  attemptId: z.number().int().positive(),
  responses: z.record(z.string().regex(/^\d{1,3}$/), z.unknown()),
  /** when the person pressed submit, by the phone's clock (checked against the attempt's own times) */
  answeredAt: z.number().int().nonnegative(),
});
export const outboxItemSchema = z.discriminatedUnion('kind', [lessonItem, entryItem, quizItem]);
export type OutboxItem = z.infer<typeof outboxItemSchema>;

export type ItemStatus = 'accepted' | 'duplicate' | 'rejected';

export interface ItemResult {
  id: string;
  status: ItemStatus;
  /** rejected: the field at fault and the catalog message (the route turns it into Chinese) */
  field?: string;
  message?: Message;
  /** where the recorded thing can be seen (an entry, a quiz result) */
  link?: string;
  /** a visit that recorded a mandatory-report situation: the report must follow at once */
  reportLink?: string;
}

export interface SyncContext {
  userId: number;
  /** the active role assignment (work entries need a director's village) */
  actor: FieldActor | null;
  /** lessons completed by their H5P activity, not by the learner's word (read from the lesson files) */
  activityLessons: ReadonlySet<number>;
  now?: number;
}

const reject = (id: string, field: string, key: string, params: Record<string, string | number> = {}): ItemResult => ({
  id,
  status: 'rejected',
  field,
  message: { key, params },
});

/**
 * Parses one raw item. A malformed item is rejected on its own (naming its id when it has one), so one
 * bad item never holds back the rest of the batch.
 */
export function parseOutboxItem(raw: unknown): { ok: true; item: OutboxItem } | { ok: false; result: ItemResult } {
  const r = outboxItemSchema.safeParse(raw);
  if (r.success) return { ok: true, item: r.data };
  const id = raw && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string' ? String((raw as { id: string }).id).slice(0, 64) : '';
  const field = String(r.error.issues[0]?.path[0] ?? 'item');
  return { ok: false, result: reject(id, field === 'id' ? 'clientId' : '_form', 'v.invalid') };
}

function syncLesson(db: Db, ctx: SyncContext, item: z.infer<typeof lessonItem>, now: number): ItemResult {
  if (ctx.activityLessons.has(item.lessonId)) return reject(item.id, 'lesson', 'v.activityRequired');
  try {
    const r = completeLesson(db, ctx.userId, item.lessonId, now, item.id);
    return { id: item.id, status: r.recorded ? 'accepted' : 'duplicate' };
  } catch (e) {
    if (e instanceof NotFoundError) return reject(item.id, 'lesson', 'v.offlineGone');
    if (e instanceof FieldError) return reject(item.id, e.field, e.key, e.params);
    throw e;
  }
}

function syncEntry(db: Db, ctx: SyncContext, item: z.infer<typeof entryItem>, now: number): ItemResult {
  const actor = ctx.actor;
  if (!actor || actor.role !== 'director') return reject(item.id, '_form', 'v.directorsOnly');
  const codes = mandatoryRulesFor(db, actor.regionPath, dayOf(now)).rules.situations.map((s) => s.code);
  // the outbox id is the entry's client id: a replay is the same entry
  const parsed = parseEntryForm(item.type, { ...item.values, clientId: item.id }, codes);
  if (!parsed.ok) {
    const [field, message] = Object.entries(parsed.errors)[0]!;
    return { id: item.id, status: 'rejected', field, message };
  }
  try {
    const r = submitEntry(db, actor, parsed.data, now);
    const e = r.entry;
    const needsReport = e.type === 'visit' && e.flagged && e.linkedEntryId === null;
    return {
      id: item.id,
      status: r.duplicate ? 'duplicate' : 'accepted',
      link: `/work/entries/${e.id}`,
      ...(needsReport ? { reportLink: `/work/log/report?visit=${e.id}` } : {}),
    };
  } catch (e) {
    if (e instanceof FieldError) return reject(item.id, e.field, e.key, e.params);
    throw e;
  }
}

function syncQuiz(db: Db, ctx: SyncContext, item: z.infer<typeof quizItem>, now: number): ItemResult {
  const a = db.select().from(attempts).where(and(eq(attempts.id, item.attemptId), eq(attempts.userId, ctx.userId))).get();
  if (!a) return reject(item.id, 'attempt', 'v.offlineGone');
  if (a.examId !== null) return reject(item.id, 'attempt', 'v.examOnline');
  const link = `/learn/attempts/${a.id}/result`;
  if (a.submittedAt !== null) return { id: item.id, status: 'duplicate', link };
  // A practice quiz answered offline counts as of the moment it was submitted on the phone, bounded by
  // the attempt's start and by now: a phone clock cannot move an answer before the questions existed or
  // into the future. Past the deadline (plus grace) the answers sent are ignored, as online.
  const at = Math.min(now, Math.max(a.startedAt, item.answeredAt));
  const responses: Record<number, unknown> = {};
  for (const [k, v] of Object.entries(item.responses)) responses[Number(k)] = v;
  submitAttempt(db, ctx.userId, a.id, responses, at);
  return { id: item.id, status: 'accepted', link };
}

/** Processes one batch in order; each item commits on its own (see the module comment). */
export function processOutboxBatch(db: Db, ctx: SyncContext, raw: unknown[]): ItemResult[] {
  const now = ctx.now ?? Date.now();
  // the same id twice in one batch is a replay: the second finds the first and writes nothing
  return raw.slice(0, MAX_BATCH_ITEMS).map((r) => {
    const p = parseOutboxItem(r);
    return p.ok ? processItem(db, ctx, p.item, now) : p.result;
  });
}

function processItem(db: Db, ctx: SyncContext, item: OutboxItem, now: number): ItemResult {
  switch (item.kind) {
    case 'lesson':
      return syncLesson(db, ctx, item, now);
    case 'entry':
      return syncEntry(db, ctx, item, now);
    case 'quiz':
      return syncQuiz(db, ctx, item, now);
  }
}
