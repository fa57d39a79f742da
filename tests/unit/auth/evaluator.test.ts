import { describe, it, expect } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canOpen, isPublicPath, ROLE_HOME } from '../../../src/lib/auth/access';
import { ROLE_LEVELS, createPerson, addAssignment } from '../../../src/lib/people/people';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';

/** Every route of src/pages as a concrete path ([id] → 1, [...path] → a), e.g. /review/subsidy/1.xlsx. */
function routes(dir = 'src/pages', base = ''): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const full = join(dir, f);
    if (statSync(full).isDirectory()) out.push(...routes(full, `${base}/${fill(f)}`));
    else if (/\.(astro|ts)$/.test(f)) {
      const name = fill(f.replace(/\.(astro|ts)$/, ''));
      out.push(name === 'index' ? base || '/' : `${base}/${name}`);
    }
  }
  return out;
}
const fill = (seg: string) => seg.replace(/\[\.\.\.[^\]]+\]/g, 'a').replace(/\[[^\]]+\]/g, '1');

describe('the third-party evaluator (第三方评估)', () => {
  it('lands on plan monitoring and is assigned at a province, city or county only', () => {
    expect(ROLE_HOME.evaluator).toBe('/review/plan');
    expect(canOpen('/review/plan', 'evaluator')).toBe(true);
    expect(canOpen('/review/plan', 'official')).toBe(true);
    expect(canOpen('/review/plan', 'director')).toBe(false);
    expect(ROLE_LEVELS.evaluator).toEqual([1, 2, 3]);
  });

  it('is refused every route that returns personal data: people, cases, entries, ratings, exports, certificates', () => {
    for (const p of [
      '/people',
      '/people/1',
      '/work/cases/1',
      '/work/entries/1',
      '/supervise/entries/1',
      '/supervise/visits',
      '/review',
      '/review/fieldwork',
      '/review/performance',
      '/review/performance/1',
      '/review/commendations',
      '/review/certificates',
      '/review/certificates/1',
      '/review/skills',
      '/review/subsidy/1',
      '/review/subsidy/1.xlsx',
      '/review/subsidy/summary',
      '/train/assignments/1/certificates.zip',
      '/train/certificates',
      '/train/analysis',
      '/admin/users/1',
      '/admin/audit',
      '/learn/skills',
    ]) {
      expect(canOpen(p, 'evaluator'), p).toBe(false);
    }
  });

  it('reaches, besides public pages, only plan monitoring and the pages about the signed-in person themself', () => {
    const open = routes()
      .filter((p) => !isPublicPath(p) && canOpen(p, 'evaluator'))
      .sort();
    // each of these serves the caller's own records only (own learning, own attempts and certificates,
    // own password, own roles), or is plan monitoring; a new route reachable by the evaluator fails here
    expect(open).toEqual(
      [
        '/',
        // own devices and sign-in history, own inbox and its settings, own offline outbox
        '/account',
        '/api/sync',
        '/inbox',
        '/inbox/settings',
        '/outbox',
        '/api/attempts/1/answer',
        '/api/xapi',
        '/h5p/frame/1',
        '/learn',
        '/learn/attempts/1',
        '/learn/attempts/1/result',
        '/learn/certificates',
        '/learn/certificates/1',
        '/learn/courses',
        '/learn/courses/1',
        '/learn/courses/1/1',
        '/learn/courses/1/quiz',
        '/learn/exams/1',
        '/logout',
        '/password',
        '/review/plan',
        '/switch-role',
      ].sort(),
    );
  });

  it('leaves the public results page open without sign-in', () => {
    expect(isPublicPath('/results')).toBe(true);
    expect(canOpen('/results', null)).toBe(true);
  });
});

describe('assigning the evaluator role', () => {
  it('is done by an administrator at a province, city or county; a township is refused with the field named', async () => {
    const t = createTestDb();
    try {
      const w = await buildWorld(t.db);
      const admin = w.person('admin', w.shiyan);
      const actor = { userId: admin, scopePath: w.shiyan.path, ip: null };
      const { id } = await createPerson(t.db, actor, { phone: '13712340001', name: '评估员', idNumber: null, assignment: { role: 'evaluator', regionId: w.shiyan.id } });
      expect(addAssignment(t.db, actor, id, { role: 'evaluator', regionId: w.zhushan.id })).toBeGreaterThan(0);
      expect(() => addAssignment(t.db, actor, id, { role: 'evaluator', regionId: w.chengguan.id })).toThrow(/v\.roleLevel\.evaluator/);
      // not inside the administrator's own jurisdiction
      expect(() => addAssignment(t.db, actor, id, { role: 'evaluator', regionId: w.jiangling.id })).toThrow(/v\.regionOutOfScope/);
    } finally {
      t.cleanup();
    }
  });
});
