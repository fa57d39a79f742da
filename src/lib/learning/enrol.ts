import { and, eq, sql } from 'drizzle-orm';
import { refreshForPath } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import {
  learningAssignments,
  enrollments,
  courseProgress,
  courses,
  curricula,
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
import { addNotice } from '../notify/notices';
import { FieldError } from '../errors';
import { addDays, dayOf, isValidDay } from '../time';

/** Latest due date a trainer may set, in days from today (a sanity bound against typing slips, not a rule). */
const MAX_DUE_DAYS = 730;
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
  const dueDate = a.dueDate ?? addDays(dayOf(now), a.dueDays ?? 30);
  const enrolment = db
    .insert(enrollments)
    .values({
      userId: ra.userId,
      assignmentId: a.id,
      roleAssignmentId: ra.id,
      regionPath: ra.regionPath,
      dueDate,
      enrolledAt: now,
      coursesTotal: courseIds.length,
      coursesDone: done,
      completedAt: complete ? now : null,
    })
    .returning({ id: enrollments.id })
    .get();
  if (!complete) {
    const title = a.curriculumId
      ? db.select({ t: curricula.title }).from(curricula).where(eq(curricula.id, a.curriculumId)).get()?.t
      : db.select({ t: courses.title }).from(courses).where(eq(courses.id, a.courseId!)).get()?.t;
    addNotice(db, {
      userId: ra.userId,
      category: 'assignment',
      kind: 'learning.assigned',
      title: `新的学习任务：${title ?? '学习任务'}`,
      body: a.onboarding ? `完成入职培训后方可上岗，请在 ${dueDate} 前完成。` : `请在 ${dueDate} 前完成。`,
      link: '/learn',
      createdBy: a.createdBy,
      dedupeKey: `enrol:${enrolment.id}:new`,
      at: now,
    });
  }
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
  // a training round runs within a year or two; a due date beyond that is a typing slip (9999-12-31)
  const latest = addDays(dayOf(now), MAX_DUE_DAYS);
  if (input.dueDate > latest) throw new FieldError('dueDate', 'v.dateTooFar', { max: latest });
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

/**
 * `enrolNewMember` for many role assignments of people created in the same transaction (a roster import,
 * src/lib/exchange): the same onboarding gate, cohorts, progress rows and rollups, but the policy look-up,
 * the onboarding cohort and the candidate cohorts are found once per distinct case instead of once per
 * person, rows are written with prepared statements, and the region rollups are added up in memory and
 * written once per (cohort, region). Precondition: the people have no enrolments or course progress yet
 * (so nothing is complete); a unit test checks the result equals enrolNewMember's.
 */
export function enrolNewMembersBatch(db: Db, ras: { id: number; userId: number; role: Role; regionPath: string }[], now = Date.now()): number {
  if (ras.length === 0) return 0;
  const day = dayOf(now);
  const client = db.$client;
  // the onboarding rule depends only on which ancestors carry an onboarding policy
  const policyRegionIds = new Set(
    client
      .prepare(`select distinct region_id as id from policies where kind = 'onboarding'`)
      .all()
      .map((r) => (r as { id: number }).id),
  );
  const ruleCache = new Map<string, LearningAssignment | null>();
  const onboardingFor = (role: Role, path: string): LearningAssignment | null => {
    const key = `${role}|${pathIds(path).filter((id) => policyRegionIds.has(id)).join(',')}`;
    if (!ruleCache.has(key)) {
      const o = getOnboardingRule(db, role, path, day);
      ruleCache.set(key, o ? ensureOnboardingAssignment(db, o.policyRegionId, o.rule, now) : null);
    }
    return ruleCache.get(key)!;
  };
  const cohortsByRole = new Map<Role, LearningAssignment[]>();
  const cohorts = (role: Role) => {
    let list = cohortsByRole.get(role);
    if (!list) {
      list = db
        .select()
        .from(learningAssignments)
        .where(and(eq(learningAssignments.role, role), eq(learningAssignments.active, true), eq(learningAssignments.onboarding, false)))
        .all();
      cohortsByRole.set(role, list);
    }
    return list;
  };
  const coursesOf = new Map<number, { id: number; lessons: number }[]>();
  const coursesFor = (a: LearningAssignment) => {
    let list = coursesOf.get(a.id);
    if (!list) {
      list = assignmentCourseIds(db, a).flatMap((courseId) => {
        const c = db.select({ lessonCount: courses.lessonCount }).from(courses).where(eq(courses.id, courseId)).get();
        return c ? [{ id: courseId, lessons: c.lessonCount }] : [];
      });
      coursesOf.set(a.id, list);
    }
    return list;
  };
  const setPending = client.prepare(`update role_assignments set onboarding = 'pending' where id = ?`);
  const insProgress = client.prepare(`insert into course_progress (user_id, course_id, lessons_total) values (?, ?, ?) on conflict do nothing`);
  const insEnrollment = client.prepare(
    `insert into enrollments (user_id, assignment_id, role_assignment_id, region_path, due_date, enrolled_at, courses_total, courses_done, completed_at)
     values (?, ?, ?, ?, ?, ?, ?, 0, null) on conflict do nothing`,
  );
  const rollup = new Map<string, number>();
  let n = 0;
  const enrol = (a: LearningAssignment, ra: { id: number; userId: number; regionPath: string }) => {
    const list = coursesFor(a);
    for (const c of list) insProgress.run(ra.userId, c.id, c.lessons);
    const r = insEnrollment.run(ra.userId, a.id, ra.id, ra.regionPath, a.dueDate ?? addDays(day, a.dueDays ?? 30), now, list.length);
    if (r.changes === 0) return;
    n++;
    for (const regionId of pathIds(ra.regionPath)) {
      const k = `${a.id}:${regionId}`;
      rollup.set(k, (rollup.get(k) ?? 0) + 1);
    }
  };
  for (const ra of ras) {
    const onboarding = onboardingFor(ra.role, ra.regionPath);
    if (onboarding) {
      setPending.run(ra.id);
      enrol(onboarding, ra);
    }
    for (const a of cohorts(ra.role)) if (a.id !== onboarding?.id && isWithin(a.regionPath, ra.regionPath)) enrol(a, ra);
  }
  const bump = client.prepare(
    `insert into region_assignment_rollup (region_id, assignment_id, enrolled, completed) values (?, ?, ?, 0)
     on conflict (assignment_id, region_id) do update set enrolled = enrolled + excluded.enrolled`,
  );
  for (const [k, enrolled] of rollup) {
    const [assignmentId, regionId] = k.split(':').map(Number);
    bump.run(regionId, assignmentId, enrolled);
  }
  return n;
}
