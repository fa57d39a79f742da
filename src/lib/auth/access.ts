import type { Role } from '../../../db/schema/auth';

/**
 * Which active role may open which part of the site: the single table of page permissions, applied by
 * src/middleware.ts before any page runs. Object-level checks (is this id in the caller's region?) are
 * made by the lib functions the pages call.
 */
// '/h5p/files/': H5P libraries and content, fetched by the sandboxed player frame, whose requests carry no
// session (opaque origin); nothing personal is there, and uploaded packages sit under unguessable slugs.
export const PUBLIC_PREFIXES = ['/results', '/login', '/healthz', '/lang/', '/_astro/', '/favicon', '/robots.txt', '/404', '/403', '/h5p/files/', '/verify/', '/verify-offline/', '/commended'];

export const ROLE_AREAS: { prefix: string; roles: readonly Role[] }[] = [
  // everyone may learn (supervisors, trainers and officials take courses too): /learn is open to all roles,
  // except the 孤残儿童护理员 skill-level path, which is the caregivers' own
  { prefix: '/learn/skills', roles: ['caregiver'] },
  // field work: a director records their village's cases and work (M12)
  { prefix: '/work', roles: ['director'] },
  { prefix: '/supervise', roles: ['supervisor'] },
  // cohort assignments: county trainers, and officials and trainers of cities and the province
  { prefix: '/train/assignments', roles: ['trainer', 'official'] },
  // skill assessments (practical, defence, credited hours) are recorded by assessors, who are trainers
  { prefix: '/train/skills', roles: ['trainer'] },
  { prefix: '/train', roles: ['trainer'] },
  // the registry of certified caregivers
  { prefix: '/review/skills', roles: ['official'] },
  // 规划实施动态监测: officials, and the read-only third-party evaluator (aggregates only, M17)
  { prefix: '/review/plan', roles: ['official', 'evaluator'] },
  { prefix: '/review', roles: ['official'] },
  // XLSX exports of a jurisdiction (M18): administrators, and officials (phones and ID numbers masked)
  { prefix: '/admin/export', roles: ['admin', 'official'] },
  // the audit trail (browsing and export, 等保2.0 安全审计): administrators and officials, each within their jurisdiction
  { prefix: '/admin/audit', roles: ['admin', 'official'] },
  { prefix: '/admin', roles: ['admin'] },
  { prefix: '/people', roles: ['supervisor', 'trainer', 'official', 'admin'] },
  // cohort notices: trainers to their learners, supervisors to their township's directors (the inbox itself is everyone's)
  { prefix: '/inbox/send', roles: ['trainer', 'supervisor'] },
];

export const ROLE_HOME: Record<Role, string> = {
  director: '/learn',
  caregiver: '/learn',
  supervisor: '/supervise',
  trainer: '/train',
  official: '/review',
  admin: '/admin',
  evaluator: '/review/plan',
};

function matches(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(prefix + '/');
}

export function isPublicPath(path: string): boolean {
  return PUBLIC_PREFIXES.some((p) => matches(path, p));
}

/** The roles allowed on a path, or null when any signed-in person may open it. */
export function rolesFor(path: string): readonly Role[] | null {
  return ROLE_AREAS.find((a) => matches(path, a.prefix))?.roles ?? null;
}

export function canOpen(path: string, role: Role | null | undefined): boolean {
  if (isPublicPath(path)) return true;
  const roles = rolesFor(path);
  if (roles === null) return true;
  return !!role && roles.includes(role);
}

/** Only same-site relative paths are followed after sign-in (no open redirects). */
export function safeNext(next: string | null | undefined): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  if (next.startsWith('/login') || next.startsWith('/logout')) return null;
  return next;
}
