import { z } from 'zod';
import type { Db } from '../../../db/client';
import { RATINGS } from '../../../db/schema/fieldwork';
import { getPolicyInForce, type Policy } from '../policy/policy';

/** The policy kind of the 通讯、交通补贴 rules (default: content/policies/subsidy.yaml). */
export const SUBSIDY_KIND = 'subsidy';

export const CRITERIA = ['inPost', 'visits', 'infoUpdates', 'training', 'reports'] as const;
export type CriterionKey = (typeof CRITERIA)[number];

const ratio = z.number().min(0).max(1);

export const subsidyRulesSchema = z
  .object({
    exampleDefaults: z.boolean().optional(),
    roles: z.array(z.enum(['director', 'supervisor'])).min(1),
    frequency: z.enum(['monthly', 'quarterly']),
    proration: z.enum(['days', 'full']),
    components: z
      .array(
        z.object({
          key: z.string().regex(/^[a-z][a-z0-9_]{0,29}$/),
          name: z.string().min(1).max(20),
          amountYuan: z.number().min(0).max(100_000),
          requires: z.array(z.enum(CRITERIA)),
        }),
      )
      .min(1)
      .max(8),
    criteria: z.object({
      visits: z.object({ min: ratio }),
      infoUpdates: z.object({ maxAgeDays: z.number().int().min(1).max(366), min: ratio }),
      training: z.object({}).passthrough(),
      reports: z.object({}).passthrough(),
    }),
    lookbackMonths: z.number().int().min(0).max(12),
    ratingMultiplier: z.object({ ...Object.fromEntries(RATINGS.map((r) => [r, z.number().min(0).max(3)])), none: z.number().min(0).max(3) } as Record<(typeof RATINGS)[number] | 'none', z.ZodNumber>),
  })
  .superRefine((b, ctx) => {
    if (new Set(b.components.map((c) => c.key)).size !== b.components.length) ctx.addIssue({ code: 'custom', path: ['components'], message: 'component keys repeat' });
  });
export type SubsidyRules = z.infer<typeof subsidyRulesSchema>;

export interface SubsidyPolicy {
  policy: Policy;
  rules: SubsidyRules;
}

/** The subsidy rules in force for a region on a day, validated; null when none applies. */
export function subsidyRulesFor(db: Db, regionPath: string, day: string): SubsidyPolicy | null {
  const policy = getPolicyInForce(db, SUBSIDY_KIND, regionPath, day);
  if (!policy) return null;
  const r = subsidyRulesSchema.safeParse(policy.body);
  if (!r.success) throw new Error(`subsidy policy ${policy.version}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { policy, rules: r.data };
}
