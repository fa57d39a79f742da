/** Dates in Tonghu are calendar days in China Standard Time (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3600_000;

/** 'YYYY-MM-DD' of the instant in China time. */
export function dayOf(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function yearOf(ms: number): number {
  return Number(dayOf(ms).slice(0, 4));
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' day (proleptic Gregorian; integer arithmetic, no Date). */
export function dayNumber(day: string): number {
  let y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The 'YYYY-MM-DD' day of a day number (inverse of dayNumber). */
export function dayFromNumber(z: number): string {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${p2(m)}-${p2(d)}`;
}

/** The day `n` days after (or before, when negative) a 'YYYY-MM-DD' day. Hot in schedule replays. */
export function addDays(day: string, n: number): string {
  return dayFromNumber(dayNumber(day) + n);
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
  // Date.UTC reads years 0–99 as 1900–1999: set the year separately
  const d = new Date(Date.UTC(2000, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!));
  d.setUTCFullYear(+m[1]!);
  const ms = d.getTime() - CST_OFFSET_MS;
  return dayOf(ms) === `${m[1]}-${m[2]}-${m[3]}` ? ms : NaN;
}

/** epoch ms → '2026-12-01T09:30' in China time (for datetime-local fields). */
export function toLocalDateTime(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 16);
}
