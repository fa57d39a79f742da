import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, agreementOnRecord, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, returnEntry, authorEntryCounts, verifyEntries } from '../../../src/lib/fieldwork/entries';
import type { Db } from '../../../db/client';

const NOW = Date.UTC(2026, 5, 1, 2); // 2026-06-01 10:00 China time

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
let director: FieldActor;
let other: FieldActor;
let supervisor: FieldActor;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
  syncPolicyDefaults(db, loadPolicyDefaults('content'), NOW - 200 * 86_400_000);
  director = { userId: w.person('director', w.cgVillage), role: 'director', regionId: w.cgVillage.id, regionPath: w.cgVillage.path };
  other = { userId: w.person('director', w.cgVillage2), role: 'director', regionId: w.cgVillage2.id, regionPath: w.cgVillage2.path };
  supervisor = { userId: w.person('supervisor', w.chengguan), role: 'supervisor', regionId: w.chengguan.id, regionPath: w.chengguan.path };
});
afterEach(() => t.cleanup());

const newCase = (actor: FieldActor, code: string) =>
  createCase(db, actor, { code, category: 'left_behind', guardianSituation: 'entrusted', risk: 'low', openedOn: '2026-05-01', note: '' }, NOW);

const agreement = (actor: FieldActor, caseId: number, clientId: string, day: string, validUntil: string | null) =>
  submitEntry(db, actor, { type: 'agreement', clientId, day, caseId, action: 'signed', carer: 'grandparent', validUntil, note: '' }, NOW).entry;

describe('authorEntryCounts', () => {
  it('counts only the author’s own entries in the scope, by status', () => {
    const c = newCase(director, 'V1-001');
    const c2 = newCase(other, 'V2-001');
    const a = submitEntry(db, director, { type: 'outreach', clientId: 'client-a1', day: '2026-05-20', place: '村委会', topic: '政策宣讲', attendance: 20 }, NOW).entry;
    const b = submitEntry(db, director, { type: 'info_update', clientId: 'client-b1', day: '2026-05-21', caseId: c.id, note: '更新信息' }, NOW).entry;
    submitEntry(db, director, { type: 'info_update', clientId: 'client-c1', day: '2026-05-22', caseId: c.id, note: '再次更新' }, NOW);
    submitEntry(db, other, { type: 'info_update', clientId: 'client-d1', day: '2026-05-22', caseId: c2.id, note: '别村' }, NOW);
    verifyEntries(db, supervisor, [a.id], NOW);
    returnEntry(db, supervisor, b.id, '请补充内容', NOW);
    expect(authorEntryCounts(db, director.userId, director.regionPath)).toEqual({ submitted: 1, verified: 1, returned: 1 });
    expect(authorEntryCounts(db, other.userId, other.regionPath)).toEqual({ submitted: 1, verified: 0, returned: 0 });
    // the same author, looked at in another village's scope, has nothing there
    expect(authorEntryCounts(db, director.userId, w.cgVillage2.path)).toEqual({ submitted: 0, verified: 0, returned: 0 });
  });
});

describe('agreementOnRecord', () => {
  it('is null without an agreement, and gives the latest one not returned with its validity', () => {
    const c = newCase(director, 'V1-002');
    expect(agreementOnRecord(db, c.id, '2026-06-01')).toBeNull();
    const first = agreement(director, c.id, 'agree-0001', '2026-05-02', '2026-05-30');
    let r = agreementOnRecord(db, c.id, '2026-06-01')!;
    expect(r.entry.id).toBe(first.id);
    expect(r.validUntil).toBe('2026-05-30');
    expect(r.current).toBe(false);
    expect(agreementOnRecord(db, c.id, '2026-05-30')!.current).toBe(true);

    const second = agreement(director, c.id, 'agree-0002', '2026-05-31', null);
    r = agreementOnRecord(db, c.id, '2026-06-01')!;
    expect(r.entry.id).toBe(second.id);
    expect(r.validUntil).toBeNull();
    expect(r.current).toBe(true);

    // a returned agreement is not on record: the earlier one is
    returnEntry(db, supervisor, second.id, '请补充照护人信息', NOW);
    expect(agreementOnRecord(db, c.id, '2026-06-01')!.entry.id).toBe(first.id);
  });
});
