import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { h5pPackages, users } from '../../../db/schema/index';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { withinSql, isWithin } from '../org/scope';
import { DEFAULT_LIMITS, openPackage, type PackageLimits } from './package';

/**
 * Uploaded .h5p packages: validated by ./package.ts, extracted to `<root>/<id>/`, recorded in h5p_packages,
 * every upload and every refusal audited. `root` is `<folder of the database>/h5p` (src/server/h5p.ts).
 */

export type H5pPackage = typeof h5pPackages.$inferSelect;

export interface Uploader {
  userId: number;
  /** the trainer's jurisdiction */
  regionPath: string;
  ip?: string | null;
}

export const UPLOADED_SLUG = /^u-[0-9a-f]{16}$/;

export function isUploadedSlug(s: string): boolean {
  return UPLOADED_SLUG.test(s);
}

/** Where an uploaded package's files live. */
export function packageDir(root: string, id: number): string {
  return join(resolve(root), String(id));
}

/** Records a refused upload (reason = the message key and its parameters) in the audit trail. */
export function auditRejectedUpload(db: Db, actor: Uploader, file: { name: string; size: number }, e: FieldError, now = Date.now()): void {
  writeAudit(db, {
    actorUserId: actor.userId,
    action: 'h5p.reject',
    entityType: 'h5p_package',
    entityId: null,
    regionPath: actor.regionPath,
    after: { fileName: file.name.slice(0, 120), sizeBytes: file.size, reason: e.key, ...e.params },
    ip: actor.ip ?? null,
    at: now,
  });
}

/**
 * Checks and stores an upload. On refusal: nothing on disk, no row, an audit entry with the reason, and
 * the FieldError rethrown for the page to show.
 */
export async function uploadPackage(
  db: Db,
  actor: Uploader,
  file: { name: string; bytes: Buffer },
  root: string,
  limits: PackageLimits = DEFAULT_LIMITS,
  now = Date.now(),
): Promise<H5pPackage> {
  const refused = (e: unknown) => {
    if (e instanceof FieldError) auditRejectedUpload(db, actor, { name: file.name, size: file.bytes.length }, e, now);
    return e;
  };
  if (!/\.h5p$/i.test(file.name)) throw refused(new FieldError('file', 'v.h5p.notH5p'));
  let opened;
  try {
    opened = await openPackage(file.bytes, limits);
  } catch (e) {
    throw refused(e);
  }
  const base = resolve(root);
  mkdirSync(base, { recursive: true });
  const tmp = join(base, `.upload-${randomBytes(8).toString('hex')}`);
  try {
    await opened.extractTo(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw refused(e);
  } finally {
    opened.close();
  }
  try {
    return db.transaction((tx) => {
      const t = tx as unknown as Db;
      const row = t
        .insert(h5pPackages)
        .values({
          slug: `u-${randomBytes(8).toString('hex')}`,
          title: opened.h5p.title.slice(0, 200),
          mainLibrary: opened.h5p.mainLibrary,
          uploadedBy: actor.userId,
          regionPath: actor.regionPath,
          sizeBytes: file.bytes.length,
          fileCount: opened.files,
          unpackedBytes: opened.unpackedBytes,
          createdAt: now,
          status: 'ready',
        })
        .returning()
        .get();
      const dir = packageDir(base, row.id);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      writeAudit(t, {
        actorUserId: actor.userId,
        action: 'h5p.upload',
        entityType: 'h5p_package',
        entityId: row.id,
        regionPath: actor.regionPath,
        after: { title: row.title, mainLibrary: row.mainLibrary, sizeBytes: row.sizeBytes, fileCount: row.fileCount, unpackedBytes: row.unpackedBytes },
        ip: actor.ip ?? null,
        at: now,
      });
      return row;
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export interface PackageLine extends H5pPackage {
  uploaderName: string;
}

/** Packages uploaded within a jurisdiction, newest first. */
export function listPackages(db: Db, scopePath: string, limit = 100): PackageLine[] {
  return db
    .select({ p: h5pPackages, uploaderName: users.name })
    .from(h5pPackages)
    .innerJoin(users, eq(users.id, h5pPackages.uploadedBy))
    .where(and(withinSql(h5pPackages.regionPath, scopePath), eq(h5pPackages.status, 'ready')))
    .orderBy(desc(h5pPackages.createdAt), desc(h5pPackages.id))
    .limit(limit)
    .all()
    .map((r) => ({ ...r.p, uploaderName: r.uploaderName }));
}

export function getPackageBySlug(db: Db, slug: string): H5pPackage | null {
  if (!isUploadedSlug(slug)) return null;
  return db.select().from(h5pPackages).where(and(eq(h5pPackages.slug, slug), eq(h5pPackages.status, 'ready'))).get() ?? null;
}

/** A package the caller may see: ready and uploaded within their jurisdiction; otherwise null. */
export function getPackageInScope(db: Db, id: number, scopePath: string): H5pPackage | null {
  const p = db.select().from(h5pPackages).where(and(eq(h5pPackages.id, id), eq(h5pPackages.status, 'ready'))).get();
  return p && isWithin(scopePath, p.regionPath) ? p : null;
}

/** Withdraws a package: files deleted, row kept as 'removed' for the audit trail. */
export function removePackage(db: Db, actor: Uploader, id: number, root: string, now = Date.now()): void {
  const p = getPackageInScope(db, id, actor.regionPath);
  if (!p) throw new NotFoundError('h5p_package');
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    t.update(h5pPackages).set({ status: 'removed' }).where(eq(h5pPackages.id, id)).run();
    writeAudit(t, { actorUserId: actor.userId, action: 'h5p.remove', entityType: 'h5p_package', entityId: id, regionPath: p.regionPath, before: { title: p.title, status: p.status }, after: { status: 'removed' }, ip: actor.ip ?? null, at: now });
  });
  rmSync(packageDir(root, id), { recursive: true, force: true });
}
