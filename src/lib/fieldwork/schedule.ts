import { addDays } from '../time';

/**
 * Visit schedules (rolling). A case's first visit falls due one interval after it was opened; every visit
 * moves the next due day to the visit's day plus the interval. A due day passing with no visit since the
 * last one is a missed obligation; further ones fall due every interval until a visit is made. A late
 * visit restarts the clock but does not make the missed obligation good (走访不及时 is what the plan
 * names as a weakness). When a case's interval changes (its risk level or category changed), the new
 * interval applies from the day of the change: the next visit is due by the earlier of the old due day
 * and the change day plus the new interval.
 *
 * Everything here is pure: days are 'YYYY-MM-DD' strings (China time) and compare as strings.
 */
export interface IntervalSegment {
  from: string;
  days: number;
}

export interface ScheduleCase {
  openedOn: string;
  closedOn: string | null;
  intervalHistory: IntervalSegment[];
}

export interface Obligation {
  due: string;
  /** the first visit in the window that met it, or null when missed */
  metOn: string | null;
}

function intervalAt(history: IntervalSegment[], day: string): number {
  let days = history[0]?.days ?? 30;
  for (const s of history) if (s.from <= day) days = s.days;
  return days;
}

/** The day the next visit is due after a visit (or the opening) on `anchor`. */
export function nextDueAfter(history: IntervalSegment[], anchor: string): string {
  let due = addDays(anchor, intervalAt(history, anchor));
  for (const s of history) {
    if (s.from > anchor && s.from < due) {
      const candidate = addDays(s.from, s.days);
      if (candidate < due) due = candidate;
    }
  }
  return due;
}

/**
 * Every obligation of a case that falls due on or before `until` (and not after the case closed), with
 * the visit that met it. `visitDays` are the days of the visits that count (e.g. only verified ones),
 * in any order, duplicates allowed.
 */
export function obligations(c: ScheduleCase, visitDays: readonly string[], until: string): Obligation[] {
  const visits = [...new Set(visitDays)].sort();
  const end = c.closedOn && c.closedOn < until ? c.closedOn : until;
  const out: Obligation[] = [];
  let from = c.openedOn; // window start, exclusive
  let due = nextDueAfter(c.intervalHistory, from);
  let i = 0;
  // skip visits on or before the opening day
  while (i < visits.length && visits[i]! <= from) i++;
  // a guard against runaway loops on absurd input (e.g. an interval of 1 day over decades)
  for (let guard = 0; due <= end && guard < 100_000; guard++) {
    if (i < visits.length && visits[i]! <= due) {
      const metOn = visits[i]!;
      while (i + 1 < visits.length && visits[i + 1]! <= due) i++;
      out.push({ due, metOn });
      from = visits[i]!;
      i++;
      due = nextDueAfter(c.intervalHistory, from);
      continue;
    }
    out.push({ due, metOn: null });
    const next = nextDueAfter(c.intervalHistory, due);
    if (i < visits.length && visits[i]! <= next) {
      // a late visit: restarts the clock from the last visit in this window
      while (i + 1 < visits.length && visits[i + 1]! <= next) i++;
      from = visits[i]!;
      i++;
      due = nextDueAfter(c.intervalHistory, from);
    } else {
      from = due;
      due = next;
    }
  }
  return out;
}

export interface PeriodVisits {
  /** obligations falling due in the period, up to the count date */
  due: number;
  /** of those, met on time */
  met: number;
}

/** Obligations due within [start, end], counted only up to `asOf` (obligations not yet due are left out). */
export function countInPeriod(c: ScheduleCase, visitDays: readonly string[], start: string, end: string, asOf: string): PeriodVisits {
  const until = end < asOf ? end : asOf;
  if (until < start) return { due: 0, met: 0 };
  let due = 0;
  let met = 0;
  for (const o of obligations(c, visitDays, until)) {
    if (o.due < start) continue;
    due++;
    if (o.metOn) met++;
  }
  return { due, met };
}

/** Days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
