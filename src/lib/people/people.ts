import { and, asc, eq, exists, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import { refreshForPath, refreshStaffingForUser } from '../dashboard/rollups';
import type { Db } from '../../../db/client';
import { users, roleAssignments, regions, institutions } from '../../../db/schema/index';
import type { Role } from '../../../db/schema/auth';
import { withinSql, isWithin } from '../org/scope';
import { getRegion, getInstitution } from '../org/regions';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { hashPassword, generateTemporaryPassword } from '../auth/password';
import { invalidateUserSessions } from '../auth/session';
import { enrolNewMember } from '../learning/enrol';

/** Who is acting, and over which part of the region tree. */
export interface Actor {
  userId: number;
  scopePath: string;
  ip?: string | null;
}

/** Region levels at which each role may be assigned (1 省 … 5 村). */
export const ROLE_LEVELS: Record<Role, readonly number[]> = {
  director: [5],
  supervisor: [4],
  trainer: [1, 2, 3],
  official: [1, 2, 3],
  caregiver: [2, 3],
  admin: [1, 2, 3],
  evaluator: [1, 2, 3],
};

export interface PersonAssignment {
  id: number;
  role: Role;
  regionId: number;
  regionPath: string;
  regionFullName: string;
  institutionId: number | null;
  institutionName: string | null;
  active: boolean;
}

export interface Person {
  id: number;
  phone: string;
  name: string;
  idNumber: string | null;
  active: boolean;
  mustChangePassword: boolean;
  createdAt: number;
  updatedAt: number;
  assignments: PersonAssignment[];
}

function assignmentsOf(db: Db, userIds: number[]): Map<number, PersonAssignment[]> {
  const out = new Map<number, PersonAssignment[]>();
  if (userIds.length === 0) return out;
  const rows = db
    .select({
      userId: roleAssignments.userId,
      id: roleAssignments.id,
      role: roleAssignments.role,
      regionId: roleAssignments.regionId,
      regionPath: roleAssignments.regionPath,
      regionFullName: regions.fullName,
      institutionId: roleAssignments.institutionId,
      institutionName: institutions.name,
      active: roleAssignments.active,
    })
    .from(roleAssignments)
    .innerJoin(regions, eq(regions.id, roleAssignments.regionId))
    .leftJoin(institutions, eq(institutions.id, roleAssignments.institutionId))
    .where(inArray(roleAssignments.userId, userIds))
    .orderBy(asc(roleAssignments.id))
    .all();
  for (const { userId, ...a } of rows) {
    const list = out.get(userId) ?? [];
    list.push(a);
    out.set(userId, list);
  }
  return out;
}

/** A person is inside a scope when any of their role assignments (current or ended) lies in it. */
function inScope(scopePath: string): SQL {
  return exists(
    sql`(select 1 from ${roleAssignments} where ${roleAssignments.userId} = ${users.id} and ${withinSql(roleAssignments.regionPath, scopePath)})`,
  );
}

export interface PeopleFilter {
  scopePath: string;
  q?: string;
  role?: Role;
  /** narrow to a region inside the scope */
  regionPath?: string;
  active?: boolean;
  page?: number;
  pageSize?: number;
}

export interface PeoplePage {
  rows: Person[];
  total: number;
  page: number;
  pageSize: number;
}

export function listPeople(db: Db, f: PeopleFilter): PeoplePage {
  const pageSize = Math.min(Math.max(f.pageSize ?? 20, 1), 100);
  const page = Math.max(f.page ?? 1, 1);
  const narrow = f.regionPath && isWithin(f.scopePath, f.regionPath) ? f.regionPath : f.scopePath;
  const conds: SQL[] = [];
  if (f.role || narrow !== f.scopePath) {
    const roleCond = f.role ? sql` and ${roleAssignments.role} = ${f.role} and ${roleAssignments.active} = 1` : sql``;
    conds.push(
      exists(
        sql`(select 1 from ${roleAssignments} where ${roleAssignments.userId} = ${users.id} and ${withinSql(roleAssignments.regionPath, narrow)}${roleCond})`,
      ),
    );
  } else {
    conds.push(inScope(f.scopePath));
  }
  if (f.active !== undefined) conds.push(eq(users.active, f.active));
  const q = f.q?.trim().replace(/[%_\\]/g, '');
  if (q) conds.push(or(like(users.name, `%${q}%`), like(users.phone, `%${q}%`))!);
  const where = and(...conds);
  const total = db.select({ n: sql<number>`count(*)` }).from(users).where(where).get()?.n ?? 0;
  const base = db
    .select()
    .from(users)
    .where(where)
    .orderBy(asc(users.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .all();
  const byUser = assignmentsOf(
    db,
    base.map((u) => u.id),
  );
  return {
    rows: base.map((u) => toPerson(u, byUser.get(u.id) ?? [])),
    total,
    page,
    pageSize,
  };
}

function toPerson(u: typeof users.$inferSelect, assignments: PersonAssignment[]): Person {
  return {
    id: u.id,
    phone: u.phone,
    name: u.name,
    idNumber: u.idNumber,
    active: u.active,
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt,
    updatedAt: u.updatedAt,
    assignments,
  };
}

/** The person, only when inside the caller's scope; otherwise null (pages answer 404). */
export function getPersonInScope(db: Db, scopePath: string, userId: number): Person | null {
  const u = db
    .select()
    .from(users)
    .where(and(eq(users.id, userId), inScope(scopePath)))
    .get();
  if (!u) return null;
  return toPerson(u, assignmentsOf(db, [u.id]).get(u.id) ?? []);
}

export function requirePersonInScope(db: Db, scopePath: string, userId: number): Person {
  const p = getPersonInScope(db, scopePath, userId);
  if (!p) throw new NotFoundError('person');
  return p;
}

/** The path audit rows about a person are filed under: their first assignment's region. */
export function personRegionPath(p: Person): string | null {
  return p.assignments.find((a) => a.active)?.regionPath ?? p.assignments[0]?.regionPath ?? null;
}

function snapshot(p: Pick<Person, 'name' | 'phone' | 'idNumber' | 'active'>) {
  return { name: p.name, phone: p.phone, idNumber: p.idNumber, active: p.active };
}

export interface AssignmentInput {
  role: Role;
  regionId: number;
  institutionId?: number | null;
}

/** Checks an assignment is allowed for this actor and returns the region path it will carry. */
function checkAssignment(db: Db, actor: Actor, a: AssignmentInput): { regionPath: string; institutionId: number | null } {
  const region = getRegion(db, a.regionId);
  if (!region || !isWithin(actor.scopePath, region.path)) throw new FieldError('regionId', 'v.regionOutOfScope');
  if (!ROLE_LEVELS[a.role].includes(region.level)) {
    throw new FieldError('regionId', `v.roleLevel.${a.role}`);
  }
  let institutionId: number | null = null;
  if (a.role === 'caregiver') {
    const inst = a.institutionId ? getInstitution(db, a.institutionId) : null;
    if (!inst || inst.regionId !== region.id) throw new FieldError('institutionId', 'v.institution');
    institutionId = inst.id;
  }
  return { regionPath: region.path, institutionId };
}

function assertPhoneFree(db: Db, phone: string, exceptUserId?: number) {
  const other = db.select({ id: users.id }).from(users).where(eq(users.phone, phone)).get();
  if (other && other.id !== exceptUserId) throw new FieldError('phone', 'v.phoneTaken');
}

function assertIdNumberFree(db: Db, idNumber: string | null, exceptUserId?: number) {
  if (!idNumber) return;
  const other = db.select({ id: users.id }).from(users).where(eq(users.idNumber, idNumber)).get();
  if (other && other.id !== exceptUserId) throw new FieldError('idNumber', 'v.idNumberTaken');
}

export interface NewPerson {
  phone: string;
  name: string;
  idNumber: string | null;
  assignment: AssignmentInput;
}

/**
 * Creates a person with one role assignment and a temporary password they must change at first
 * sign-in. Returns the temporary password once, for the administrator to hand over.
 */
export async function createPerson(db: Db, actor: Actor, input: NewPerson, now = Date.now()): Promise<{ id: number; temporaryPassword: string }> {
  const { regionPath, institutionId } = checkAssignment(db, actor, input.assignment);
  assertPhoneFree(db, input.phone);
  assertIdNumberFree(db, input.idNumber);
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPassword(temporaryPassword);
  const id = db.transaction((tx) => {
    // hashing yielded: another request may have taken the phone or ID number since the checks above
    assertPhoneFree(tx as unknown as Db, input.phone);
    assertIdNumberFree(tx as unknown as Db, input.idNumber);
    const u = tx
      .insert(users)
      .values({
        phone: input.phone,
        name: input.name,
        idNumber: input.idNumber,
        passwordHash,
        mustChangePassword: true,
        active: true,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
      })
      .returning({ id: users.id })
      .get();
    const a = tx
      .insert(roleAssignments)
      .values({ userId: u.id, role: input.assignment.role, regionId: input.assignment.regionId, regionPath, institutionId, active: true, createdAt: now })
      .returning({ id: roleAssignments.id })
      .get();
    // onboarding gate and cohort enrolment for the new role, in the same transaction
    enrolNewMember(tx as unknown as Db, a.id, now);
    refreshForPath(tx, regionPath, ['staffing']);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'user.create',
      entityType: 'user',
      entityId: u.id,
      regionPath,
      after: { ...snapshot({ ...input, active: true }), assignment: { id: a.id, role: input.assignment.role, regionId: input.assignment.regionId, institutionId } },
      ip: actor.ip,
      at: now,
    });
    return u.id;
  });
  return { id, temporaryPassword };
}

export function updatePerson(
  db: Db,
  actor: Actor,
  userId: number,
  input: { name: string; phone: string; idNumber: string | null },
  now = Date.now(),
): Person {
  const before = requirePersonInScope(db, actor.scopePath, userId);
  assertPhoneFree(db, input.phone, userId);
  assertIdNumberFree(db, input.idNumber, userId);
  db.transaction((tx) => {
    tx.update(users).set({ name: input.name, phone: input.phone, idNumber: input.idNumber, updatedAt: now }).where(eq(users.id, userId)).run();
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'user.update',
      entityType: 'user',
      entityId: userId,
      regionPath: personRegionPath(before),
      before: snapshot(before),
      after: snapshot({ ...before, ...input }),
      ip: actor.ip,
      at: now,
    });
  });
  return requirePersonInScope(db, actor.scopePath, userId);
}

/** Deactivating signs the person out everywhere; nothing is deleted. */
export function setPersonActive(db: Db, actor: Actor, userId: number, active: boolean, now = Date.now()): void {
  const before = requirePersonInScope(db, actor.scopePath, userId);
  if (userId === actor.userId && !active) throw new FieldError('active', 'v.cannotDeactivateSelf');
  if (before.active === active) return;
  db.transaction((tx) => {
    tx.update(users).set({ active, updatedAt: now }).where(eq(users.id, userId)).run();
    if (!active) invalidateUserSessions(tx as unknown as Db, userId);
    refreshStaffingForUser(tx, userId);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: active ? 'user.activate' : 'user.deactivate',
      entityType: 'user',
      entityId: userId,
      regionPath: personRegionPath(before),
      before: { active: before.active },
      after: { active },
      ip: actor.ip,
      at: now,
    });
  });
}

/** Sets a new temporary password, ends the person's sessions and forces a change at next sign-in. */
export async function resetPassword(db: Db, actor: Actor, userId: number, now = Date.now()): Promise<string> {
  const before = requirePersonInScope(db, actor.scopePath, userId);
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPassword(temporaryPassword);
  db.transaction((tx) => {
    tx.update(users)
      .set({ passwordHash, mustChangePassword: true, passwordChangedAt: now, updatedAt: now })
      .where(eq(users.id, userId))
      .run();
    invalidateUserSessions(tx as unknown as Db, userId);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'user.password_reset',
      entityType: 'user',
      entityId: userId,
      regionPath: personRegionPath(before),
      before: { mustChangePassword: before.mustChangePassword },
      after: { mustChangePassword: true },
      ip: actor.ip,
      at: now,
    });
  });
  return temporaryPassword;
}

export function addAssignment(db: Db, actor: Actor, userId: number, input: AssignmentInput, now = Date.now()): number {
  requirePersonInScope(db, actor.scopePath, userId);
  const { regionPath, institutionId } = checkAssignment(db, actor, input);
  const dup = db
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(
      and(
        eq(roleAssignments.userId, userId),
        eq(roleAssignments.role, input.role),
        eq(roleAssignments.regionId, input.regionId),
        eq(roleAssignments.active, true),
      ),
    )
    .get();
  if (dup) throw new FieldError('regionId', 'v.assignmentExists');
  return db.transaction((tx) => {
    const a = tx
      .insert(roleAssignments)
      .values({ userId, role: input.role, regionId: input.regionId, regionPath, institutionId, active: true, createdAt: now })
      .returning({ id: roleAssignments.id })
      .get();
    enrolNewMember(tx as unknown as Db, a.id, now);
    refreshForPath(tx, regionPath, ['staffing']);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'assignment.add',
      entityType: 'user',
      entityId: userId,
      regionPath,
      after: { assignmentId: a.id, role: input.role, regionId: input.regionId, institutionId },
      ip: actor.ip,
      at: now,
    });
    return a.id;
  });
}

/** Ends a role assignment (kept for history). The actor must have the assignment's region in scope. */
export function endAssignment(db: Db, actor: Actor, userId: number, assignmentId: number, now = Date.now()): void {
  const person = requirePersonInScope(db, actor.scopePath, userId);
  const a = person.assignments.find((x) => x.id === assignmentId);
  if (!a || !isWithin(actor.scopePath, a.regionPath)) throw new NotFoundError('assignment');
  if (!a.active) return;
  if (userId === actor.userId && a.role === 'admin') throw new FieldError('assignmentId', 'v.cannotEndOwnAdmin');
  db.transaction((tx) => {
    tx.update(roleAssignments).set({ active: false, endedAt: now }).where(eq(roleAssignments.id, assignmentId)).run();
    refreshForPath(tx, a.regionPath, ['staffing']);
    writeAudit(tx, {
      actorUserId: actor.userId,
      action: 'assignment.end',
      entityType: 'user',
      entityId: userId,
      regionPath: a.regionPath,
      before: { assignmentId, role: a.role, regionId: a.regionId, active: true },
      after: { assignmentId, active: false },
      ip: actor.ip,
      at: now,
    });
  });
}
