import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { course, curriculum, testBank } from '../../factories/content';
import { syncContent } from '../../../src/lib/learning/sync';
import { getCourseBySlug, getCurriculumBySlug, listLessons } from '../../../src/lib/learning/catalog';
import { completeLesson } from '../../../src/lib/learning/progress';
import { createLearningAssignment } from '../../../src/lib/learning/enrol';
import { createExamWindow } from '../../../src/lib/assessment/exams';
import { createCase, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { addPolicyVersion } from '../../../src/lib/policy/policy';
import { runReminders, dueThreshold } from '../../../src/lib/notify/reminders';
import { quietUntil, notifyRulesFor } from '../../../src/lib/notify/rules';
import { addNotice, countUnread, listInbox, markRead, markAllRead, setSmsCategories, getSmsCategories, getOwnNotice } from '../../../src/lib/notify/notices';
import { dispatchSms, formatSms, LogSmsProvider, type SmsProvider, type SmsMessage } from '../../../src/lib/notify/sms';
import { sendCohortNotice } from '../../../src/lib/notify/cohort';
import { runJobsOnce } from '../../../src/server/jobs';
import { notices, smsOutbox, auditLog, roleAssignments, certificates } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

const DAY = 86_400_000;
/** an instant on a China-time day and hour */
const at = (day: string, hour = 10, minute = 0) => Date.parse(`${day}T00:00:00Z`) - 8 * 3600_000 + hour * 3600_000 + minute * 60_000;
const NOW = at('2026-06-01');

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;

beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'));
  syncContent(db, { courses: [{ ...course('quizzed', 1), bank: testBank('quizzed') }], curricula: [curriculum('c', ['quizzed'])] }, NOW - 100 * DAY);
});
afterEach(() => t.cleanup());

const mine = (userId: number, kind?: string) =>
  db.select().from(notices).where(and(eq(notices.userId, userId), kind ? eq(notices.kind, kind) : undefined)).all();

function actorOf(userId: number): FieldActor {
  const a = db.select().from(roleAssignments).where(eq(roleAssignments.userId, userId)).get()!;
  return { userId, role: a.role, regionId: a.regionId, regionPath: a.regionPath };
}

describe('rules', () => {
  it('quiet hours wrap midnight in China time', () => {
    const q = { start: '21:00', end: '08:00' };
    expect(quietUntil(at('2026-06-01', 12), q)).toBeNull();
    expect(quietUntil(at('2026-06-01', 20, 59), q)).toBeNull();
    expect(quietUntil(at('2026-06-01', 21), q)).toBe(at('2026-06-02', 8));
    expect(quietUntil(at('2026-06-01', 23, 30), q)).toBe(at('2026-06-02', 8));
    expect(quietUntil(at('2026-06-02', 7, 59), q)).toBe(at('2026-06-02', 8));
    expect(quietUntil(at('2026-06-02', 8), q)).toBeNull();
    // a window inside one day, and none at all
    expect(quietUntil(at('2026-06-01', 13), { start: '12:00', end: '14:00' })).toBe(at('2026-06-01', 14));
    expect(quietUntil(at('2026-06-01', 15), { start: '12:00', end: '14:00' })).toBeNull();
    expect(quietUntil(at('2026-06-01', 3), { start: '00:00', end: '00:00' })).toBeNull();
  });

  it('picks the nearest lead day not below the days left', () => {
    expect(dueThreshold(9, [7, 1])).toBeNull();
    expect(dueThreshold(7, [7, 1])).toBe(7);
    expect(dueThreshold(3, [7, 1])).toBe(7);
    expect(dueThreshold(1, [1, 7])).toBe(1);
    expect(dueThreshold(0, [7, 1])).toBe(1);
    expect(dueThreshold(-1, [7, 1])).toBeNull();
  });

  it('reads the versioned policy and refuses a malformed one', () => {
    expect(notifyRulesFor(db, w.cgVillage.path, '2026-06-01')!.rules.quietHours).toEqual({ start: '21:00', end: '08:00' });
    addPolicyVersion(db, { kind: 'notify', regionId: w.zhushan.id, version: '9.0.0', effectiveFrom: '2026-05-01', body: { assignmentDueDays: [] } });
    expect(() => notifyRulesFor(db, w.cgVillage.path, '2026-06-01')).toThrow(/notify policy 9.0.0/);
  });
});

describe('inbox', () => {
  it('counts unread, marks one or all read, and keeps people to their own notices', () => {
    const a = w.person('director', w.cgVillage);
    const b = w.person('director', w.bfVillage);
    const ids = [1, 2, 3].map((i) => addNotice(db, { userId: a, category: 'cohort', kind: 'test', title: `通知${i}`, body: '', at: NOW + i })!);
    expect(countUnread(db, a)).toBe(3);
    expect(markRead(db, b, ids[0]!)).toBe(false);
    expect(getOwnNotice(db, b, ids[0]!)).toBeNull();
    expect(markRead(db, a, ids[0]!)).toBe(true);
    expect(markRead(db, a, ids[0]!)).toBe(false);
    expect(countUnread(db, a)).toBe(2);
    expect(listInbox(db, a).items.map((n) => n.title)).toEqual(['通知3', '通知2', '通知1']);
    expect(listInbox(db, a, { unreadOnly: true }).items).toHaveLength(2);
    const p1 = listInbox(db, a, { limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(listInbox(db, a, { limit: 2, before: p1.nextBefore }).items.map((n) => n.title)).toEqual(['通知1']);
    expect(markAllRead(db, a)).toBe(2);
    expect(countUnread(db, a)).toBe(0);
  });

  it('writes a notice once per dedupe key and person', () => {
    const a = w.person('director', w.cgVillage);
    const n = { userId: a, category: 'visit' as const, kind: 'test', title: 't', body: 'b', dedupeKey: 'k1', at: NOW };
    expect(addNotice(db, n)).not.toBeNull();
    expect(addNotice(db, n)).toBeNull();
    expect(addNotice(db, { ...n, dedupeKey: null })).not.toBeNull();
    expect(addNotice(db, { ...n, dedupeKey: null })).not.toBeNull();
    expect(mine(a)).toHaveLength(3);
  });

  it('the unread count is answered from the index', () => {
    const plan = db.$client.prepare(`explain query plan select count(*) from notices where user_id = ? and read_at is null`).all(1) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX notices_user_idx/);
  });
});

describe('reminders job', () => {
  it('announces a new assignment, reminds 7 and 1 days before and once overdue, and never twice', () => {
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage);
    const done = w.person('director', w.cgVillage2);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'c')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-06-20' }, NOW);
    expect(mine(d, 'learning.assigned')).toHaveLength(1);
    for (const l of listLessons(db, getCourseBySlug(db, 'quizzed')!.id)) completeLesson(db, done, l.id, NOW);

    const days = (day: string) => runReminders(db, at(day, 0, 5));
    expect(days('2026-06-12').assignmentsDue).toBe(0); // 8 days left
    expect(days('2026-06-13').assignmentsDue).toBe(2); // 7 days left: both directors (the quiz is not passed yet)
    expect(days('2026-06-13').assignmentsDue).toBe(0); // same day again
    expect(days('2026-06-14').assignmentsDue).toBe(0); // 6 days: the 7-day reminder was sent
    expect(days('2026-06-19').assignmentsDue).toBe(2); // 1 day
    expect(days('2026-06-20').assignmentsDue).toBe(0); // due today: still the 1-day reminder
    expect(days('2026-06-21').assignmentsOverdue).toBe(2);
    expect(days('2026-06-22').assignmentsOverdue).toBe(0);
    const titles = mine(d).map((n) => n.kind);
    expect(titles).toEqual(['learning.assigned', 'learning.due', 'learning.due', 'learning.overdue']);
    expect(mine(d, 'learning.due')[0]!.title).toContain('7 天后到期');
  });

  it('sends no first overdue reminder past the look-back window, and only the nearest lead day when switched on late', () => {
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'c')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-06-05' }, NOW);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { courseId: getCourseBySlug(db, 'quizzed')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-06-02' }, NOW);
    runReminders(db, at('2026-06-02'));
    expect(mine(d, 'learning.due').map((n) => n.dedupeKey!.replace(/^enrol:\d+:/, '')).sort()).toEqual(['due1:2026-06-02', 'due7:2026-06-05']);
    expect(runReminders(db, at('2026-08-01')).assignmentsOverdue).toBe(0); // 59 days overdue > 30
  });

  it('reminds directors of visits due within 7 days and once when overdue, in their village only', () => {
    const d = w.person('director', w.cgVillage);
    const other = w.person('director', w.cgVillage2);
    const c = createCase(db, actorOf(d), { code: 'T-001', category: 'difficult', guardianSituation: 'relatives', risk: 'low', openedOn: '2026-06-01', note: '' }, NOW);
    const due = c.nextDueDay!;
    const before = (n: number) => at(new Date(Date.parse(due) - n * DAY).toISOString().slice(0, 10));
    expect(runReminders(db, before(8)).visitsDue).toBe(0);
    expect(runReminders(db, before(7)).visitsDue).toBe(1);
    expect(runReminders(db, before(3)).visitsDue).toBe(0);
    expect(runReminders(db, before(-1)).visitsOverdue).toBe(1);
    expect(runReminders(db, before(-2)).visitsOverdue).toBe(0);
    expect(mine(d).filter((n) => n.category === 'visit').map((n) => n.link)).toEqual([`/work/cases/${c.id}`, `/work/cases/${c.id}`]);
    expect(mine(other).filter((n) => n.category === 'visit')).toHaveLength(0);
  });

  it('reminds a holder once of a certificate expiring within 30 days', () => {
    const d = w.person('director', w.cgVillage);
    db.insert(certificates).values({ code: 'c0de', serial: 'S-1', year: 2025, seq: 1, userId: d, kind: 'course', title: '年度轮训', issuedAt: NOW - 300 * DAY, issuedOn: '2025-08-01', expiresOn: '2026-07-10', issuer: '竹山县民政局', holderName: '甲', holderMasked: '甲*', token: 't', basedOn: [], regionPath: w.cgVillage.path }).run();
    expect(runReminders(db, at('2026-06-09')).certificatesExpiring).toBe(0);
    expect(runReminders(db, at('2026-06-10')).certificatesExpiring).toBe(1);
    expect(runReminders(db, at('2026-06-20')).certificatesExpiring).toBe(0);
    expect(mine(d, 'certificate.expiring')[0]!.title).toBe('证书即将到期：年度轮训');
  });

  it('tells an exam cohort when its window opens: at once, or by the job when it opens later', () => {
    const tr = w.person('trainer', w.zhushan);
    const d = w.person('director', w.cgVillage);
    const jl = w.person('director', w.hxVillage);
    const courseId = getCourseBySlug(db, 'quizzed')!.id;
    const base = { courseId, title: '理论考试', role: 'director' as const, regionId: w.zhushan.id, durationMinutes: 30, passMark: 60 };
    createExamWindow(db, { userId: tr, scopePath: w.zhushan.path }, { ...base, opensAt: NOW - 60_000, closesAt: NOW + DAY }, NOW);
    expect(mine(d, 'exam.opened')).toHaveLength(1);
    const later = createExamWindow(db, { userId: tr, scopePath: w.zhushan.path }, { ...base, title: '补考', opensAt: NOW + 2 * DAY, closesAt: NOW + 3 * DAY }, NOW);
    expect(runJobsOnce(db, NOW + DAY, false).reminders.examsOpened).toBe(0);
    expect(runJobsOnce(db, NOW + 2 * DAY + 60_000, false).reminders.examsOpened).toBe(1);
    expect(runJobsOnce(db, NOW + 2 * DAY + 120_000, false).reminders.examsOpened).toBe(0);
    expect(mine(d, 'exam.opened').map((n) => n.link)).toEqual([expect.stringMatching(/^\/learn\/exams\/\d+$/), `/learn/exams/${later}`]);
    expect(mine(jl)).toHaveLength(0);
  });

  it('runs twice without sending anything twice', () => {
    const tr = w.person('trainer', w.zhushan);
    w.person('director', w.cgVillage);
    createLearningAssignment(db, { userId: tr, scopePath: w.zhushan.path }, { curriculumId: getCurriculumBySlug(db, 'c')!.id, role: 'director', regionId: w.zhushan.id, dueDate: '2026-06-05' }, NOW);
    const first = runJobsOnce(db, at('2026-06-04'));
    const count = db.select().from(notices).all().length;
    const second = runJobsOnce(db, at('2026-06-04', 11));
    expect(first.reminders.assignmentsDue).toBe(1);
    expect(Object.values(second.reminders).every((n) => n === 0)).toBe(true);
    expect(db.select().from(notices).all()).toHaveLength(count);
  });
});

class FakeGateway implements SmsProvider {
  readonly name = 'fake';
  sent: SmsMessage[] = [];
  constructor(private fails = 0) {}
  async send(msg: SmsMessage) {
    if (this.fails > 0) {
      this.fails--;
      return { ok: false as const, error: '网关超时' };
    }
    this.sent.push(msg);
    return { ok: true as const, providerId: `m${this.sent.length}` };
  }
}

describe('SMS outbox', () => {
  it('queues only chosen categories, waits out quiet hours, sends once', async () => {
    const d = w.person('director', w.cgVillage);
    expect(setSmsCategories(db, d, ['visit', 'nonsense'])).toEqual(['visit']);
    expect(getSmsCategories(db, d)).toEqual(['visit']);
    const night = at('2026-06-01', 22);
    addNotice(db, { userId: d, category: 'cohort', kind: 'x', title: '不发短信', body: '', at: night });
    addNotice(db, { userId: d, category: 'visit', kind: 'x', title: '走访到期', body: '请按时走访', at: night });
    expect(db.select().from(smsOutbox).all()).toHaveLength(1);
    const gw = new FakeGateway();
    expect(await dispatchSms(db, gw, night)).toMatchObject({ sent: 0, deferred: 1 });
    expect(db.select().from(smsOutbox).get()!.nextAttemptAt).toBe(at('2026-06-02', 8));
    expect(await dispatchSms(db, gw, at('2026-06-02', 3))).toMatchObject({ sent: 0, deferred: 0 });
    expect((await dispatchSms(db, gw, at('2026-06-02', 8))).sent).toBe(1);
    expect((await dispatchSms(db, gw, at('2026-06-02', 9))).sent).toBe(0);
    expect(gw.sent).toEqual([{ to: '13800000001', text: '【童护学堂】走访到期。请按时走访' }]);
    expect(db.select().from(smsOutbox).get()).toMatchObject({ status: 'sent', attempts: 1, provider: 'fake', providerId: 'm1' });
  });

  it('retries with the policy backoff and gives up after the attempt limit', async () => {
    const d = w.person('director', w.cgVillage);
    setSmsCategories(db, d, ['worklog']);
    addNotice(db, { userId: d, category: 'worklog', kind: 'x', title: '记录被退回', body: '', at: NOW });
    const gw = new FakeGateway(99);
    let now = NOW;
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      await dispatchSms(db, gw, now);
      const row = db.select().from(smsOutbox).get()!;
      if (row.status === 'failed') break;
      waits.push((row.nextAttemptAt - now) / 60_000);
      now = row.nextAttemptAt;
    }
    // the fourth retry would fall at 00:35: it waits for the end of the quiet hours (08:00) instead
    expect(waits).toEqual([5, 30, 120, 720, 445]);
    expect(db.select().from(smsOutbox).get()).toMatchObject({ status: 'failed', attempts: 5, lastError: '网关超时' });
    // a second dispatcher finds nothing to send
    expect(await dispatchSms(db, gw, now + DAY)).toMatchObject({ sent: 0, failed: 0, retrying: 0 });
  });

  it('the log provider masks the phone number', async () => {
    const d = w.person('director', w.cgVillage);
    setSmsCategories(db, d, ['cohort']);
    addNotice(db, { userId: d, category: 'cohort', kind: 'x', title: '周五集中培训', body: '', at: NOW });
    const lines: string[] = [];
    await dispatchSms(db, new LogSmsProvider((l) => lines.push(l)), NOW);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('138****0001');
    expect(lines[0]).not.toContain('13800000001');
  });

  it('cuts long messages to the policy length', () => {
    const rules = notifyRulesFor(db, w.cgVillage.path, '2026-06-01')!.rules;
    const s = formatSms('字'.repeat(200), rules);
    expect([...s]).toHaveLength(70);
    expect(s.endsWith('…')).toBe(true);
  });
});

describe('cohort notices', () => {
  it('a supervisor reaches the directors of their own township only, audited', () => {
    const sv = actorOf(w.person('supervisor', w.chengguan));
    const d1 = w.person('director', w.cgVillage);
    const d2 = w.person('director', w.cgVillage2);
    const bf = w.person('director', w.bfVillage);
    const msg = { role: 'director' as const, regionId: w.chengguan.id, title: '本月走访提醒', body: '请在25日前完成本月走访。', link: '/work' };
    const r = sendCohortNotice(db, sv, msg, NOW);
    expect(r.recipients).toBe(2);
    expect(mine(d1, 'cohort.supervisor')).toHaveLength(1);
    expect(mine(d2, 'cohort.supervisor')).toHaveLength(1);
    expect(mine(bf)).toHaveLength(0);
    expect(db.select().from(auditLog).where(eq(auditLog.action, 'notify.cohort')).all()).toHaveLength(1);
    expect(() => sendCohortNotice(db, sv, { ...msg, regionId: w.baofeng.id }, NOW)).toThrow(/v.regionOutOfScope/);
    expect(() => sendCohortNotice(db, sv, { ...msg, regionId: w.bfVillage.id }, NOW)).toThrow(/v.regionOutOfScope/);
    expect(() => sendCohortNotice(db, sv, { ...msg, role: 'supervisor' }, NOW)).toThrow(/v.notify.supervisorRole/);
    // one village only
    expect(sendCohortNotice(db, sv, { ...msg, regionId: w.cgVillage.id }, NOW).recipients).toBe(1);
  });

  it('a trainer reaches learners of their county; directors and officials cannot send', () => {
    const tr = actorOf(w.person('trainer', w.zhushan));
    w.person('director', w.cgVillage);
    w.person('director', w.bfVillage);
    const jl = w.person('director', w.hxVillage);
    const msg = { role: 'director' as const, regionId: w.zhushan.id, title: '考试安排', body: '下周一开放理论考试。' };
    expect(sendCohortNotice(db, tr, msg, NOW).recipients).toBe(2);
    expect(mine(jl)).toHaveLength(0);
    expect(() => sendCohortNotice(db, tr, { ...msg, regionId: w.jiangling.id }, NOW)).toThrow(/v.regionOutOfScope/);
    expect(() => sendCohortNotice(db, tr, { ...msg, role: 'official' }, NOW)).toThrow(/v.learnerRole/);
    expect(() => sendCohortNotice(db, tr, { ...msg, role: 'caregiver' }, NOW)).toThrow(/v.notify.nobody/);
    const dir = actorOf(w.person('director', w.cgVillage));
    expect(() => sendCohortNotice(db, dir, { ...msg, regionId: w.cgVillage.id }, NOW)).toThrow(/v.notify.senderRole/);
    const off = actorOf(w.person('official', w.zhushan));
    expect(() => sendCohortNotice(db, off, msg, NOW)).toThrow(/v.notify.senderRole/);
  });
});
