import type { MandatoryReportRules } from './rules';

/** The situations whose keywords appear in a visit's findings, with the words that matched. */
export function suggestSituations(findings: string, rules: MandatoryReportRules): { code: string; words: string[] }[] {
  const out: { code: string; words: string[] }[] = [];
  for (const s of rules.situations) {
    const words = s.keywords.filter((k) => findings.includes(k));
    if (words.length > 0) out.push({ code: s.code, words });
  }
  return out;
}

const CST_OFFSET_MS = 8 * 3600_000;

/** When a report of a situation found on `visitDay` is due: the end of that day (China time) plus the limit. */
export function reportDueAt(visitDay: string, deadlineHours: number): number {
  const endOfDay = Date.parse(`${visitDay}T00:00:00Z`) - CST_OFFSET_MS + 86_400_000;
  return endOfDay + deadlineHours * 3600_000;
}
