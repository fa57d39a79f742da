import { z } from 'zod';
import { msg } from '../validation/form';
import type { SkillRules } from './rules';
import { MAX_CREDITED_HOURS } from './records';

/** Phones with a Chinese keyboard may type full-width digits (８５．５): read them as ASCII. */
function halfWidth(s: string): string {
  return s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)).replace(/[．。]/g, '.');
}

/** A number typed into a form: required, at most one decimal place, within [min, max]. */
export function numberField(min: number, max: number, key: string, params: Record<string, string | number>) {
  return z
    .string({ required_error: msg('v.required'), invalid_type_error: msg('v.required') })
    .transform((s) => halfWidth(s).trim())
    .pipe(
      z
        .string()
        .min(1, msg('v.required'))
        .regex(/^\d{1,4}(\.\d)?$/, msg(key, params))
        .transform(Number)
        .pipe(z.number().min(min, msg(key, params)).max(max, msg(key, params))),
    );
}

const note = z
  .string()
  .optional()
  .transform((s) => (s ?? '').trim())
  .pipe(z.string().max(200, msg('v.maxLength', { max: 200 })));

const correctsId = z
  .string()
  .optional()
  .transform((s) => (s && /^[1-9]\d{0,15}$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : null));

const level = (codes: number[]) =>
  z
    .string({ required_error: msg('v.skillLevel') })
    .transform(Number)
    .pipe(z.number().refine((n) => codes.includes(n), msg('v.skillLevel')));

export const SKILL_FORM_KINDS = ['practical', 'defence', 'hours'] as const;
export type SkillFormKind = (typeof SKILL_FORM_KINDS)[number];

export const kindSchema = z.object({ kind: z.enum(SKILL_FORM_KINDS) });

/** The practical (技能操作) form: one number field `a_<area key>` per rubric area of the policy in force. */
export function practicalFormSchema(rules: SkillRules) {
  const areas: Record<string, ReturnType<typeof numberField>> = {};
  for (const a of rules.areas) areas[`a_${a.key}`] = numberField(0, a.max, 'v.skillScore', { max: a.max });
  return z
    .object({ level: level(rules.levels.map((l) => l.code)), note, correctsId, ...areas })
    .transform((v) => ({
      kind: 'practical' as const,
      level: v.level,
      note: v.note,
      correctsId: v.correctsId,
      areas: Object.fromEntries(rules.areas.map((a) => [a.key, (v as unknown as Record<string, number>)[`a_${a.key}`]!])),
    }));
}

/** The 综合答辩 form: only levels whose rules ask for a defence. */
export function defenceFormSchema(rules: SkillRules) {
  return z
    .object({ level: level(rules.levels.filter((l) => l.defence).map((l) => l.code)), score: numberField(0, 100, 'v.skillScore', { max: 100 }), note, correctsId })
    .transform((v) => ({ kind: 'defence' as const, ...v }));
}

/** Offline classroom hours credited by the assessor, with a note saying which training. */
export function hoursFormSchema(rules: SkillRules) {
  return z
    .object({
      level: level(rules.levels.map((l) => l.code)),
      // 0 is allowed here for a correction of hours credited by mistake; the lib refuses 0 for a new row
      hours: numberField(0, MAX_CREDITED_HOURS, 'v.skillHours', { max: MAX_CREDITED_HOURS }),
      note: z
        .string({ required_error: msg('v.skillHoursNote') })
        .transform((s) => s.trim())
        .pipe(z.string().min(2, msg('v.skillHoursNote')).max(200, msg('v.maxLength', { max: 200 }))),
      correctsId,
    })
    .transform((v) => ({ kind: 'hours' as const, ...v }));
}
