import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { cohortNotices, roleAssignments, users, regions } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { isWithin, withinSql } from '../org/scope';
import { getRegion } from '../org/regions';
import { writeAudit } from '../audit/audit';
import { FieldError } from '../errors';
import { LEARNER_ROLES } from '../learning/enrol';
import { addNotices, noticeWriter } from './notices';

export interface SenderActor {
  userId: number;
  /** the sender's active role: only trainers and supervisors send cohort notices */
  role: Role;
  regionPath: string;
  ip?: string | null;
}

export interface CohortNoticeInput {
  role: Role;
  regionId: number;
  title: string;
  body: string;
  link?: string | null;
}

/** Which roles a sender may address: trainers their learners (主任, 督导员, 护理员); supervisors their township's directors. */
export function cohortRolesFor(senderRole: Role): readonly Role[] {
  if (senderRole === 'trainer') return LEARNER_ROLES;
  if (senderRole === 'supervisor') return ['director'];
  return [];
}

export function canSendCohortNotice(senderRole: Role | null | undefined): boolean {
  return !!senderRole && cohortRolesFor(senderRole).length > 0;
}

/**
 * A trainer or supervisor sends one notice to everyone holding `role` in a region of their jurisdiction
 * (the region and every region below it). Recorded as a cohort notice and in the audit log, in one
 * transaction with the inbox rows. Returns the cohort notice id and how many people received it.
 */
export function sendCohortNotice(db: Db, actor: SenderActor, input: CohortNoticeInput, now = Date.now()): { id: number; recipients: number } {
  if (!canSendCohortNotice(actor.role)) throw new FieldError('_form', 'v.notify.senderRole');
  if (!cohortRolesFor(actor.role).includes(input.role)) throw new FieldError('role', actor.role === 'supervisor' ? 'v.notify.supervisorRole' : 'v.learnerRole');
  const region = getRegion(db, input.regionId);
  if (!region || !isWithin(actor.regionPath, region.path)) throw new FieldError('regionId', 'v.regionOutOfScope');
  return db.transaction((tx) => {
    const members = tx
      .select({ userId: roleAssignments.userId })
      .from(roleAssignments)
      .innerJoin(users, eq(users.id, roleAssignments.userId))
      .where(and(eq(roleAssignments.role, input.role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, region.path)))
      .all()
      .map((m) => m.userId)
      .filter((id) => id !== actor.userId);
    if (members.length === 0) throw new FieldError('regionId', 'v.notify.nobody');
    const row = tx
      .insert(cohortNotices)
      .values({ senderId: actor.userId, senderRole: actor.role, role: input.role, regionId: region.id, regionPath: region.path, title: input.title, body: input.body, link: input.link || null, recipients: 0, createdAt: now })
      .returning({ id: cohortNotices.id })
      .get();
    const recipients = addNotices(tx, members, { category: 'cohort', kind: `cohort.${actor.role}`, title: input.title, body: input.body, link: input.link || null, createdBy: actor.userId, dedupeKey: `cohort:${row.id}`, at: now }, noticeWriter(tx));
    tx.update(cohortNotices).set({ recipients }).where(eq(cohortNotices.id, row.id)).run();
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'notify.cohort',
      entityType: 'cohort_notice',
      entityId: row.id,
      regionPath: region.path,
      after: { role: input.role, region: region.fullName, title: input.title, recipients },
      ip: actor.ip,
      at: now,
    });
    return { id: row.id, recipients };
  });
}

/** The cohort notices this person sent, newest first. */
export function listSentCohortNotices(db: Db, senderId: number, limit = 20) {
  return db
    .select({ n: cohortNotices, regionName: regions.fullName })
    .from(cohortNotices)
    .innerJoin(regions, eq(regions.id, cohortNotices.regionId))
    .where(eq(cohortNotices.senderId, senderId))
    .orderBy(desc(cohortNotices.id))
    .limit(limit)
    .all();
}
