import { z } from 'zod';
import { formNumber, msg } from '../validation/form';
import { freeText } from '../fieldwork/schemas';
import type { CriterionKey } from './rules';
import type { CriterionResult, LineDraft } from './compute';

/**
 * What a village director sees of their own subsidy: the month's status in one line, and for each unmet
 * criterion where to act. Pure functions over a LineDraft (runs.ts liveStatus computes it).
 */

/** Where a director acts on an unmet criterion (null: nothing to do in the app, e.g. days in post). */
export const ACTION_HREF: Record<CriterionKey, string | null> = {
  inPost: null,
  visits: '/work',
  infoUpdates: '/work/log/info_update',
  training: '/learn',
  reports: '/work/log/report',
};

const SHORT: Record<CriterionKey, string> = {
  inPost: '在岗天数',
  visits: '走访核实率',
  infoUpdates: '信息更新率',
  training: '必修培训逾期',
  reports: '强制报告逾期',
};

/** A criterion in a few words, with its percentage when the text has one: 走访核实率 83%. */
export function criterionShort(c: Pick<CriterionResult, 'key' | 'text'>): string {
  const p = /（(\d+%)/.exec(c.text);
  return p ? `${SHORT[c.key]} ${p[1]}` : SHORT[c.key];
}

export interface MonthSummary {
  month: string;
  amountFen: number;
  /** components not on track, each with the unmet criteria in a few words */
  behind: { name: string; reasons: string[] }[];
  onTrack: boolean;
}

export function monthSummary(l: LineDraft): MonthSummary {
  const byKey = new Map(l.criteria.map((c) => [c.key, c]));
  const behind = l.components
    .filter((c) => !c.eligible)
    .map((c) => ({ name: c.name, reasons: c.unmet.map((k) => byKey.get(k)).filter((c): c is CriterionResult => !!c).map(criterionShort) }));
  return { month: l.month, amountFen: l.amountFen, behind, onTrack: behind.length === 0 };
}

/** The one line of /work and the /learn card: 交通补贴未达标（走访核实率 83%）, or 各项均已达标. */
export function summaryReason(s: MonthSummary): string {
  if (s.onTrack) return '各项均已达标';
  return s.behind.map((b) => `${b.name}未达标${b.reasons.length ? `（${b.reasons.join('、')}）` : ''}`).join('；');
}

/** The appeal form of a director's own approved line. */
export const appealFormSchema = z.object({
  lineId: formNumber(msg('v.invalid'), z.coerce.number({ invalid_type_error: msg('v.invalid') }).int(msg('v.invalid')).positive(msg('v.invalid')).max(Number.MAX_SAFE_INTEGER, msg('v.invalid'))),
  appealReason: freeText(200, true).pipe(z.string().min(4, msg('v.reason'))),
});
