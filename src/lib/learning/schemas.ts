import { z } from 'zod';
import { msg, positiveId } from '../validation/form';
import { LEARNER_ROLES } from './enrol';

/** The assignment form: target is "curriculum:<id>" or "course:<id>". */
export const assignFormSchema = z.object({
  target: z
    .string({ required_error: msg('v.choose') })
    .regex(/^(curriculum|course):[1-9]\d{0,8}$/, msg('v.choose'))
    .transform((s) => {
      const [kind, id] = s.split(':') as ['curriculum' | 'course', string];
      return kind === 'curriculum' ? { curriculumId: Number(id), courseId: null } : { curriculumId: null, courseId: Number(id) };
    }),
  role: z.enum(LEARNER_ROLES, { errorMap: () => ({ message: msg('v.learnerRole') }) }),
  regionId: positiveId,
  dueDate: z.string({ required_error: msg('v.required') }).trim().min(1, msg('v.required')).regex(/^\d{4}-\d{2}-\d{2}$/, msg('v.date')),
});
