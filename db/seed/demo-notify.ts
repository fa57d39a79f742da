import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { users, roleAssignments } from '../schema/index';
import type { Role } from '../schema/auth';
import { sendCohortNotice } from '../../src/lib/notify/cohort';
import { setSmsCategories, listInbox, markRead } from '../../src/lib/notify/notices';
import { runReminders } from '../../src/lib/notify/reminders';

const DAY = 86_400_000;

function actor(db: Db, phone: string, role: Role) {
  const r = db
    .select({ userId: users.id, regionId: roleAssignments.regionId, regionPath: roleAssignments.regionPath })
    .from(users)
    .innerJoin(roleAssignments, and(eq(roleAssignments.userId, users.id), eq(roleAssignments.role, role), eq(roleAssignments.active, true)))
    .where(eq(users.phone, phone))
    .get();
  return r ? { ...r, role } : null;
}

/**
 * The demo inbox, through the product's own functions: 李春燕 takes visit, work-log and subsidy notices by
 * SMS too; her supervisor and the county trainer have each sent a cohort notice; the reminders job has run
 * once as of `now` (visits due and overdue, assignments due). Notices more than two weeks old are read.
 */
export function seedDemoNotices(db: Db, now: number, phones: { director: string; supervisor: string; trainer: string }): void {
  const director = actor(db, phones.director, 'director');
  const supervisor = actor(db, phones.supervisor, 'supervisor');
  const trainer = actor(db, phones.trainer, 'trainer');
  if (!director || !supervisor || !trainer) return;
  for (let page = listInbox(db, director.userId, { limit: 100 }); ; page = listInbox(db, director.userId, { limit: 100, before: page.nextBefore })) {
    for (const n of page.items) if (n.createdAt < now - 14 * DAY) markRead(db, director.userId, n.id, n.createdAt + DAY);
    if (!page.nextBefore) break;
  }
  setSmsCategories(db, director.userId, ['visit', 'worklog', 'subsidy'], now - 30 * DAY);
  sendCohortNotice(
    db,
    trainer,
    { role: 'director', regionId: trainer.regionId, title: '年度轮训线下集中培训通知', body: '下月上旬在县民政局开展一天的集中培训（应急处置与急救实训），具体时间另行通知。请先完成线上课程《家庭走访与安全防护》。', link: '/learn' },
    now - 2 * DAY,
  );
  sendCohortNotice(
    db,
    supervisor,
    { role: 'director', regionId: supervisor.regionId, title: '本月走访请于25日前完成并提交记录', body: '月底统计补贴前，请把本月的家庭走访记录提交完整；被退回的记录请按意见修改后重新提交。', link: '/work' },
    now - 3 * 3600_000,
  );
  runReminders(db, now);
}
