import { and, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { policies, enrollments, learningAssignments, curricula, courses, roleAssignments, users, examWindows, certificates, cases } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { withinSql } from '../org/scope';
import { addDays, dayNumber, dayOf } from '../time';
import { addNotices, noticeWriter } from './notices';
import { NOTIFY_KIND, notifyRulesSchema, rulesCache, type NotifyRules } from './rules';

type Tx = Pick<Db, 'select' | 'insert'>;

/**
 * The reminders job: derives notices from what is stored (due dates, exam windows, certificate expiry,
 * visit schedules). Every notice carries a dedupe key naming the thing, the rule and the date it is about,
 * so running the job twice (or from two processes) sends nothing twice, and a changed due date re-arms it.
 */
export interface ReminderResult {
  assignmentsDue: number;
  assignmentsOverdue: number;
  examsOpened: number;
  certificatesExpiring: number;
  visitsDue: number;
  visitsOverdue: number;
}

/** The reminder threshold a due date falls under: the nearest of the lead days not below days left. */
export function dueThreshold(daysLeft: number, leadDays: readonly number[]): number | null {
  const t = [...leadDays].sort((a, b) => a - b).find((d) => d >= daysLeft);
  return daysLeft >= 0 && t !== undefined ? t : null;
}

export function runReminders(db: Db, now = Date.now()): ReminderResult {
  const today = dayOf(now);
  const rulesOf = rulesCache(db, today);
  const r: ReminderResult = { assignmentsDue: 0, assignmentsOverdue: 0, examsOpened: 0, certificatesExpiring: 0, visitsDue: 0, visitsOverdue: 0 };
  // scan only the days some version of the rules can ask about (the widest over all versions)
  const b = leadBounds(db);
  const lo = addDays(today, -b.lookback);
  const todayN = dayNumber(today);

  // learning assignments: due soon, overdue (only while the person still holds the role)
  const open = db
    .select({ id: enrollments.id, userId: enrollments.userId, dueDate: enrollments.dueDate, regionPath: enrollments.regionPath, curriculum: curricula.title, course: courses.title })
    .from(enrollments)
    .innerJoin(learningAssignments, eq(learningAssignments.id, enrollments.assignmentId))
    .innerJoin(roleAssignments, eq(roleAssignments.id, enrollments.roleAssignmentId))
    .innerJoin(users, eq(users.id, enrollments.userId))
    .leftJoin(curricula, eq(curricula.id, learningAssignments.curriculumId))
    .leftJoin(courses, eq(courses.id, learningAssignments.courseId))
    .where(and(gte(enrollments.dueDate, lo), lte(enrollments.dueDate, addDays(today, b.assignment)), isNull(enrollments.completedAt), eq(learningAssignments.active, true), eq(roleAssignments.active, true), eq(users.active, true)))
    .all();

  const expiring = db
    .select({ id: certificates.id, userId: certificates.userId, title: certificates.title, expiresOn: certificates.expiresOn, regionPath: certificates.regionPath })
    .from(certificates)
    .innerJoin(users, eq(users.id, certificates.userId))
    .where(and(eq(certificates.status, 'valid'), gte(certificates.expiresOn, today), lte(certificates.expiresOn, addDays(today, b.certificate)), eq(users.active, true)))
    .all();

  // visits: open cases due within the lead days or overdue; the village's directors are told
  const visits = db
    .select({ id: cases.id, code: cases.code, nextDueDay: cases.nextDueDay, regionPath: cases.regionPath })
    .from(cases)
    .where(and(eq(cases.status, 'active'), gte(cases.nextDueDay, lo), lte(cases.nextDueDay, addDays(today, b.visit))))
    .all();

  db.transaction((tx) => {
    const write = noticeWriter(tx);
    for (const e of open) {
      const rules = rulesOf(e.regionPath);
      if (!rules) continue;
      const title = e.curriculum ?? e.course ?? '学习任务';
      const left = dayNumber(e.dueDate) - todayN;
      if (left < 0) {
        if (-left > rules.overdueLookbackDays) continue;
        if (write({ userId: e.userId, category: 'assignment', kind: 'learning.overdue', title: `学习任务已逾期：${title}`, body: `截止日期 ${e.dueDate} 已过，请尽快完成。`, link: '/learn', dedupeKey: `enrol:${e.id}:overdue:${e.dueDate}`, at: now }) !== null) r.assignmentsOverdue++;
        continue;
      }
      const t = dueThreshold(left, rules.assignmentDueDays);
      if (t === null) continue;
      const when = left === 0 ? '今天到期' : `还有 ${left} 天到期（${e.dueDate}）`;
      if (write({ userId: e.userId, category: 'assignment', kind: 'learning.due', title: `学习任务${left === 0 ? '今天' : ` ${left} 天后`}到期：${title}`, body: `${when}，请按时完成。`, link: '/learn', dedupeKey: `enrol:${e.id}:due${t}:${e.dueDate}`, at: now }) !== null) r.assignmentsDue++;
    }
    r.examsOpened = notifyExamsOpeningTx(tx, now, write);
    for (const c of expiring) {
      const rules = rulesOf(c.regionPath);
      if (!rules || dayNumber(c.expiresOn!) - todayN > rules.certificateExpiryDays) continue;
      if (write({ userId: c.userId, category: 'certificate', kind: 'certificate.expiring', title: `证书即将到期：${c.title}`, body: `证书将于 ${c.expiresOn} 到期，请在到期前完成复训、重新取得证书。`, link: '/learn/certificates', dedupeKey: `cert:${c.id}:expiring:${c.expiresOn}`, at: now }) !== null) r.certificatesExpiring++;
    }
    const due = visits.filter((c) => {
      const rules = rulesOf(c.regionPath);
      if (!rules || !c.nextDueDay) return false;
      const left = dayNumber(c.nextDueDay) - todayN;
      return left <= rules.visitDueDays && -left <= rules.overdueLookbackDays;
    });
    const directorsAt = directorsOf(tx, [...new Set(due.map((c) => c.regionPath))]);
    for (const c of due) {
      const left = dayNumber(c.nextDueDay!) - todayN;
      const to = directorsAt.get(c.regionPath) ?? [];
      if (left < 0) {
        r.visitsOverdue += addNotices(tx, to, { category: 'visit', kind: 'visit.overdue', title: `走访已逾期：个案 ${c.code}`, body: `应于 ${c.nextDueDay} 前走访，已逾期 ${-left} 天，请尽快入户走访并记录。`, link: `/work/cases/${c.id}`, dedupeKey: `case:${c.id}:overdue:${c.nextDueDay}`, at: now }, write);
      } else {
        r.visitsDue += addNotices(tx, to, { category: 'visit', kind: 'visit.due', title: `走访${left === 0 ? '今天' : ` ${left} 天后`}到期：个案 ${c.code}`, body: `请在 ${c.nextDueDay} 前完成走访。`, link: `/work/cases/${c.id}`, dedupeKey: `case:${c.id}:due:${c.nextDueDay}`, at: now }, write);
      }
    }
  });
  return r;
}

/** The widest lead and look-back days over every valid version of the rules (a handful of rows). */
function leadBounds(db: Db): { lookback: number; assignment: number; certificate: number; visit: number } {
  const out = { lookback: 0, assignment: 0, certificate: 0, visit: 0 };
  for (const p of db.select({ body: policies.body }).from(policies).where(eq(policies.kind, NOTIFY_KIND)).all()) {
    const r = notifyRulesSchema.safeParse(p.body);
    if (!r.success) continue;
    out.lookback = Math.max(out.lookback, r.data.overdueLookbackDays);
    out.assignment = Math.max(out.assignment, ...r.data.assignmentDueDays);
    out.certificate = Math.max(out.certificate, r.data.certificateExpiryDays);
    out.visit = Math.max(out.visit, r.data.visitDueDays);
  }
  return out;
}

/** Exam windows open now: everyone in the cohort, including people who joined it after it opened. */
function notifyExamsOpeningTx(tx: Tx, now: number, write = noticeWriter(tx)): number {
  const exams = tx
    .select()
    .from(examWindows)
    .where(and(lte(examWindows.opensAt, now), sql`${examWindows.closesAt} > ${now}`, isNull(examWindows.releasedAt)))
    .all();
  let n = 0;
  for (const x of exams) n += notifyExamOpened(tx, x, now, write);
  return n;
}

/** The every-few-minutes part of the job: exam windows that opened since the last run. */
export function notifyExamsOpening(db: Db, now = Date.now()): number {
  return db.transaction((tx) => notifyExamsOpeningTx(tx, now));
}

/** Active directors of each village path, read in chunks (one query per 500 villages, not one per case). */
function directorsOf(tx: Tx, paths: string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < paths.length; i += 500) {
    const rows = tx
      .select({ userId: roleAssignments.userId, path: roleAssignments.regionPath })
      .from(roleAssignments)
      .innerJoin(users, eq(users.id, roleAssignments.userId))
      .where(and(eq(roleAssignments.role, 'director' satisfies Role), inArray(roleAssignments.regionPath, paths.slice(i, i + 500)), eq(roleAssignments.active, true), eq(users.active, true)))
      .all();
    for (const r of rows) out.set(r.path, [...(out.get(r.path) ?? []), r.userId]);
  }
  return out;
}

/**
 * Tells an exam window's cohort (role + region) that it is open; once per person and window. Called when
 * a trainer opens a window that is already open, and by the job for windows that open later.
 */
export function notifyExamOpened(tx: Tx, exam: typeof examWindows.$inferSelect, now: number, write = noticeWriter(tx)): number {
  if (exam.opensAt > now || exam.closesAt <= now) return 0;
  const members = tx
    .select({ userId: roleAssignments.userId })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .where(and(eq(roleAssignments.role, exam.role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, exam.regionPath)))
    .all()
    .map((x) => x.userId);
  const closes = new Date(exam.closesAt + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
  return addNotices(tx, members, { category: 'exam', kind: 'exam.opened', title: `考试已开放：${exam.title}`, body: `请在 ${closes} 前参加考试，限时 ${exam.durationMinutes} 分钟，${exam.passMark} 分及格。`, link: `/learn/exams/${exam.id}`, dedupeKey: `exam:${exam.id}:open`, createdBy: exam.createdBy, at: now }, write);
}

export type { NotifyRules };
