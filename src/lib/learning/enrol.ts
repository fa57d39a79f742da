import { and, eq, sql } from 'drizzle-orm';
import { refreshForPath } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import {
  learningAssignments,
  enrollments,
  courseProgress,
  courses,
  roleAssignments,
  users,
  regionAssignmentRollup,
  regions,
} from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { isWithin, pathIds, withinSql } from '../org/scope';
import { getRegion } from '../org/regions';
import { getPolicyInForce } from '../policy/policy';
import { writeAudit } from '../audit/audit';
import { FieldError } from '../errors';
import { addDays, dayOf, isValidDay } from '../time';
import { assignmentCourseIds, getCourse, getCurriculum, getCurriculumBySlug } from './catalog';

export type LearningAssignment = typeof learningAssignments.$inferSelect;
type RoleAssignmentRow = typeof roleAssignments.$inferSelect;

/** Roles that learn: the cohorts a trainer can assign to. */
export const LEARNER_ROLES = ['director', 'supervisor', 'caregiver'] as const satisfies readonly Role[];

export interface Actor {
  userId: number;
  scopePath: string;
  ip?: string | null;
}

/** Adds `enrolled`/`completed` to the rollup row of every region on the learner's path. */
function bumpAssignmentRollup(db: Db, assignmentId: number, regionPath: string, enrolled: number, completed: number) {
  for (const regionId of pathIds(regionPath)) {
    db.insert(regionAssignmentRollup)
      .values({ regionId, assignmentId, enrolled, completed })
      .onConflictDoUpdate({
        target: [regionAssignmentRollup.assignmentId, regionAssignmentRollup.regionId],
        set: {
          enrolled: sql`${regionAssignmentRollup.enrolled} + ${enrolled}`,
          completed: sql`${regionAssignmentRollup.completed} + ${completed}`,
        },
      })
      .run();
  }
}

/** Makes sure a course_progress row exists for each course (so lists show 0/N before the first lesson). */
function ensureProgressRows(db: Db, userId: number, courseIds: number[]) {
  for (const courseId of courseIds) {
    const c = db.select({ lessonCount: courses.lessonCount }).from(courses).where(eq(courses.id, courseId)).get();
    if (!c) continue;
    db.insert(courseProgress).values({ userId, courseId, lessonsTotal: c.lessonCount }).onConflictDoNothing().run();
  }
}

function completedCourseCount(db: Db, userId: number, courseIds: number[]): number {
  if (!courseIds.length) return 0;
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(courseProgress)
      .where(
        and(
          eq(courseProgress.userId, userId),
          sql`${courseProgress.courseId} in (${sql.join(courseIds.map((i) => sql`${i}`), sql`, `)})`,
          sql`${courseProgress.completedAt} is not null`,
        ),
      )
      .get()?.n ?? 0
  );
}

/** Enrols one role assignment in one cohort assignment (no-op when already enrolled). */
export function enrolInAssignment(db: Db, a: LearningAssignment, ra: RoleAssignmentRow, now: number): boolean {
  const exists = db
    .select({ id: enrollments.id })
    .from(enrollments)
    .where(and(eq(enrollments.userId, ra.userId), eq(enrollments.assignmentId, a.id)))
    .get();
  if (exists) return false;
  const courseIds = assignmentCourseIds(db, a);
  ensureProgressRows(db, ra.userId, courseIds);
  const done = completedCourseCount(db, ra.userId, courseIds);
  const complete = courseIds.length > 0 && done >= courseIds.length;
  db.insert(enrollments)
    .values({
      userId: ra.userId,
      assignmentId: a.id,
      roleAssignmentId: ra.id,
      regionPath: ra.regionPath,
      dueDate: a.dueDate ?? addDays(dayOf(now), a.dueDays ?? 30),
      enrolledAt: now,
      coursesTotal: courseIds.length,
      coursesDone: done,
      completedAt: complete ? now : null,
    })
    .run();
  bumpAssignmentRollup(db, a.id, ra.regionPath, 1, complete ? 1 : 0);
  if (complete && a.onboarding) {
    db.update(roleAssignments).set({ onboarding: 'done' }).where(eq(roleAssignments.id, ra.id)).run();
    refreshForPath(db, ra.regionPath, ['staffing']);
  }
  return true;
}

export interface OnboardingRule {
  role: Role;
  curriculum: string;
  dueDays: number;
}

/** The onboarding rule in force for a role at a region, from the versioned `onboarding` policy. */
export function getOnboardingRule(db: Db, role: Role, regionPath: string, day: string): { rule: OnboardingRule; policyRegionId: number } | null {
  const p = getPolicyInForce(db, 'onboarding', regionPath, day);
  if (!p) return null;
  const rules = (p.body as { rules?: OnboardingRule[] }).rules ?? [];
  const rule = rules.find((r) => r.role === role);
  return rule ? { rule, policyRegionId: p.regionId } : null;
}

/** The standing cohort behind an onboarding rule (created the first time someone needs it). */
function ensureOnboardingAssignment(db: Db, policyRegionId: number, rule: OnboardingRule, now: number): LearningAssignment | null {
  const cu = getCurriculumBySlug(db, rule.curriculum);
  const region = getRegion(db, policyRegionId);
  if (!cu || !region) return null;
  const existing = db
    .select()
    .from(learningAssignments)
    .where(
      and(
        eq(learningAssignments.onboarding, true),
        eq(learningAssignments.role, rule.role),
        eq(learningAssignments.regionId, policyRegionId),
        eq(learningAssignments.curriculumId, cu.id),
        eq(learningAssignments.active, true),
      ),
    )
    .get();
  if (existing) return existing;
  return db
    .insert(learningAssignments)
    .values({
      curriculumId: cu.id,
      courseId: null,
      role: rule.role,
      regionId: region.id,
      regionPath: region.path,
      dueDate: null,
      dueDays: rule.dueDays,
      newMembersOnly: true,
      onboarding: true,
      createdBy: null,
      createdAt: now,
    })
    .returning()
    .get();
}

/**
 * Called whenever someone takes a role at a region (new person or new role): applies the onboarding gate
 * (待上岗) when the policy in force asks for it, and enrols them in every active cohort that covers them.
 */
export function enrolNewMember(db: Db, roleAssignmentId: number, now = Date.now()): number {
  const ra = db.select().from(roleAssignments).where(eq(roleAssignments.id, roleAssignmentId)).get();
  if (!ra || !ra.active) return 0;
  let n = 0;
  const onboarding = getOnboardingRule(db, ra.role, ra.regionPath, dayOf(now));
  let onboardingAssignmentId: number | null = null;
  if (onboarding) {
    const a = ensureOnboardingAssignment(db, onboarding.policyRegionId, onboarding.rule, now);
    if (a) {
      onboardingAssignmentId = a.id;
      db.update(roleAssignments).set({ onboarding: 'pending' }).where(eq(roleAssignments.id, ra.id)).run();
      refreshForPath(db, ra.regionPath, ['staffing']);
      if (enrolInAssignment(db, a, { ...ra, onboarding: 'pending' }, now)) n++;
    }
  }
  const candidates = db
    .select()
    .from(learningAssignments)
    .where(and(eq(learningAssignments.role, ra.role), eq(learningAssignments.active, true), eq(learningAssignments.onboarding, false)))
    .all();
  for (const a of candidates) {
    if (a.id !== onboardingAssignmentId && isWithin(a.regionPath, ra.regionPath) && enrolInAssignment(db, a, ra, now)) n++;
  }
  return n;
}

export interface AssignInput {
  curriculumId?: number | null;
  courseId?: number | null;
  role: Role;
  regionId: number;
  dueDate: string;
}

/**
 * A trainer (or official) assigns a curriculum or course to everyone holding `role` in a region of their
 * jurisdiction, with a due date. Current members are enrolled now; later members when they join.
 */
export function createLearningAssignment(db: Db, actor: Actor, input: AssignInput, now = Date.now()): { id: number; enrolled: number } {
  const region = getRegion(db, input.regionId);
  if (!region || !isWithin(actor.scopePath, region.path)) throw new FieldError('regionId', 'v.regionOutOfScope');
  if (!(LEARNER_ROLES as readonly string[]).includes(input.role)) throw new FieldError('role', 'v.learnerRole');
  const target = input.curriculumId ? getCurriculum(db, input.curriculumId) : input.courseId ? getCourse(db, input.courseId) : null;
  if (!target || !target.active) throw new FieldError('target', 'v.choose');
  if (!target.roles.includes(input.role)) throw new FieldError('role', 'v.roleNotServed');
  if (!isValidDay(input.dueDate)) throw new FieldError('dueDate', 'v.date');
  if (input.dueDate < dayOf(now)) throw new FieldError('dueDate', 'v.dateInPast');
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const a = t
      .insert(learningAssignments)
      .values({
        curriculumId: input.curriculumId ?? null,
        courseId: input.curriculumId ? null : (input.courseId ?? null),
        role: input.role,
        regionId: region.id,
        regionPath: region.path,
        dueDate: input.dueDate,
        dueDays: null,
        newMembersOnly: false,
        onboarding: false,
        createdBy: actor.userId,
        createdAt: now,
      })
      .returning()
      .get();
    const members = t
      .select({ ra: roleAssignments })
      .from(roleAssignments)
      .innerJoin(users, eq(users.id, roleAssignments.userId))
      .where(and(eq(roleAssignments.role, input.role), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, region.path)))
      .all();
    let enrolled = 0;
    for (const m of members) if (enrolInAssignment(t, a, m.ra, now)) enrolled++;
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'learning.assign',
      entityType: 'learning_assignment',
      entityId: a.id,
      regionPath: region.path,
      after: { target: target.title, role: input.role, region: region.fullName, dueDate: input.dueDate, enrolled },
      ip: actor.ip,
      at: now,
    });
    return { id: a.id, enrolled };
  });
}

/** Ends a cohort assignment: nobody new is enrolled; existing enrolments and progress are kept. */
export function endLearningAssignment(db: Db, actor: Actor, assignmentId: number, now = Date.now()): void {
  const a = db.select().from(learningAssignments).where(eq(learningAssignments.id, assignmentId)).get();
  if (!a || !isWithin(actor.scopePath, a.regionPath) || a.onboarding) throw new FieldError('assignmentId', 'v.choose');
  db.transaction((tx) => {
    tx.update(learningAssignments).set({ active: false }).where(eq(learningAssignments.id, assignmentId)).run();
    writeAudit(tx, { actorUserId: actor.userId, action: 'learning.unassign', entityType: 'learning_assignment', entityId: assignmentId, regionPath: a.regionPath, before: { active: true }, after: { active: false }, ip: actor.ip, at: now });
  });
}

/** People still 待上岗 in a scope. */
export function listPendingOnboarding(db: Db, scopePath: string, limit = 200) {
  return db
    .select({ userId: users.id, name: users.name, phone: users.phone, role: roleAssignments.role, regionFullName: regions.fullName, since: roleAssignments.createdAt })
    .from(roleAssignments)
    .innerJoin(users, eq(users.id, roleAssignments.userId))
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .where(and(eq(roleAssignments.onboarding, 'pending'), eq(roleAssignments.active, true), eq(users.active, true), withinSql(roleAssignments.regionPath, scopePath)))
    .orderBy(roleAssignments.createdAt)
    .limit(limit)
    .all();
}
