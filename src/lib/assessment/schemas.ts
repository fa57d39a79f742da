import { z } from 'zod';
import { formNumber, msg, positiveId } from '../validation/form';
import { LEARNER_ROLES } from '../learning/enrol';
import { parseLocalDateTime } from '../time';

const when = z
  .string({ required_error: msg('v.required') })
  .trim()
  .min(1, msg('v.required'))
  .transform((s) => parseLocalDateTime(s))
  .pipe(z.number({ invalid_type_error: msg('v.dateTime') }).refine((n) => !Number.isNaN(n), msg('v.dateTime')));

export const examFormSchema = z.object({
  courseId: positiveId,
  title: z.string({ required_error: msg('v.required') }).trim().min(2, msg('v.required')).max(40, msg('v.maxLength', { max: 40 })),
  role: z.enum(LEARNER_ROLES, { errorMap: () => ({ message: msg('v.learnerRole') }) }),
  regionId: positiveId,
  opensAt: when,
  closesAt: when,
  durationMinutes: formNumber(msg('v.duration'), z.coerce.number({ invalid_type_error: msg('v.duration') }).int(msg('v.duration')).min(5, msg('v.duration')).max(240, msg('v.duration'))),
  passMark: formNumber(msg('v.passMark'), z.coerce.number({ invalid_type_error: msg('v.passMark') }).int(msg('v.passMark')).min(1, msg('v.passMark')).max(100, msg('v.passMark'))),
});
