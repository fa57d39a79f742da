import { describe, it, expect } from 'vitest';
import { addDays, dayNumber, dayFromNumber } from '../../../src/lib/time';

/** The reference: the Date object's own calendar arithmetic. */
function viaDate(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

describe('calendar days without Date objects', () => {
  it('agrees with Date arithmetic every day from 1999 to 2101, across leap years and century rules', () => {
    let day = '1999-01-01';
    for (let i = 0; i < 37_000; i++) {
      expect(dayNumber(day)).toBe(Date.parse(`${day}T00:00:00Z`) / 86_400_000);
      expect(dayFromNumber(dayNumber(day))).toBe(day);
      for (const n of [1, -1, 7, 30, 90, -400]) {
        if (i % 97 === 0) expect(addDays(day, n)).toBe(viaDate(day, n));
      }
      day = viaDate(day, 1);
    }
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01');
    expect(addDays('2000-02-28', 1)).toBe('2000-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
