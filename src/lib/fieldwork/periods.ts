import type { PeriodKind } from '../../../db/schema/fieldwork';
import { addDays } from '../time';

/**
 * Assessment periods, written as stored: '2026-03' (a month), '2026-Q1' (a quarter), '2026' (a year).
 * Days are 'YYYY-MM-DD' in China time and compare as strings. A period's counts stop at its "as of" day:
 * the earlier of its last day and today, so a running period is judged on what has fallen due so far.
 */
export interface Period {
  kind: PeriodKind;
  key: string;
  year: number;
  /** first and last day, inclusive */
  start: string;
  end: string;
  /** its length in months (1, 3 or 12): yearly targets are scaled by months / 12 */
  months: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

function lastDayOfMonth(year: number, month: number): string {
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${pad(month + 1)}-01`;
  return addDays(next, -1);
}

function make(kind: PeriodKind, year: number, n: number): Period {
  if (kind === 'month') return { kind, key: `${year}-${pad(n)}`, year, start: `${year}-${pad(n)}-01`, end: lastDayOfMonth(year, n), months: 1 };
  if (kind === 'quarter') {
    const m = (n - 1) * 3 + 1;
    return { kind, key: `${year}-Q${n}`, year, start: `${year}-${pad(m)}-01`, end: lastDayOfMonth(year, m + 2), months: 3 };
  }
  return { kind, key: String(year), year, start: `${year}-01-01`, end: `${year}-12-31`, months: 12 };
}

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

/** '2026-03' | '2026-Q1' | '2026' → the period, or null for anything else. */
export function parsePeriod(s: string | null | undefined): Period | null {
  if (!s) return null;
  let m = /^(\d{4})$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    return y >= MIN_YEAR && y <= MAX_YEAR ? make('year', y, 1) : null;
  }
  m = /^(\d{4})-Q([1-4])$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    return y >= MIN_YEAR && y <= MAX_YEAR ? make('quarter', y, Number(m[2])) : null;
  }
  m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    return y >= MIN_YEAR && y <= MAX_YEAR ? make('month', y, Number(m[2])) : null;
  }
  return null;
}

export function isPeriodKey(s: string): boolean {
  return parsePeriod(s) !== null;
}

/** The period of a kind that contains a day. */
export function periodOf(kind: PeriodKind, day: string): Period {
  const y = Number(day.slice(0, 4));
  const mo = Number(day.slice(5, 7));
  if (kind === 'month') return make('month', y, mo);
  if (kind === 'quarter') return make('quarter', y, Math.floor((mo - 1) / 3) + 1);
  return make('year', y, 1);
}

/** The period just before, of the same kind. */
export function previousPeriod(p: Period): Period {
  return periodOf(p.kind, addDays(p.start, -1));
}

export function nextPeriod(p: Period): Period {
  return periodOf(p.kind, addDays(p.end, 1));
}

/** The day counting stops: the period's last day, or today while the period is running. */
export function asOfDay(p: Period, today: string): string {
  return p.end < today ? p.end : today;
}

/** True once the period's first day has come. */
export function hasStarted(p: Period, today: string): boolean {
  return p.start <= today;
}

/** True once the period's last day has passed. */
export function hasEnded(p: Period, today: string): boolean {
  return p.end < today;
}

/** The latest `count` periods of a kind up to the one containing `today`, newest first (for pickers). */
export function recentPeriods(kind: PeriodKind, today: string, count: number): Period[] {
  const out: Period[] = [periodOf(kind, today)];
  while (out.length < count) out.push(previousPeriod(out[out.length - 1]!));
  return out;
}

/** A period's parts for a label: the catalog key `perf.periodLabel.<kind>` takes {year} and {n}. */
export function periodLabelParams(p: Period): { year: number; n: number } {
  if (p.kind === 'month') return { year: p.year, n: Number(p.key.slice(5, 7)) };
  if (p.kind === 'quarter') return { year: p.year, n: Number(p.key.slice(6)) };
  return { year: p.year, n: 1 };
}
