import { z } from 'zod';
import { msg, positiveId, requiredText } from '../validation/form';
import { ROLES } from '../../../db/schema/auth';

/** A same-site path the notice links to (optional); anything else is refused, never followed. */
const linkField = z
  .string()
  .optional()
  .transform((s) => (s ?? '').trim())
  .pipe(z.string().max(200, msg('v.maxLength', { max: 200 })).refine((s) => s === '' || (/^\/[A-Za-z0-9/_\-?=&.%]*$/.test(s) && !s.startsWith('//')), msg('v.notify.link')));

export const cohortNoticeSchema = z.object({
  role: z.enum(ROLES, { errorMap: () => ({ message: msg('v.choose') }) }),
  regionId: positiveId,
  subject: requiredText(40),
  message: requiredText(500),
  link: linkField,
});
export type CohortNoticeForm = z.infer<typeof cohortNoticeSchema>;
