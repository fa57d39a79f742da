import { z } from 'zod';
import { ROLES } from '../../../db/schema/auth';
import { msg, phoneField, personName, idNumberField, positiveId } from '../validation/form';

export const personDetailsSchema = z.object({
  name: personName,
  phone: phoneField,
  idNumber: idNumberField,
});

export const roleField = z.enum(ROLES, { errorMap: () => ({ message: msg('v.role') }) });

export const assignmentSchema = z.object({
  role: roleField,
  regionId: positiveId,
  institutionId: z
    .string()
    .optional()
    .transform((s) => (s && /^\d{1,15}$/.test(s) ? Number(s) : null)),
});

export const newPersonSchema = personDetailsSchema.and(assignmentSchema);

export const peopleQuerySchema = z.object({
  q: z.string().max(30).optional().catch(undefined),
  role: roleField.optional().catch(undefined),
  status: z.enum(['active', 'inactive', 'all']).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100000).optional().catch(undefined),
  region: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
});
