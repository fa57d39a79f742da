import type { QuestionType } from './bank';

/**
 * Reads answers from the quiz form (works without JavaScript):
 * q<ord> = position (single) | positions (multiple, repeated field) | "true"/"false" | text (fill);
 * q<ord>_<i> = rank given to displayed item i (ordering). Unanswered questions are left out.
 */
export function responsesFromForm(entries: Iterable<[string, FormDataEntryValue]>, qs: { ord: number; type: QuestionType; optionCount: number }[]): Record<number, unknown> {
  const values = new Map<string, string[]>();
  for (const [k, v] of entries) if (typeof v === 'string') values.set(k, [...(values.get(k) ?? []), v]);
  const out: Record<number, unknown> = {};
  const int = (s: string | undefined) => (s !== undefined && /^\d{1,3}$/.test(s) ? Number(s) : NaN);
  for (const q of qs) {
    const v = values.get(`q${q.ord}`);
    switch (q.type) {
      case 'single':
        if (v?.length) out[q.ord] = int(v[0]);
        break;
      case 'multiple':
        if (v?.length) out[q.ord] = v.map(int);
        break;
      case 'truefalse':
        if (v?.[0] === 'true' || v?.[0] === 'false') out[q.ord] = v[0] === 'true';
        break;
      case 'fill':
        if (v?.[0]?.trim()) out[q.ord] = v[0].slice(0, 200);
        break;
      case 'ordering': {
        const ranks = Array.from({ length: q.optionCount }, (_, i) => int(values.get(`q${q.ord}_${i}`)?.[0]));
        if (ranks.some((r) => !Number.isNaN(r))) out[q.ord] = ranks;
        break;
      }
    }
  }
  return out;
}
