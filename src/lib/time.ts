/** Dates in Tonghu are calendar days in China Standard Time (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3600_000;

/** 'YYYY-MM-DD' of the instant in China time. */
export function dayOf(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function yearOf(ms: number): number {
  return Number(dayOf(ms).slice(0, 4));
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function isValidDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** '2026-12-01T09:30' (a datetime-local field, China time) → epoch ms; NaN when malformed. */
export function parseLocalDateTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(s);
  if (!m) return NaN;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!) - CST_OFFSET_MS;
  return dayOf(ms) === `${m[1]}-${m[2]}-${m[3]}` ? ms : NaN;
}

/** epoch ms → '2026-12-01T09:30' in China time (for datetime-local fields). */
export function toLocalDateTime(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 16);
}
