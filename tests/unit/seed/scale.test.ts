import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDb } from '../../factories/db';
import type { Db } from '../../../db/client';
import { seedScale, type ScaleCounts } from '../../../db/seed/scale';
import { nextDueAfter, type IntervalSegment } from '../../../src/lib/fieldwork/schedule';
import { dayOf } from '../../../src/lib/time';
import { syncPolicyDefaults, loadPolicyDefaults } from '../../../src/lib/policy/defaults';
import { visitNormsFor } from '../../../src/lib/fieldwork/rules';

const NOW = Date.parse('2026-11-29T04:00:00Z');

describe('scale seed (tiny)', () => {
  let db: Db;
  let cleanup: () => void;
  let counts: ScaleCounts;
  const all = <T>(sql: string, ...params: unknown[]) => db.$client.prepare(sql).all(...params) as T[];
  const one = <T>(sql: string, ...params: unknown[]) => db.$client.prepare(sql).get(...params) as T;

  beforeAll(async () => {
    ({ db, cleanup } = createTestDb());
    counts = await seedScale(db, { scale: 'tiny', now: NOW, seed: 7 });
    syncPolicyDefaults(db, loadPolicyDefaults('content'));
  });
  afterAll(() => cleanup());

  it('writes a small tree of 2 counties with people, cases and entries', () => {
    expect(one<{ n: number }>('select count(*) n from regions where level = 3').n).toBe(2);
    expect(counts.cases).toBeGreaterThan(20);
    expect(counts.workEntries).toBeGreaterThan(100);
    expect(one<{ n: number }>('select count(*) n from work_entries').n).toBe(counts.workEntries);
    expect(one<{ n: number }>('select count(*) n from regions where is_demo_name = 0 or code is not null').n).toBe(0);
    // the policies attach to the synthetic province
    const province = one<{ path: string }>('select path from regions where level = 1');
    expect(visitNormsFor(db, province.path, dayOf(NOW)).rules.intervals.left_behind).toBe(90);
  });

  it('refuses a database that already has regions', async () => {
    await expect(seedScale(db, { scale: 'tiny', now: NOW })).rejects.toThrow(/already has regions/);
  });

  it('keeps region paths consistent with parents', () => {
    const rows = all<{ id: number; level: number; path: string; parent_path: string | null; parent_level: number | null; full_name: string; name: string; parent_full: string | null }>(
      `select r.id, r.level, r.path, r.name, r.full_name, p.path parent_path, p.level parent_level, p.full_name parent_full
         from regions r left join regions p on p.id = r.parent_id`,
    );
    for (const r of rows) {
      if (r.level === 1) {
        expect(r.parent_path).toBeNull();
        expect(r.path).toBe(`/${r.id}/`);
      } else {
        expect(r.parent_level).toBe(r.level - 1);
        expect(r.path).toBe(`${r.parent_path}${r.id}/`);
        expect(r.full_name).toBe(`${r.parent_full}${r.name}`);
      }
    }
  });

  it('gives every village at most one active director and every township a supervisor', () => {
    const multi = all(`select region_id from role_assignments where role = 'director' and active = 1 group by region_id having count(*) > 1`);
    expect(multi).toEqual([]);
    const wrongLevel = all(`select ra.id from role_assignments ra join regions r on r.id = ra.region_id
      where (ra.role = 'director' and r.level <> 5) or (ra.role = 'supervisor' and r.level <> 4) or ra.region_path <> r.path`);
    expect(wrongLevel).toEqual([]);
    const unsupervised = all(`select r.id from regions r where r.level = 4 and not exists
      (select 1 from role_assignments ra join users u on u.id = ra.user_id where ra.region_id = r.id and ra.role = 'supervisor' and ra.active = 1)`);
    expect(unsupervised).toEqual([]);
    // the decider of every decided entry is a supervisor of the entry's township
    const foreign = all(`select e.id from work_entries e where e.decided_by is not null and not exists
      (select 1 from role_assignments ra where ra.user_id = e.decided_by and ra.role = 'supervisor' and e.region_path like ra.region_path || '%')`);
    expect(foreign).toEqual([]);
    const phones = all<{ phone: string }>('select phone from users');
    for (const p of phones) expect(p.phone).toMatch(/^1[6-9]\d{9}$/);
  });

  it("keeps each case's schedule columns as the product computes them", () => {
    const cs = all<{ id: number; opened_on: string; interval_history: string; next_due_day: string; last_visit_day: string | null; last_verified_visit_day: string | null }>(
      'select * from cases',
    );
    const lastOf = db.$client.prepare(`select max(day) d from work_entries where case_id = ? and type = 'visit' and status <> 'returned'`);
    const verifiedOf = db.$client.prepare(`select max(day) d from work_entries where case_id = ? and type = 'visit' and status = 'verified'`);
    for (const c of cs) {
      const last = (lastOf.get(c.id) as { d: string | null }).d;
      expect(c.last_visit_day).toBe(last);
      expect(c.last_verified_visit_day).toBe((verifiedOf.get(c.id) as { d: string | null }).d);
      const history = JSON.parse(c.interval_history) as IntervalSegment[];
      expect(history[0]!.from).toBe(c.opened_on);
      const anchor = last && last > c.opened_on ? last : c.opened_on;
      expect(c.next_due_day).toBe(nextDueAfter(history, anchor));
    }
  });

  it('makes client ids unique per user, no future days, and an intact database', () => {
    expect(all(`select user_id, client_id from work_entries group by user_id, client_id having count(*) > 1`)).toEqual([]);
    expect(one<{ d: string }>('select max(day) d from work_entries').d <= dayOf(NOW)).toBe(true);
    expect(one<{ n: number }>('select count(*) n from work_entries where submitted_at > ? or decided_at > ?', NOW, NOW).n).toBe(0);
    const shares = one<{ verified: number; total: number }>(`select sum(status = 'verified') verified, count(*) total from work_entries`);
    expect(shares.verified / shares.total).toBeGreaterThan(0.9);
    expect(db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.$client.pragma('foreign_key_check')).toEqual([]);
    expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
  });
});
