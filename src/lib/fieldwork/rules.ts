import { z } from 'zod';
import type { Db } from '../../../db/client';
import { CASE_CATEGORIES, RATINGS, PERIOD_KINDS, type CaseCategory, type RiskLevel } from '../../../db/schema/fieldwork';
import { getPolicyInForce, type Policy } from '../policy/policy';

/**
 * The three versioned rule sets of field work (defaults in content/policies): visit norms, mandatory
 * reporting, performance scoring. Each body is validated before use; a malformed version is an error of
 * configuration, reported with its kind and version rather than silently ignored.
 */
export const VISIT_NORMS_KIND = 'visit-norms';
export const MANDATORY_REPORT_KIND = 'mandatory-report';
export const PERFORMANCE_KIND = 'performance';

const days = z.number().int().min(1).max(366);

export const visitNormsSchema = z.object({
  intervals: z.object(Object.fromEntries(CASE_CATEGORIES.map((c) => [c, days])) as Record<CaseCategory, typeof days>),
  highRiskDays: days,
  verifyWithinDays: days,
});
export type VisitNorms = z.infer<typeof visitNormsSchema>;

export const mandatoryReportSchema = z.object({
  deadlineHours: z.number().int().min(1).max(24 * 30),
  situations: z
    .array(
      z.object({
        code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
        label: z.string().min(2).max(120),
        keywords: z.array(z.string().min(1).max(20)).max(40),
      }),
    )
    .min(1)
    .max(20),
});
export type MandatoryReportRules = z.infer<typeof mandatoryReportSchema>;

const weight = z.number().min(0).max(100);
export const DIRECTOR_INDICATORS = ['trainingOnTime', 'hours', 'examAverage', 'visitCompletion', 'agreementCoverage', 'reportTimeliness', 'outreach'] as const;
export const SUPERVISOR_INDICATORS = ['trainingOnTime', 'hours', 'examAverage', 'verifyTimeliness', 'visitCompletion'] as const;
export type IndicatorKey = (typeof DIRECTOR_INDICATORS)[number] | (typeof SUPERVISOR_INDICATORS)[number];

export const performanceSchema = z
  .object({
    roles: z.object({
      director: z.object(Object.fromEntries(DIRECTOR_INDICATORS.map((k) => [k, weight])) as Record<(typeof DIRECTOR_INDICATORS)[number], typeof weight>),
      supervisor: z.object(Object.fromEntries(SUPERVISOR_INDICATORS.map((k) => [k, weight])) as Record<(typeof SUPERVISOR_INDICATORS)[number], typeof weight>),
    }),
    targets: z.object({
      hoursPerYear: z.number().positive().max(1000),
      outreachPerYear: z.number().positive().max(365),
      examScore: z.number().min(1).max(100),
    }),
    thresholds: z.object({ excellent: z.number().min(0).max(100), qualified: z.number().min(0).max(100), basic: z.number().min(0).max(100) }),
    commendation: z.object({ topShare: z.number().gt(0).max(1), minRating: z.enum(RATINGS) }),
    adjustment: z.object({ consecutive: z.number().int().min(2).max(6), periodKinds: z.array(z.enum(PERIOD_KINDS)).min(1) }),
  })
  .superRefine((b, ctx) => {
    const t = b.thresholds;
    if (!(t.excellent > t.qualified && t.qualified > t.basic)) ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'thresholds must fall: excellent > qualified > basic' });
    for (const role of ['director', 'supervisor'] as const) {
      const sum = Object.values(b.roles[role]).reduce((s, w) => s + w, 0);
      if (sum <= 0) ctx.addIssue({ code: 'custom', path: ['roles', role], message: 'weights add up to 0' });
    }
  });
export type PerformanceRules = z.infer<typeof performanceSchema>;

export interface RulesInForce<T> {
  policy: Policy;
  rules: T;
}

function load<T>(db: Db, kind: string, schema: z.ZodType<T>, regionPath: string, day: string): RulesInForce<T> {
  const policy = getPolicyInForce(db, kind, regionPath, day);
  if (!policy) throw new Error(`no ${kind} policy in force for ${regionPath} on ${day}`);
  const r = schema.safeParse(policy.body);
  if (!r.success) throw new Error(`${kind} policy ${policy.version}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { policy, rules: r.data };
}

export const visitNormsFor = (db: Db, regionPath: string, day: string) => load(db, VISIT_NORMS_KIND, visitNormsSchema, regionPath, day);
export const mandatoryRulesFor = (db: Db, regionPath: string, day: string) => load(db, MANDATORY_REPORT_KIND, mandatoryReportSchema, regionPath, day);
export const performanceRulesFor = (db: Db, regionPath: string, day: string) => load(db, PERFORMANCE_KIND, performanceSchema, regionPath, day);

/** Days between visits for a case: its category's interval, or the high-risk interval when shorter. */
export function intervalFor(norms: VisitNorms, category: CaseCategory, risk: RiskLevel): number {
  const base = norms.intervals[category];
  return risk === 'high' ? Math.min(base, norms.highRiskDays) : base;
}
