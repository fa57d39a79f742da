import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { createCheckedJob, getJobForActor, claimJob, discardJob, markJobDone, CHECKED_TTL_MS } from '../../../src/lib/exchange/jobs';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

const NOW = Date.UTC(2026, 5, 1);
const input = (problems = 0) => ({
  kind: 'roster' as const,
  fileName: '名单.csv',
  fileSha256: 'x',
  rows: [{ line: 2, phone: '13800000000' }],
  problems: Array.from({ length: problems }, (_, i) => ({ line: i + 2, column: 'phone', key: 'v.import.phone', params: {} })),
  summary: { rows: 1 },
});

describe('import jobs', () => {
  it('only the uploader sees a job; it starts once; rows are dropped when done', () => {
    const a = { userId: w.person('admin', w.province), scopePath: w.province.path };
    const b = { userId: w.person('admin', w.province), scopePath: w.province.path };
    const id = createCheckedJob(db, a, input(), NOW);
    expect(getJobForActor(db, b, id)).toBeNull();
    expect(getJobForActor(db, { ...a, scopePath: w.zhushan.path }, id)).toBeNull();
    expect(claimJob(db, b, id, NOW)).toBeNull();
    expect(claimJob(db, a, id, NOW)).toHaveLength(1);
    expect(claimJob(db, a, id, NOW)).toBeNull();
    markJobDone(db, id, { created: 1 }, NOW);
    expect(getJobForActor(db, a, id)).toMatchObject({ status: 'done', payload: null, summary: { created: 1 } });
  });

  it('a file with problems keeps no rows and cannot start; a newer dry run or a day drops older rows', () => {
    const a = { userId: w.person('admin', w.province), scopePath: w.province.path };
    const bad = createCheckedJob(db, a, input(2), NOW);
    expect(getJobForActor(db, a, bad)).toMatchObject({ payload: null, problemCount: 2 });
    expect(claimJob(db, a, bad, NOW)).toBeNull();
    const first = createCheckedJob(db, a, input(), NOW);
    const second = createCheckedJob(db, a, input(), NOW + 1000);
    expect(getJobForActor(db, a, first)).toMatchObject({ status: 'discarded', payload: null });
    expect(claimJob(db, a, second, NOW + CHECKED_TTL_MS + 2000)).toBeNull();
    expect(discardJob(db, a, second, NOW)).toBe(true);
    expect(getJobForActor(db, a, second)).toMatchObject({ status: 'discarded', payload: null });
  });
});
