import { z } from 'zod';
import { msg } from '../validation/form';
import { CASE_CATEGORIES, GUARDIAN_SITUATIONS, RISK_LEVELS } from '../../../db/schema/fieldwork';
import { isValidDay } from '../time';

/**
 * Form schemas of field work. Messages are catalog keys (src/i18n/modules/fieldwork.*). Free text may
 * never carry an ID number: a child is known by a case code only.
 */
export const ID_NUMBER_LIKE = /\d{17}[\dXx]|\d{15}/;

export const freeText = (max: number, required = false) =>
  z
    .string({ invalid_type_error: msg('v.invalid') })
    .optional()
    .transform((s) => (s ?? '').trim())
    .pipe(
      z
        .string()
        .max(max, msg('v.maxLength', { max }))
        .refine((s) => !required || s.length > 0, msg('v.required'))
        .refine((s) => !ID_NUMBER_LIKE.test(s), msg('v.noIdNumber')),
    );

const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { errorMap: () => ({ message: msg('v.choose') }) });

export const dayField = z
  .string({ required_error: msg('v.date'), invalid_type_error: msg('v.date') })
  .trim()
  .refine(isValidDay, msg('v.date'));

/** up to 16 digits, and no more than Number.MAX_SAFE_INTEGER: Number('9007199254740993') is another id */
const ID_DIGITS = /^[1-9]\d{0,15}$/;
const isSafeId = (s: string) => ID_DIGITS.test(s) && Number.isSafeInteger(Number(s));

export const idField = z
  .string({ required_error: msg('v.choose'), invalid_type_error: msg('v.choose') })
  .refine(isSafeId, msg('v.choose'))
  .transform(Number);

const optionalId = z
  .string()
  .optional()
  .transform((s) => (s ? s.trim() : ''))
  .pipe(z.union([z.literal('').transform(() => null), z.string().refine(isSafeId, msg('v.choose')).transform(Number)]));

const yesNo = z.enum(['yes', 'no'], { errorMap: () => ({ message: msg('v.choose') }) }).transform((v) => v === 'yes');

/** made by the form (or the offline outbox); the same id sent twice is the same entry */
export const clientIdField = z
  .string({ required_error: msg('v.invalid') })
  .regex(/^[A-Za-z0-9_-]{8,64}$/, msg('v.invalid'));

export const caseCodeField = z
  .string({ required_error: msg('v.required') })
  .transform((s) => s.trim().toUpperCase())
  .pipe(z.string().min(1, msg('v.required')).regex(/^[A-Z0-9][A-Z0-9-]{2,31}$/, msg('v.caseCode')));

export const caseFormSchema = z.object({
  code: caseCodeField,
  category: choice(CASE_CATEGORIES),
  guardianSituation: choice(GUARDIAN_SITUATIONS),
  risk: choice(RISK_LEVELS),
  openedOn: dayField,
  note: freeText(200),
});
export type CaseForm = z.infer<typeof caseFormSchema>;

export const caseEditSchema = caseFormSchema.omit({ code: true, openedOn: true });

export const caseCloseSchema = z.object({
  closedOn: dayField,
  closeReason: choice(['aged_out', 'moved', 'situation_changed', 'placed', 'other'] as const),
});

const base = { clientId: clientIdField, day: dayField };

export const VISIT_MODES = ['in_person', 'phone'] as const;
export const visitSchema = z.object({
  ...base,
  caseId: idField,
  mode: choice(VISIT_MODES),
  findings: freeText(500, true),
  guardianshipAdequate: yesNo,
  followUp: yesNo,
  followUpNote: freeText(200),
  /** set when the person confirms that words in the findings do not describe a mandatory-report situation */
  confirmNoReport: z.string().optional().transform((s) => s === 'yes'),
});

export const AGREEMENT_ACTIONS = ['signed', 'renewed'] as const;
export const CARERS = ['grandparent', 'relative', 'other_adult'] as const;
export const agreementSchema = z.object({
  ...base,
  caseId: idField,
  action: choice(AGREEMENT_ACTIONS),
  carer: choice(CARERS),
  validUntil: z
    .string()
    .optional()
    .transform((s) => (s ?? '').trim())
    .pipe(z.union([z.literal('').transform(() => null), z.string().refine(isValidDay, msg('v.date'))])),
  note: freeText(200),
});

export const REPORT_RECIPIENTS = ['police', 'civil_affairs', 'education', 'procuratorate', 'hotline_12345', 'other'] as const;
export const reportSchema = z.object({
  clientId: clientIdField,
  caseId: optionalId,
  visitId: optionalId,
  reportedTo: choice(REPORT_RECIPIENTS),
  /** '2026-12-01T09:30', China time */
  reportedAt: z.string({ required_error: msg('v.dateTime') }).regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, msg('v.dateTime')),
  receipt: freeText(100),
  note: freeText(300),
});

export const outreachSchema = z.object({
  ...base,
  place: freeText(50, true),
  topic: freeText(50, true),
  attendance: z
    .string({ required_error: msg('v.required') })
    .trim()
    .regex(/^\d{1,4}$/, msg('v.attendance'))
    .transform(Number)
    .pipe(z.number().int().min(1, msg('v.attendance')).max(2000, msg('v.attendance'))),
});

/** Longest note of an information update, on the form and in the information-system import. */
export const INFO_NOTE_MAX = 200;
export const infoUpdateSchema = z.object({
  ...base,
  caseId: optionalId,
  note: freeText(INFO_NOTE_MAX, true),
});

export const returnSchema = z.object({ comment: freeText(200, true).pipe(z.string().min(2, msg('v.commentLength'))) });

/** Ticked situations come as `situation_<code>=on`; only codes of the policy in force are kept. */
export function tickedSituations(form: Record<string, string>, codes: readonly string[]): string[] {
  return codes.filter((c) => form[`situation_${c}`] === 'on' || form[`situation_${c}`] === 'yes');
}
