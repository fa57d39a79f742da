import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../../src/lib/policy/defaults';
import { createCase, agreementOnRecord, type FieldActor } from '../../../src/lib/fieldwork/cases';
import { submitEntry, returnEntry, authorEntryCounts, verifyEntries, parseEntryForm, entryFormValues, amendEntry, type EntryInput } from '../../../src/lib/fieldwork/entries';
import { mandatoryRulesFor } from '../../../src/lib/fieldwork/rules';
import type { Db } from '../../../db/client';
import { workEntries as workEntriesTable } from '../../../db/schema/index';

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

describe('parseEntryForm and entryFormValues', () => {
  const codes = () => mandatoryRulesFor(db, director.regionPath, '2026-06-01').rules.situations.map((s) => s.code);

  it('parses each type with its schema, keeping only ticked situations of the policy', () => {
    const c = newCase(director, 'V1-003');
    const visit = parseEntryForm(
      'visit',
      { clientId: 'client-v001', day: '2026-05-30', caseId: String(c.id), mode: 'in_person', findings: '手臂有多处淤青', guardianshipAdequate: 'no', followUp: 'yes', followUpNote: '三天后回访', situation_abuse_injuries: 'on', situation_made_up: 'on' },
      codes(),
    );
    expect(visit).toEqual({
      ok: true,
      data: { type: 'visit', clientId: 'client-v001', day: '2026-05-30', caseId: c.id, mode: 'in_person', findings: '手臂有多处淤青', guardianshipAdequate: false, followUp: true, followUpNote: '三天后回访', confirmNoReport: false, situations: ['abuse_injuries'] },
    });
    const bad = parseEntryForm('outreach', { clientId: 'x', day: '2026-13-01', place: '', topic: '宣讲', attendance: '0' }, codes());
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['attendance', 'clientId', 'day', 'place']);
    const report = parseEntryForm('report', { clientId: 'client-r001', visitId: '', caseId: '', reportedTo: 'police', reportedAt: '2026-06-01T09:30', situation_abandoned_uncared: 'on' }, codes());
    expect(report.ok && report.data).toMatchObject({ type: 'report', visitId: null, caseId: null, situations: ['abandoned_uncared'] });
  });

  it('gives back the values an entry was made from, so an amend with them changes nothing', () => {
    const c = newCase(director, 'V1-004');
    const forms: Record<string, string>[] = [
      { type: 'visit', clientId: 'client-v101', day: '2026-05-30', caseId: String(c.id), mode: 'phone', findings: '孩子独自在家', guardianshipAdequate: 'no', followUp: 'no', followUpNote: '', situation_abandoned_uncared: 'on' },
      { type: 'agreement', clientId: 'client-a101', day: '2026-05-30', caseId: String(c.id), action: 'signed', carer: 'relative', validUntil: '2027-05-30', note: '姑姑照护' },
      { type: 'outreach', clientId: 'client-o101', day: '2026-05-29', place: '村委会', topic: '强制报告', attendance: '35' },
      { type: 'info_update', clientId: 'client-i101', day: '2026-05-28', caseId: '', note: '更新系统信息' },
    ];
    for (const { type, ...form } of forms) {
      const parsed = parseEntryForm(type as EntryInput['type'], form, codes());
      expect(parsed.ok, type).toBe(true);
      if (!parsed.ok) continue;
      const e = submitEntry(db, director, parsed.data, NOW).entry;
      const values = entryFormValues(e);
      for (const [k, v] of Object.entries(form)) expect(values[k] ?? '', `${type}.${k}`).toBe(v);
      const again = parseEntryForm(e.type, values, codes());
      expect(again.ok).toBe(true);
      if (!again.ok) continue;
      const amended = amendEntry(db, director, e.id, again.data, NOW);
      expect(amended.data).toEqual(e.data);
      expect(amended.situations).toEqual(e.situations);
      expect(amended.revision).toBe(2);
    }
    const visit = db.select().from(workEntriesTable).all().find((x) => x.type === 'visit')!;
    const rep = parseEntryForm('report', { clientId: 'client-r101', visitId: String(visit.id), caseId: '', reportedTo: 'hotline_12345', reportedAt: '2026-06-01T09:30', receipt: 'A-1', note: '' }, codes());
    expect(rep.ok).toBe(true);
    if (!rep.ok) return;
    const r = submitEntry(db, director, rep.data, NOW).entry;
    const rv = entryFormValues(r);
    expect(rv).toMatchObject({ visitId: String(visit.id), caseId: String(c.id), reportedTo: 'hotline_12345', reportedAt: '2026-06-01T09:30', receipt: 'A-1', situation_abandoned_uncared: 'on' });
  });
});
