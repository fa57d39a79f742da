import { z } from 'zod';
import type { Db } from '../../../db/client';
import { getPolicyInForce, type Policy } from '../policy/policy';

/** The policy kind of the 孤残儿童护理员 skill-level rules (defaults: content/policies/skill-levels.yaml). */
export const SKILL_POLICY_KIND = 'skill-levels';

/** The national level codes: 5 五级/初级 … 1 一级/高级技师. Names, hours and everything else are data. */
export const LEVEL_CODES = [5, 4, 3, 2, 1] as const;
export type LevelCode = (typeof LEVEL_CODES)[number];

const areaSchema = z.object({
  /** form field and storage key of the area: a short ASCII word */
  key: z.string().regex(/^[a-z][a-z0-9]{0,19}$/),
  name: z.string().min(1).max(20),
  /** points of this area in the rubric */
  max: z.number().positive().max(100),
});

const levelSchema = z.object({
  code: z.union([z.literal(5), z.literal(4), z.literal(3), z.literal(2), z.literal(1)]),
  name: z.string().min(1).max(20),
  /** training hours required for this level */
  hours: z.number().min(0).max(2000),
  requiresLevelBelow: z.boolean(),
  defence: z.boolean(),
  /** slug of the course whose bank the level's theory exam uses; null while no such course exists */
  theoryCourse: z.string().min(1).nullable(),
});

/** The body of a `skill-levels` policy; any version must pass this before it is used. */
export const skillRulesSchema = z
  .object({
    passMark: z.number().min(1).max(100),
    hoursAreExampleDefaults: z.boolean().optional(),
    hoursSource: z.string().optional(),
    areas: z.array(areaSchema).min(1).max(12),
    levels: z.array(levelSchema).min(1).max(5),
  })
  .superRefine((b, ctx) => {
    const total = b.areas.reduce((s, a) => s + a.max, 0);
    if (Math.abs(total - 100) > 1e-9) ctx.addIssue({ code: 'custom', path: ['areas'], message: `rubric maxima add up to ${total}, not 100` });
    if (new Set(b.areas.map((a) => a.key)).size !== b.areas.length) ctx.addIssue({ code: 'custom', path: ['areas'], message: 'area keys repeat' });
    if (new Set(b.levels.map((l) => l.code)).size !== b.levels.length) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'level codes repeat' });
    for (const l of b.levels) {
      if (l.code === 5 && l.requiresLevelBelow) ctx.addIssue({ code: 'custom', path: ['levels'], message: '五级 has no level below' });
      // certificates store the name; its leading numeral is how they are matched to a level code
      if (levelCodeOfName(l.name) !== l.code) ctx.addIssue({ code: 'custom', path: ['levels'], message: `level ${l.code}: the name must start with its numeral (e.g. 五级/初级)` });
    }
  });

export type SkillRules = z.infer<typeof skillRulesSchema>;
export type LevelRule = SkillRules['levels'][number];
export type AreaRule = SkillRules['areas'][number];

export interface SkillPolicy {
  policy: Policy;
  /** levels ordered from 五级 (code 5) up to 一级 (code 1) */
  rules: SkillRules;
}

/** Parses a policy body; throws with the path of the first problem (a broken policy must not be used). */
export function parseSkillRules(body: unknown): SkillRules {
  const r = skillRulesSchema.safeParse(body);
  if (!r.success) throw new Error(`skill-levels policy: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { ...r.data, levels: [...r.data.levels].sort((a, b) => b.code - a.code) };
}

/** The skill-level rules in force for a region on a day (province default or a city/county override). */
export function getSkillPolicy(db: Db, regionPath: string, day: string): SkillPolicy | null {
  const policy = getPolicyInForce(db, SKILL_POLICY_KIND, regionPath, day);
  if (!policy) return null;
  return { policy, rules: parseSkillRules(policy.body) };
}

export function levelRule(rules: SkillRules, code: number): LevelRule | null {
  return rules.levels.find((l) => l.code === code) ?? null;
}

/** The level right below (the prerequisite): 五级 for 四级, and so on; null for 五级. */
export function levelBelow(code: number): number | null {
  return code < 5 ? code + 1 : null;
}

const NUMERALS: Record<string, number> = { 五: 5, 四: 4, 三: 3, 二: 2, 一: 1 };

/**
 * The level code of a skill-level certificate's `level` text ("五级/初级" → 5). Certificates store the
 * level's name as printed; the leading numeral is the national code, so a renamed level in a later policy
 * version still matches.
 */
export function levelCodeOfName(name: string | null | undefined): number | null {
  const m = name ? /^\s*([五四三二一])级/.exec(name) : null;
  return m ? NUMERALS[m[1]!]! : null;
}
