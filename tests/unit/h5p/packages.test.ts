import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { buildZip, validH5pEntries } from '../../factories/zip';
import { uploadPackage, listPackages, getPackageBySlug, getPackageInScope, removePackage, packageDir } from '../../../src/lib/h5p/packages';
import { resolveServedFile } from '../../../src/lib/h5p/files';
import { auditLog, h5pPackages } from '../../../db/schema/index';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let root: string;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  root = mkdtempSync(join(tmpdir(), 'tonghu-h5p-root-'));
});
afterEach(() => {
  t.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const audits = (action: string) => db.select().from(auditLog).where(eq(auditLog.action, action)).all();

describe('uploading packages', () => {
  it('stores a valid package under <root>/<id>, lists it in the jurisdiction, audits it', async () => {
    const trainer = w.person('trainer', w.zhushan);
    const p = await uploadPackage(db, { userId: trainer, regionPath: w.zhushan.path, ip: '127.0.0.1' }, { name: 'check.h5p', bytes: buildZip(validH5pEntries('竹山练习')) }, root);
    expect(p.slug).toMatch(/^u-[0-9a-f]{16}$/);
    expect(p.title).toBe('竹山练习');
    expect(p.fileCount).toBe(7);
    expect(readdirSync(root)).toEqual([String(p.id)]);
    expect(existsSync(join(packageDir(root, p.id), 'h5p.json'))).toBe(true);
    expect(listPackages(db, w.zhushan.path).map((x) => x.id)).toEqual([p.id]);
    expect(listPackages(db, w.shiyan.path).map((x) => x.id)).toEqual([p.id]);
    expect(listPackages(db, w.jiangling.path)).toEqual([]);
    expect(getPackageInScope(db, p.id, w.jiangling.path)).toBeNull();
    expect(getPackageBySlug(db, p.slug)?.id).toBe(p.id);
    expect(audits('h5p.upload')).toHaveLength(1);
    // the files route serves its files, nothing outside
    expect(resolveServedFile(packageDir(root, p.id), 'content/content.json')?.contentType).toContain('application/json');
    expect(resolveServedFile(packageDir(root, p.id), '../../etc/passwd')).toBeNull();
  });

  it('a refused upload leaves no row and no files, and the audit row says why', async () => {
    const trainer = w.person('trainer', w.zhushan);
    const evil = buildZip([...validH5pEntries(), { name: '../../evil.js', data: 'alert(1)' }]);
    await expect(uploadPackage(db, { userId: trainer, regionPath: w.zhushan.path }, { name: 'evil.h5p', bytes: evil }, root)).rejects.toMatchObject({ key: 'v.h5p.zipSlip' });
    await expect(uploadPackage(db, { userId: trainer, regionPath: w.zhushan.path }, { name: 'notes.zip', bytes: buildZip(validH5pEntries()) }, root)).rejects.toMatchObject({ key: 'v.h5p.notH5p' });
    expect(db.select().from(h5pPackages).all()).toEqual([]);
    expect(readdirSync(root)).toEqual([]);
    const rows = audits('h5p.reject');
    expect(rows).toHaveLength(2);
    expect(JSON.parse(rows[0]!.after!)).toMatchObject({ fileName: 'evil.h5p', reason: 'v.h5p.zipSlip', name: '../../evil.js' });
    expect(rows[0]!.regionPath).toBe(w.zhushan.path);
  });

  it('a package whose data is corrupt is cleaned up', async () => {
    const trainer = w.person('trainer', w.zhushan);
    const liar = buildZip([...validH5pEntries(), { name: 'content/liar.txt', data: Buffer.alloc(500_000), deflate: true, declaredSize: 10 }]);
    await expect(uploadPackage(db, { userId: trainer, regionPath: w.zhushan.path }, { name: 'liar.h5p', bytes: liar }, root)).rejects.toMatchObject({ key: 'v.h5p.corrupt' });
    expect(readdirSync(root)).toEqual([]);
    expect(db.select().from(h5pPackages).all()).toEqual([]);
  });

  it('removing a package deletes its files and keeps the row', async () => {
    const trainer = w.person('trainer', w.zhushan);
    const actor = { userId: trainer, regionPath: w.zhushan.path };
    const p = await uploadPackage(db, actor, { name: 'a.h5p', bytes: buildZip(validH5pEntries()) }, root);
    expect(() => removePackage(db, { userId: trainer, regionPath: w.jiangling.path }, p.id, root)).toThrow();
    removePackage(db, actor, p.id, root);
    expect(existsSync(packageDir(root, p.id))).toBe(false);
    expect(getPackageBySlug(db, p.slug)).toBeNull();
    expect(db.select().from(h5pPackages).where(eq(h5pPackages.id, p.id)).get()?.status).toBe('removed');
    expect(audits('h5p.remove')).toHaveLength(1);
  });
});
