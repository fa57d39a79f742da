import { randomBytes } from 'node:crypto';
import { refreshForPath, refreshRootOf } from '../dashboard/rollups';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Db } from '../../../db/client';
import { certificates, serialCounters, users, courses, curricula, regions, curriculumCourses } from '../../../db/schema/index';
import { isWithin, pathIds, withinSql } from '../org/scope';
import { maskName } from '../privacy/mask';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { addDays, dayOf, yearOf } from '../time';
import { sign } from './signer';

export type Certificate = typeof certificates.$inferSelect;

/** 鄂童护〔2026〕000123号 — the prefix is configurable per province (TONGHU_CERT_PREFIX). */
export function formatSerial(prefix: string, year: number, seq: number): string {
  return `${prefix}〔${year}〕${String(seq).padStart(6, '0')}号`;
}

let serialPrefix = '鄂童护';
export function configureSerialPrefix(p: string): void {
  serialPrefix = p;
}

/** Hands out the next number of the year inside the caller's transaction; numbers are never reused. */
function nextSeq(db: Db, year: number): number {
  const row = db
    .insert(serialCounters)
    .values({ year, next: 2 })
    .onConflictDoUpdate({ target: serialCounters.year, set: { next: sql`${serialCounters.next} + 1` } })
    .returning({ next: serialCounters.next })
    .get();
  return row.next - 1;
}

/** The civil-affairs bureau of the holder's county (or the level above when the holder sits higher). */
export function issuerFor(db: Db, regionPath: string): string {
  const ids = pathIds(regionPath);
  const rows = ids.length ? db.select().from(regions).where(inArray(regions.id, ids)).all() : [];
  const byLevel = new Map(rows.map((r) => [r.level, r]));
  const r = byLevel.get(3) ?? byLevel.get(2) ?? byLevel.get(1);
  if (!r) return '民政部门';
  if (r.level === 1) return `${r.name.replace(/省$/, '')}省民政厅`;
  return `${r.name}民政局`;
}

function monthsLater(day: string, months: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return addDays(d.toISOString().slice(0, 10), -1);
}

export interface IssueInput {
  userId: number;
  kind: 'curriculum' | 'course' | 'skill-level';
  curriculumId?: number | null;
  courseId?: number | null;
  level?: string | null;
  title: string;
  hours: number | null;
  basedOn: { courseId: number; version: string }[];
  validityMonths?: number | null;
  /** a fixed expiry (a corrected certificate keeps the original's) instead of one computed from validityMonths */
  expiresOn?: string | null;
  regionPath: string;
  supersedesId?: number | null;
}

/** Issues (signs and stores) a certificate. Call inside the transaction of what earned it. */
export function issueCertificate(db: Db, input: IssueInput, now: number): Certificate {
  const user = db.select().from(users).where(eq(users.id, input.userId)).get();
  if (!user) throw new NotFoundError('user');
  const issuedOn = dayOf(now);
  const year = yearOf(now);
  const seq = nextSeq(db, year);
  const serial = formatSerial(serialPrefix, year, seq);
  const expiresOn = input.expiresOn !== undefined ? input.expiresOn : input.validityMonths ? monthsLater(issuedOn, input.validityMonths) : null;
  const issuer = issuerFor(db, input.regionPath);
  const holderMasked = maskName(user.name);
  const token = sign({ v: 1, s: serial, n: holderMasked, c: input.title, k: input.kind, h: input.hours, i: issuedOn, e: expiresOn, a: issuer });
  const row = db
    .insert(certificates)
    .values({
      code: encodeBase32LowerCaseNoPadding(randomBytes(10)),
      serial,
      year,
      seq,
      userId: user.id,
      kind: input.kind,
      curriculumId: input.curriculumId ?? null,
      courseId: input.courseId ?? null,
      level: input.level ?? null,
      title: input.title,
      hours: input.hours,
      issuedAt: now,
      issuedOn,
      expiresOn,
      issuer,
      holderName: user.name,
      holderMasked,
      token,
      basedOn: input.basedOn,
      regionPath: input.regionPath,
      supersedesId: input.supersedesId ?? null,
    })
    .returning()
    .get();
  if (input.supersedesId) {
    const old = db.update(certificates).set({ status: 'superseded' }).where(and(eq(certificates.id, input.supersedesId), eq(certificates.status, 'valid'))).returning({ regionPath: certificates.regionPath }).get();
    if (old && refreshRootOf(old.regionPath) !== refreshRootOf(input.regionPath)) refreshForPath(db, old.regionPath, ['certificates']);
  }
  refreshForPath(db, input.regionPath, ['certificates']);
  writeAudit(db, { actorUserId: null, action: 'certificate.issue', entityType: 'certificate', entityId: row.id, regionPath: input.regionPath, after: { serial, title: input.title, holder: holderMasked }, at: now });
  return row;
}

/** The holder's current (valid) certificate matching a condition, if any. */
function currentFor(db: Db, userId: number, cond: SQL): Certificate | null {
  return db.select().from(certificates).where(and(eq(certificates.userId, userId), eq(certificates.status, 'valid'), cond)).orderBy(desc(certificates.id)).get() ?? null;
}

/**
 * A curriculum was completed: issue its certificate, unless the person already holds a valid one that has
 * not expired and owes no update; an older one is superseded by the new (renewal).
 */
export function issueForCurriculum(db: Db, userId: number, curriculumId: number, regionPath: string, now: number): Certificate | null {
  const cu = db.select().from(curricula).where(eq(curricula.id, curriculumId)).get();
  if (!cu) return null;
  const existing = currentFor(db, userId, eq(certificates.curriculumId, curriculumId));
  if (existing && (!existing.expiresOn || existing.expiresOn >= dayOf(now)) && !needsUpdate(db, existing)) return null;
  return issueCurriculumCert(db, userId, cu, regionPath, now, existing?.id ?? null);
}

/** Courses whose current major version is newer than the one the certificate rests on. */
function updatedCourses(db: Db, c: Pick<Certificate, 'basedOn'>): number[] {
  if (!c.basedOn.length) return [];
  const current = new Map(
    db.select({ id: courses.id, version: courses.version }).from(courses).where(inArray(courses.id, c.basedOn.map((b) => b.courseId))).all().map((r) => [r.id, r.version]),
  );
  return c.basedOn.filter((b) => current.has(b.courseId) && major(current.get(b.courseId)!) > major(b.version)).map((b) => b.courseId);
}

/**
 * The shorter refresher path: to renew a curriculum certificate the holder passes course quizzes again
 * (no need to reread the lessons) — only the updated courses when a course has a new major version, all
 * of its courses when the certificate has expired or expires within 30 days. Empty when nothing is due.
 */
export function renewalCourses(db: Db, c: Certificate, today: string): number[] {
  if (c.status !== 'valid' || c.kind !== 'curriculum') return [];
  const updated = updatedCourses(db, c);
  if (updated.length) return updated;
  if (c.expiresOn && c.expiresOn <= addDays(today, 30)) return c.basedOn.map((b) => b.courseId);
  return [];
}

/** When a course quiz is being retaken for a renewal: attempts count from this time (the certificate's issue). */
export function renewalSince(db: Db, userId: number, courseId: number, today: string): number | null {
  const certs = db.select().from(certificates).where(and(eq(certificates.userId, userId), eq(certificates.status, 'valid'), eq(certificates.kind, 'curriculum'))).all();
  const due = certs.filter((c) => renewalCourses(db, c, today).includes(courseId));
  return due.length ? Math.max(...due.map((c) => c.issuedAt)) : null;
}

/**
 * After a quiz pass: every certificate whose refresher quizzes have all been passed since it was issued is
 * renewed — a new certificate on the current course versions supersedes it.
 */
export function renewIfComplete(db: Db, userId: number, passedSince: (courseId: number, since: number) => boolean, now: number): Certificate[] {
  const today = dayOf(now);
  const out: Certificate[] = [];
  for (const c of db.select().from(certificates).where(and(eq(certificates.userId, userId), eq(certificates.status, 'valid'), eq(certificates.kind, 'curriculum'))).all()) {
    const need = renewalCourses(db, c, today);
    if (!need.length || !c.curriculumId || !need.every((id) => passedSince(id, c.issuedAt))) continue;
    const cu = db.select().from(curricula).where(eq(curricula.id, c.curriculumId)).get();
    if (!cu) continue;
    out.push(issueCurriculumCert(db, userId, cu, c.regionPath, now, c.id));
  }
  return out;
}

function issueCurriculumCert(db: Db, userId: number, cu: typeof curricula.$inferSelect, regionPath: string, now: number, supersedesId: number | null): Certificate {
  const list = db
    .select({ id: courses.id, version: courses.version, hours: courses.hours })
    .from(curriculumCourses)
    .innerJoin(courses, eq(courses.id, curriculumCourses.courseId))
    .where(eq(curriculumCourses.curriculumId, cu.id))
    .all();
  return issueCertificate(
    db,
    {
      userId,
      kind: 'curriculum',
      curriculumId: cu.id,
      title: cu.title,
      hours: list.reduce((s, c) => s + c.hours, 0),
      basedOn: list.map((c) => ({ courseId: c.id, version: c.version })),
      validityMonths: cu.validityMonths,
      regionPath,
      supersedesId,
    },
    now,
  );
}

/** A course marked certifying was completed. */
export function issueForCourse(db: Db, userId: number, courseId: number, regionPath: string, now: number): Certificate | null {
  const c = db.select().from(courses).where(eq(courses.id, courseId)).get();
  if (!c || !c.certifying) return null;
  const existing = currentFor(db, userId, eq(certificates.courseId, courseId));
  if (existing && !needsUpdate(db, existing)) return null;
  return issueCertificate(
    db,
    { userId, kind: 'course', courseId: c.id, title: c.title, hours: c.hours, basedOn: [{ courseId: c.id, version: c.version }], regionPath, supersedesId: existing?.id ?? null },
    now,
  );
}

const major = (v: string) => Number(v.split('.')[0]);

/** A course the certificate rests on has a new major version (e.g. a law amendment): the holder owes the update. */
export function needsUpdate(db: Db, c: Pick<Certificate, 'basedOn'>): boolean {
  return updatedCourses(db, c).length > 0;
}

export type CertState = 'valid' | 'expired' | 'revoked' | 'superseded';

export function stateOf(c: Pick<Certificate, 'status' | 'expiresOn'>, today: string): CertState {
  if (c.status !== 'valid') return c.status;
  return c.expiresOn && c.expiresOn < today ? 'expired' : 'valid';
}

export function listCertificatesForUser(db: Db, userId: number): Certificate[] {
  return db.select().from(certificates).where(eq(certificates.userId, userId)).orderBy(desc(certificates.id)).all();
}

export function getOwnCertificate(db: Db, userId: number, id: number): Certificate | null {
  return db.select().from(certificates).where(and(eq(certificates.id, id), eq(certificates.userId, userId))).get() ?? null;
}

/** Public verification: only by the unguessable code; nothing for unknown codes. */
export function getCertificateByCode(db: Db, code: string): Certificate | null {
  if (!/^[a-z2-7]{16}$/.test(code)) return null;
  return db.select().from(certificates).where(eq(certificates.code, code)).get() ?? null;
}

export function getCertificateInScope(db: Db, scopePath: string, id: number): Certificate | null {
  const c = db.select().from(certificates).where(eq(certificates.id, id)).get();
  return c && isWithin(scopePath, c.regionPath) ? c : null;
}

export function listCertificatesInScope(db: Db, scopePath: string, opts: { q?: string; limit?: number; offset?: number } = {}) {
  const conds = [withinSql(certificates.regionPath, scopePath)];
  const q = opts.q?.trim().replace(/[%_\\]/g, '');
  if (q) conds.push(sql`(${certificates.holderName} like ${'%' + q + '%'} or ${certificates.serial} like ${'%' + q + '%'})`);
  const where = and(...conds);
  return {
    total: db.select({ n: sql<number>`count(*)` }).from(certificates).where(where).get()?.n ?? 0,
    rows: db.select().from(certificates).where(where).orderBy(desc(certificates.id)).limit(opts.limit ?? 50).offset(opts.offset ?? 0).all(),
  };
}

/** Officials revoke with a reason; the verification page shows it from then on. */
export function revokeCertificate(db: Db, actor: { userId: number; scopePath: string; ip?: string | null }, id: number, reason: string, now = Date.now()): void {
  const c = getCertificateInScope(db, actor.scopePath, id);
  if (!c) throw new NotFoundError('certificate');
  const r = reason.trim();
  if (r.length < 4 || r.length > 200) throw new FieldError('reason', 'v.reason');
  if (c.status === 'revoked') return;
  db.transaction((tx) => {
    tx.update(certificates).set({ status: 'revoked', revokedAt: now, revokedBy: actor.userId, revokeReason: r }).where(eq(certificates.id, id)).run();
    refreshForPath(tx, c.regionPath, ['certificates']);
    writeAudit(tx, { actorUserId: actor.userId, action: 'certificate.revoke', entityType: 'certificate', entityId: id, regionPath: c.regionPath, before: { status: c.status }, after: { status: 'revoked', reason: r }, ip: actor.ip, at: now });
  });
}

/**
 * A correction (e.g. the holder's name was wrong and has been fixed): a new certificate with the current
 * details supersedes the old one, which is never edited. Officials only, inside their jurisdiction.
 */
export function reissueCertificate(db: Db, actor: { userId: number; scopePath: string; ip?: string | null }, id: number, reason: string, now = Date.now()): Certificate {
  const c = getCertificateInScope(db, actor.scopePath, id);
  if (!c) throw new NotFoundError('certificate');
  // a revoked or already superseded certificate is seen by the official, but cannot be reissued
  if (c.status !== 'valid') throw new FieldError('_action', 'v.certNotValid');
  const r = reason.trim();
  if (r.length < 4 || r.length > 200) throw new FieldError('reason', 'v.reason');
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const fresh = issueCertificate(
      t,
      { userId: c.userId, kind: c.kind, curriculumId: c.curriculumId, courseId: c.courseId, level: c.level, title: c.title, hours: c.hours, basedOn: c.basedOn, expiresOn: c.expiresOn, regionPath: c.regionPath, supersedesId: c.id },
      now,
    );
    writeAudit(tx, { actorUserId: actor.userId, action: 'certificate.reissue', entityType: 'certificate', entityId: c.id, regionPath: c.regionPath, before: { serial: c.serial, holder: c.holderName }, after: { serial: fresh.serial, reason: r }, ip: actor.ip, at: now });
    return fresh;
  });
}

/** Valid certificates in scope expiring within `days`, expired ones, and those owing a course update. */
export function certificatesNeedingAttention(db: Db, scopePath: string, today: string, days = 30) {
  const rows = db
    .select({ c: certificates, name: users.name })
    .from(certificates)
    .innerJoin(users, eq(users.id, certificates.userId))
    .where(and(withinSql(certificates.regionPath, scopePath), eq(certificates.status, 'valid')))
    .orderBy(asc(certificates.expiresOn))
    .all();
  const horizon = addDays(today, days);
  return {
    expiring: rows.filter((r) => r.c.expiresOn && r.c.expiresOn >= today && r.c.expiresOn <= horizon),
    expired: rows.filter((r) => r.c.expiresOn && r.c.expiresOn < today),
    owingUpdate: rows.filter((r) => needsUpdate(db, r.c)),
  };
}
