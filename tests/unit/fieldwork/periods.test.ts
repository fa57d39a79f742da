import { describe, it, expect } from 'vitest';
import { parsePeriod, periodOf, previousPeriod, nextPeriod, asOfDay, hasStarted, hasEnded, recentPeriods, periodLabelParams, isPeriodKey } from '../../../src/lib/fieldwork/periods';

describe('periods', () => {
  it('parses months, quarters and years with their first and last days', () => {
    expect(parsePeriod('2026-03')).toEqual({ kind: 'month', key: '2026-03', year: 2026, start: '2026-03-01', end: '2026-03-31', months: 1 });
    expect(parsePeriod('2024-02')!.end).toBe('2024-02-29');
    expect(parsePeriod('2026-02')!.end).toBe('2026-02-28');
    expect(parsePeriod('2026-12')!.end).toBe('2026-12-31');
    expect(parsePeriod('2026-Q1')).toEqual({ kind: 'quarter', key: '2026-Q1', year: 2026, start: '2026-01-01', end: '2026-03-31', months: 3 });
    expect(parsePeriod('2026-Q4')!.start).toBe('2026-10-01');
    expect(parsePeriod('2026-Q4')!.end).toBe('2026-12-31');
    expect(parsePeriod('2026')).toEqual({ kind: 'year', key: '2026', year: 2026, start: '2026-01-01', end: '2026-12-31', months: 12 });
  });

  it('rejects anything else', () => {
    for (const s of ['', '2026-13', '2026-00', '2026-3', '2026-Q5', '2026-Q0', '26', '1999', '2026-03-01', ' 2026', '2026-q1', null, undefined]) expect(parsePeriod(s as string)).toBeNull();
    expect(isPeriodKey('2026-Q2')).toBe(true);
    expect(isPeriodKey('abc')).toBe(false);
  });

  it('finds the current period of each kind for a day', () => {
    expect(periodOf('month', '2026-05-31').key).toBe('2026-05');
    expect(periodOf('quarter', '2026-05-31').key).toBe('2026-Q2');
    expect(periodOf('quarter', '2026-07-01').key).toBe('2026-Q3');
    expect(periodOf('year', '2026-05-31').key).toBe('2026');
  });

  it('steps to the previous and next period across year ends', () => {
    expect(previousPeriod(parsePeriod('2026-01')!).key).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026-Q1')!).key).toBe('2025-Q4');
    expect(previousPeriod(parsePeriod('2026')!).key).toBe('2025');
    expect(nextPeriod(parsePeriod('2025-12')!).key).toBe('2026-01');
    expect(nextPeriod(parsePeriod('2025-Q4')!).key).toBe('2026-Q1');
  });

  it('stops counting at the earlier of the last day and today', () => {
    const q = parsePeriod('2026-Q2')!;
    expect(asOfDay(q, '2026-05-10')).toBe('2026-05-10');
    expect(asOfDay(q, '2026-08-01')).toBe('2026-06-30');
    expect(hasStarted(q, '2026-03-31')).toBe(false);
    expect(hasStarted(q, '2026-04-01')).toBe(true);
    expect(hasEnded(q, '2026-06-30')).toBe(false);
    expect(hasEnded(q, '2026-07-01')).toBe(true);
  });

  it('lists recent periods newest first and gives label parts', () => {
    expect(recentPeriods('quarter', '2026-02-10', 3).map((p) => p.key)).toEqual(['2026-Q1', '2025-Q4', '2025-Q3']);
    expect(recentPeriods('month', '2026-02-10', 3).map((p) => p.key)).toEqual(['2026-02', '2026-01', '2025-12']);
    expect(periodLabelParams(parsePeriod('2026-03')!)).toEqual({ year: 2026, n: 3 });
    expect(periodLabelParams(parsePeriod('2026-Q2')!)).toEqual({ year: 2026, n: 2 });
  });
});
