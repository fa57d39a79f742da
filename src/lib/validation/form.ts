import { z, type ZodTypeAny } from 'zod';

/** A validation message: catalog key plus parameters, encoded in zod's message string as "key|a=1|b=2". */
export interface Message {
  key: string;
  params: Record<string, string | number>;
}
export type FieldErrors = Record<string, Message>;

export function msg(key: string, params: Record<string, string | number> = {}): string {
  return [key, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)].join('|');
}

export function decodeMessage(s: string): Message {
  const [key, ...rest] = s.split('|');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0) params[p.slice(0, i)] = p.slice(i + 1);
  }
  // zod's own messages (no catalog key) fall back to a generic "invalid" message
  return key && key.startsWith('v.') ? { key, params } : { key: 'v.invalid', params: {} };
}

/** FormData → plain object of strings (the last value wins; files are ignored). */
export function formToObject(fd: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of fd.entries()) if (typeof v === 'string') out[k] = v;
  return out;
}

export type ParseResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

export function parseWith<S extends ZodTypeAny>(schema: S, input: unknown): ParseResult<z.infer<S>> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    if (!errors[field]) errors[field] = decodeMessage(issue.message);
  }
  return { ok: false, errors };
}

// ---- shared field schemas (messages are catalog keys, see src/i18n) ----

/** Mainland mobile number: 11 digits starting with 1. Spaces and dashes people type are removed. */
export const phoneField = z
  .string({ required_error: msg('v.required'), invalid_type_error: msg('v.required') })
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().min(1, msg('v.required')).regex(/^1[3-9]\d{9}$/, msg('v.phone')));

export const requiredText = (max: number) =>
  z
    .string({ required_error: msg('v.required'), invalid_type_error: msg('v.required') })
    .transform((s) => s.trim())
    .pipe(z.string().min(1, msg('v.required')).max(max, msg('v.maxLength', { max })));

export const personName = requiredText(30).pipe(
  z.string().regex(/^[\p{Script=Han}A-Za-z·• .-]+$/u, msg('v.personName')),
);

/** GB 11643-1999 居民身份证号码: 18 characters, valid date, valid check digit. */
export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const checks = '10X98765432';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * weights[i]!;
  return checks[sum % 11] === id[17];
}

export const idNumberField = z
  .string()
  .optional()
  .transform((s) => (s ?? '').trim().toUpperCase())
  .pipe(z.string().refine((s) => s === '' || isValidIdNumber(s), msg('v.idNumber')))
  .transform((s) => (s === '' ? null : s));

/**
 * z.coerce.number for a value from a form or a JSON body: only a string or a number is coerced, anything
 * else fails with `message`. (zod's coercion calls Number(x), which throws on an object like
 * {"toString": 1} or one without a prototype: a 500 instead of a message.)
 */
export function formNumber<T extends ZodTypeAny>(message: string, checks: T) {
  return z.union([z.string(), z.number()], { errorMap: () => ({ message }) }).pipe(checks);
}

export const positiveId = formNumber(
  msg('v.choose'),
  z.coerce.number({ invalid_type_error: msg('v.choose') }).int(msg('v.choose')).positive(msg('v.choose')).max(Number.MAX_SAFE_INTEGER, msg('v.choose')),
);
