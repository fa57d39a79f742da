import { describe, it, expect } from 'vitest';
import { obligations, countInPeriod, nextDueAfter, daysBetween } from '../../../src/lib/fieldwork/schedule';
import { intervalFor, visitNormsSchema } from '../../../src/lib/fieldwork/rules';

const monthly = (openedOn = '2026-01-01', closedOn: string | null = null) => ({ openedOn, closedOn, intervalHistory: [{ from: openedOn, days: 30 }] });

describe('visit schedule', () => {
  it('counts a missed obligation every interval while no visit is made', () => {
    expect(obligations(monthly(), [], '2026-03-31')).toEqual([
      { due: '2026-01-31', metOn: null },
      { due: '2026-03-02', metOn: null },
    ]);
  });

  it('moves the next due day to the visit plus the interval', () => {
    expect(obligations(monthly(), ['2026-02-15', '2026-01-20'], '2026-03-31')).toEqual([
      { due: '2026-01-31', metOn: '2026-01-20' },
      { due: '2026-02-19', metOn: '2026-02-15' },
      { due: '2026-03-17', metOn: null },
    ]);
  });

  it('a second visit in the same window restarts the clock from the later one', () => {
    const o = obligations(monthly(), ['2026-01-05', '2026-01-25'], '2026-02-28');
    expect(o).toEqual([
      { due: '2026-01-31', metOn: '2026-01-05' },
      { due: '2026-02-24', metOn: null },
    ]);
  });

  it('a late visit does not make the missed obligation good, but restarts the clock', () => {
    expect(obligations(monthly(), ['2026-02-05'], '2026-03-31')).toEqual([
      { due: '2026-01-31', metOn: null },
      { due: '2026-03-07', metOn: null },
    ]);
  });

  it('a visit on the opening day does not count towards the first obligation', () => {
    expect(obligations(monthly(), ['2026-01-01'], '2026-02-05')).toEqual([{ due: '2026-01-31', metOn: null }]);
  });

  it('stops at the day the case closed', () => {
    expect(obligations(monthly('2026-01-01', '2026-02-10'), [], '2026-12-31')).toEqual([{ due: '2026-01-31', metOn: null }]);
  });

  it('a shorter interval applies from the day of the change', () => {
    const c = { openedOn: '2026-01-01', closedOn: null, intervalHistory: [{ from: '2026-01-01', days: 90 }, { from: '2026-02-01', days: 7 }] };
    expect(nextDueAfter(c.intervalHistory, '2026-01-01')).toBe('2026-02-08');
    expect(nextDueAfter(c.intervalHistory, '2026-02-10')).toBe('2026-02-17');
    expect(obligations(c, ['2026-02-05'], '2026-02-20')).toEqual([
      { due: '2026-02-08', metOn: '2026-02-05' },
      { due: '2026-02-12', metOn: null },
      { due: '2026-02-19', metOn: null },
    ]);
  });

  it('counts a period only up to the as-of day', () => {
    const c = monthly();
    const visits = ['2026-01-20', '2026-02-15'];
    expect(countInPeriod(c, visits, '2026-02-01', '2026-02-28', '2026-12-31')).toEqual({ due: 1, met: 1 });
    expect(countInPeriod(c, visits, '2026-03-01', '2026-03-31', '2026-12-31')).toEqual({ due: 1, met: 0 });
    // on 10 March the 17 March obligation is not yet due
    expect(countInPeriod(c, visits, '2026-03-01', '2026-03-31', '2026-03-10')).toEqual({ due: 0, met: 0 });
    expect(countInPeriod(c, visits, '2026-01-01', '2026-12-31', '2026-03-31')).toEqual({ due: 3, met: 2 });
  });

  it('takes the interval from the category, shortened for high risk', () => {
    const norms = visitNormsSchema.parse({ intervals: { difficult: 30, unsupported: 30, orphan: 30, left_behind: 90, other: 90 }, highRiskDays: 7, verifyWithinDays: 7 });
    expect(intervalFor(norms, 'left_behind', 'low')).toBe(90);
    expect(intervalFor(norms, 'left_behind', 'high')).toBe(7);
    expect(intervalFor(norms, 'orphan', 'medium')).toBe(30);
    expect(daysBetween('2026-01-31', '2026-03-02')).toBe(30);
  });
});
