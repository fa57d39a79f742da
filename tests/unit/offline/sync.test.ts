import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, curriculum, testBank } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { getCourseBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { getCourseProgress } from '../../../src/lib/learning/progress';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { startQuizAttempt, getAttemptView, GRACE_MS } from '../../../src/lib/assessment/attempts';
import { createExamWindow, startExamAttempt } from '../../../src/lib/assessment/exams';
import { processOutboxBatch, MAX_BATCH_ITEMS, type SyncContext } from '../../../src/lib/offline/sync';
import { attempts, lessonCompletions, roleAssignments, workEntries, auditLog } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 15, 2); // 2026-06-15 10:00 China time
const MIN = 60_000;

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let ctx: SyncContext;
let caseId: number;
let lessonIds: number[];
let courseId: number;

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  syncContent(db, { courses: [{ ...course('offline', 3), bank: testBank('offline') }], curricula: [curriculum('c', ['offline'])] }, NOW - 1000);
  courseId = getCourseBySlug(db, 'offline')!.id;
  lessonIds = listLessons(db, courseId).map((l) => l.id);
  director = actorOf(w.person('director', w.cgVillage, '李一'));
  caseId = createCase(db, director, { code: 'C-OFF01', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-05-01', note: '' }, NOW - 40 * 24 * 3600_000).id;
  ctx = { userId: director.userId, actor: director, activityLessons: new Set(), now: NOW };
});
afterEach(() => t.cleanup());

const visitValues = (over: Record<string, string> = {}) => ({
  caseId: String(caseId),
  day: '2026-06-14',
  mode: 'in_person',
  findings: '孩子在家，学习正常，祖母身体尚可。',
  guardianshipAdequate: 'yes',
  followUp: 'no',
  followUpNote: '',
  ...over,
});

const count = (table: typeof workEntries | typeof lessonCompletions, where = sql`1`) => db.select({ n: sql<number>`count(*)` }).from(table).where(where).get()!.n;

describe('offline outbox batches', () => {
  it('records a lesson and a visit exactly once however often the batch is replayed', () => {
    const batch = [
      { id: 'lesson-aaaaaaaa', kind: 'lesson', lessonId: lessonIds[0] },
      { id: 'visit-bbbbbbbbb', kind: 'entry', type: 'visit', values: visitValues() },
    ];
    const first = processOutboxBatch(db, ctx, batch);
    expect(first.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(first[1]!.link).toMatch(/^\/work\/entries\/\d+$/);
    for (let i = 0; i < 10; i++) {
      const again = processOutboxBatch(db, { ...ctx, now: NOW + i * MIN }, batch);
      expect(again.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    }
    expect(count(workEntries)).toBe(1);
    expect(count(lessonCompletions)).toBe(1);
    expect(db.select().from(lessonCompletions).get()!.clientId).toBe('lesson-aaaaaaaa');
    expect(getCourseProgress(db, director.userId, courseId)!.lessonsDone).toBe(1);
    expect(db.select({ n: sql<number>`count(*)` }).from(auditLog).where(eq(auditLog.action, 'work.visit')).get()!.n).toBe(1);
  });

  it('keeps what was accepted before a batch was cut off, and the resent batch adds only the rest', () => {
    const items = Array.from({ length: 6 }, (_, i) => ({ id: `outreach-${i}-xxxxxx`, kind: 'entry', type: 'outreach', values: { day: '2026-06-14', place: `村委会${i}`, topic: '防溺水宣传', attendance: String(10 + i) } }));
    // the connection dropped after the server had handled the first three (the phone never saw the answer)
    processOutboxBatch(db, ctx, items.slice(0, 3));
    const resent = processOutboxBatch(db, ctx, items);
    expect(resent.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'accepted', 'accepted', 'accepted']);
    expect(count(workEntries)).toBe(6);
    // a replay of the same id inside one batch writes nothing new
    const twice = processOutboxBatch(db, ctx, [items[0], items[0]]);
    expect(twice.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(count(workEntries)).toBe(6);
  });

  it('rejects a bad item with its field, on its own, and accepts the corrected resend under the same id', () => {
    const batch = [
      { id: 'visit-future-1', kind: 'entry', type: 'visit', values: visitValues({ day: '2026-07-01' }) },
      { id: 'visit-nofind-1', kind: 'entry', type: 'visit', values: visitValues({ findings: '' }) },
      { id: 'lesson-good-01', kind: 'lesson', lessonId: lessonIds[1] },
      { id: 'bad', kind: 'lesson', lessonId: 1 },
      { kind: 'nonsense' },
    ];
    const r = processOutboxBatch(db, ctx, batch);
    expect(r[0]).toMatchObject({ status: 'rejected', field: 'day', message: { key: 'v.dateInFuture' } });
    expect(r[1]).toMatchObject({ status: 'rejected', field: 'findings', message: { key: 'v.required' } });
    expect(r[2]!.status).toBe('accepted');
    expect(r[3]).toMatchObject({ id: 'bad', status: 'rejected', field: 'clientId' });
    expect(r[4]).toMatchObject({ id: '', status: 'rejected' });
    expect(count(workEntries)).toBe(0);
    const fixed = processOutboxBatch(db, ctx, [{ ...batch[0], values: visitValues({ day: '2026-06-13' }) }]);
    expect(fixed[0]!.status).toBe('accepted');
    expect(db.select().from(workEntries).get()).toMatchObject({ clientId: 'visit-future-1', day: '2026-06-13' });
  });

  it('points a flagged visit to its report, and refuses work entries from someone who is not a director', () => {
    const r = processOutboxBatch(db, ctx, [{ id: 'visit-flag-001', kind: 'entry', type: 'visit', values: visitValues({ findings: '孩子身上有多处淤青，说是被打的。', situation_abuse_injuries: 'on' }) }]);
    expect(r[0]).toMatchObject({ status: 'accepted' });
    expect(db.select().from(workEntries).get()!.flagged).toBe(true);
    expect(r[0]!.reportLink).toMatch(/^\/work\/log\/report\?visit=\d+$/);
    const sup = actorOf(w.person('supervisor', w.chengguan, '张三'));
    const s = processOutboxBatch(db, { userId: sup.userId, actor: sup, activityLessons: new Set(), now: NOW }, [{ id: 'visit-sup-0001', kind: 'entry', type: 'outreach', values: { day: '2026-06-14', place: '村委会', topic: '宣传', attendance: '5' } }]);
    expect(s[0]).toMatchObject({ status: 'rejected', message: { key: 'v.directorsOnly' } });
  });

  it('does not complete an H5P-completed lesson by the learner’s word, nor a lesson that does not exist', () => {
    const r = processOutboxBatch(db, { ...ctx, activityLessons: new Set([lessonIds[2]!]) }, [
      { id: 'lesson-h5p-0001', kind: 'lesson', lessonId: lessonIds[2] },
      { id: 'lesson-gone-001', kind: 'lesson', lessonId: 999999 },
    ]);
    expect(r.map((x) => x.message?.key)).toEqual(['v.activityRequired', 'v.offlineGone']);
    expect(count(lessonCompletions)).toBe(0);
  });

  it('grades a practice quiz answered offline once, as of when it was answered, and refuses exams', () => {
    const a = startQuizAttempt(db, director.userId, courseId, NOW);
    const view = getAttemptView(db, director.userId, a, NOW);
    const responses = Object.fromEntries(view.questions.map((q) => [String(q.ord), q.type === 'truefalse' ? false : null]));
    // answered on the phone 5 minutes in, synced two hours later (long after the 10-minute limit)
    const item = { id: 'quiz-offline-01', kind: 'quiz', attemptId: a, responses, answeredAt: NOW + 5 * MIN };
    const later = { ...ctx, now: NOW + 120 * MIN };
    expect(processOutboxBatch(db, later, [item])[0]).toMatchObject({ status: 'accepted', link: `/learn/attempts/${a}/result` });
    const row = db.select().from(attempts).where(eq(attempts.id, a)).get()!;
    expect(row.submittedAt).toBe(NOW + 5 * MIN);
    expect(row.timedOut).toBe(false);
    expect(row.correct).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10; i++) expect(processOutboxBatch(db, later, [item])[0]!.status).toBe('duplicate');
    expect(db.select({ n: sql<number>`count(*)` }).from(attempts).where(and(eq(attempts.userId, director.userId), sql`${attempts.submittedAt} is not null`)).get()!.n).toBe(1);

    // a phone clock set late does not stretch the time limit: answers claimed after the deadline are not counted
    const b = startQuizAttempt(db, director.userId, courseId, NOW + 130 * MIN);
    const lateItem = { id: 'quiz-offline-02', kind: 'quiz', attemptId: b, responses, answeredAt: NOW + 130 * MIN + 10 * MIN + GRACE_MS + 1000 };
    processOutboxBatch(db, { ...ctx, now: NOW + 200 * MIN }, [lateItem]);
    expect(db.select().from(attempts).where(eq(attempts.id, b)).get()).toMatchObject({ timedOut: true, correct: 0 });

    const tr = w.person('trainer', w.zhushan);
    const exam = createExamWindow(db, { userId: tr, scopePath: w.zhushan.path }, { courseId, title: '理论考试', role: 'director', regionId: w.zhushan.id, opensAt: NOW + 300 * MIN, closesAt: NOW + 400 * MIN, durationMinutes: 30, passMark: 60 }, NOW + 200 * MIN);
    const e = startExamAttempt(db, director.userId, exam, NOW + 301 * MIN);
    const r = processOutboxBatch(db, { ...ctx, now: NOW + 302 * MIN }, [{ id: 'exam-offline-01', kind: 'quiz', attemptId: e, responses, answeredAt: NOW + 301 * MIN }]);
    expect(r[0]).toMatchObject({ status: 'rejected', field: 'attempt', message: { key: 'v.examOnline' } });
    expect(db.select().from(attempts).where(eq(attempts.id, e)).get()!.submittedAt).toBeNull();
    // someone else's attempt is not found
    const other = w.person('director', w.hxVillage, '王二');
    const o = processOutboxBatch(db, { userId: other, actor: actorOf(other), activityLessons: new Set(), now: NOW + 302 * MIN }, [{ ...item, id: 'quiz-other-001' }]);
    expect(o[0]).toMatchObject({ status: 'rejected', message: { key: 'v.offlineGone' } });
  });

  it('handles at most MAX_BATCH_ITEMS items per call', () => {
    const items = Array.from({ length: MAX_BATCH_ITEMS + 3 }, (_, i) => ({ id: `outreach-max-${i}-x`, kind: 'entry', type: 'outreach', values: { day: '2026-06-14', place: '村委会', topic: '宣传', attendance: '5' } }));
    expect(processOutboxBatch(db, ctx, items)).toHaveLength(MAX_BATCH_ITEMS);
  });
});
