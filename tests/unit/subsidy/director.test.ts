import { describe, it, expect } from 'vitest';
import { appealFormSchema, criterionShort, monthSummary, summaryReason } from '../../../src/lib/subsidy/director';
import { parseWith } from '../../../src/lib/validation/form';
import type { LineDraft } from '../../../src/lib/subsidy/compute';

const line = (over: Partial<LineDraft> = {}): LineDraft => ({
  userId: 1,
  name: '李春燕',
  role: 'director',
  roleAssignmentId: 1,
  regionId: 9,
  regionPath: '/1/2/3/4/9/',
  townshipId: 4,
  month: '2026-11',
  daysInPost: 30,
  daysInMonth: 30,
  criteria: [
    { key: 'inPost', met: true, text: '本月在岗 30 天（全月）' },
    { key: 'visits', met: false, text: '本月应走访 12 户次，已核实按时走访 10 户次（83%，低于 90%）' },
    { key: 'infoUpdates', met: true, text: '没有跟进中的个案' },
    { key: 'training', met: false, text: '有 1 项必修培训逾期未完成（最早截止 2026-11-01）' },
    { key: 'reports', met: true, text: '没有逾期未报告的强制报告情形' },
  ],
  components: [
    { key: 'communication', name: '通讯补贴', baseFen: 5000, proratedFen: 5000, eligible: true, unmet: [] },
    { key: 'transport', name: '交通补贴', baseFen: 10000, proratedFen: 10000, eligible: false, unmet: ['visits', 'training'] },
  ],
  rating: null,
  ratingYear: null,
  multiplier: 1,
  eligible: false,
  amountFen: 5000,
  ...over,
});

describe('director subsidy summary', () => {
  it('names the components behind and why, in a few words', () => {
    const s = monthSummary(line());
    expect(s.onTrack).toBe(false);
    expect(s.amountFen).toBe(5000);
    expect(summaryReason(s)).toBe('交通补贴未达标（走访核实率 83%、必修培训逾期）');
  });
  it('says everything is on track when every component is eligible', () => {
    const l = line();
    const s = monthSummary({ ...l, components: l.components.map((c) => ({ ...c, eligible: true, unmet: [] })) });
    expect(s.onTrack).toBe(true);
    expect(summaryReason(s)).toBe('各项均已达标');
  });
  it('keeps the percentage of a criterion text', () => {
    expect(criterionShort({ key: 'infoUpdates', text: '跟进中的 5 个个案中，4 个在 90 天内更新过信息系统（80%，低于 90%）' })).toBe('信息更新率 80%');
    expect(criterionShort({ key: 'reports', text: '有 1 次走访发现强制报告情形，逾期未记录报告' })).toBe('强制报告逾期');
  });
  it('validates the appeal form', () => {
    expect(parseWith(appealFormSchema, { lineId: '12', appealReason: '  走访已核实，请复核  ' })).toEqual({ ok: true, data: { lineId: 12, appealReason: '走访已核实，请复核' } });
    const short = parseWith(appealFormSchema, { lineId: '12', appealReason: '不对' });
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.errors.appealReason?.key).toBe('v.reason');
    const empty = parseWith(appealFormSchema, { lineId: 'x' });
    expect(empty.ok).toBe(false);
    if (!empty.ok) {
      expect(empty.errors.lineId?.key).toBe('v.invalid');
      expect(empty.errors.appealReason?.key).toBe('v.required');
    }
    const long = parseWith(appealFormSchema, { lineId: '1', appealReason: '长'.repeat(201) });
    expect(long.ok).toBe(false);
  });
});
