import { dirname, join, resolve } from 'node:path';
import type { Db } from '../../db/client';
import type { ValidSession } from '../lib/auth/session';
import { getBuiltinActivity, isActivitySlug } from '../lib/h5p/builtin';
import { DEFAULT_LIMITS, type PackageLimits } from '../lib/h5p/package';
import { getPackageBySlug, isUploadedSlug } from '../lib/h5p/packages';
import { isWithin } from '../lib/org/scope';
import { getEnv } from './env';

/** Built-in activities and their libraries (the project's content folder; npm scripts run at the root). */
export function h5pContentRoot(): string {
  return resolve('content/h5p');
}

/** Uploaded packages live beside the database: `<folder of DATABASE_PATH>/h5p/<id>/`. */
export function h5pUploadRoot(): string {
  return join(dirname(resolve(getEnv().DATABASE_PATH)), 'h5p');
}

export function h5pLimits(): PackageLimits {
  return { ...DEFAULT_LIMITS, maxUploadBytes: getEnv().TONGHU_H5P_MAX_MB * 1024 * 1024 };
}

/** Where the player finds an activity's files (all below /h5p/files/, served by src/pages/h5p/files). */
export interface FrameActivity {
  slug: string;
  title: string;
  kind: 'builtin' | 'upload';
  h5pJsonPath: string;
  librariesPath: string;
}

/**
 * The activity a frame may play for this person: any built-in one (lessons are open to every signed-in
 * role), or an uploaded package when the person's active role is a trainer or official whose jurisdiction
 * contains the uploader's region. Otherwise null (404).
 */
export function getFrameActivity(db: Db, slug: string, session: ValidSession): FrameActivity | null {
  if (isActivitySlug(slug)) {
    const a = getBuiltinActivity(h5pContentRoot(), slug);
    if (!a) return null;
    return { slug, title: a.title, kind: 'builtin', h5pJsonPath: `/h5p/files/builtin/${slug}`, librariesPath: '/h5p/files/libraries' };
  }
  if (isUploadedSlug(slug)) {
    const role = session.active?.role;
    if (role !== 'trainer' && role !== 'official') return null;
    const p = getPackageBySlug(db, slug);
    if (!p || !isWithin(session.active!.regionPath, p.regionPath)) return null;
    return { slug, title: p.title, kind: 'upload', h5pJsonPath: `/h5p/files/packages/${slug}`, librariesPath: `/h5p/files/packages/${slug}` };
  }
  return null;
}
