import { z } from 'zod';
import type { Db } from '../../../db/client';
import { getPolicyInForce, type Policy } from '../policy/policy';

/**
 * The versioned notification rules (content/policies/notify.yaml, example defaults): reminder lead
 * times, quiet hours for SMS (China time) and SMS retry limits. A county may add its own version.
 */
export const NOTIFY_KIND = 'notify';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const notifyRulesSchema = z.object({
  assignmentDueDays: z.array(z.number().int().min(0).max(60)).min(1).max(5),
  overdueLookbackDays: z.number().int().min(1).max(90),
  certificateExpiryDays: z.number().int().min(1).max(90),
  visitDueDays: z.number().int().min(0).max(30),
  quietHours: z.object({ start: hhmm, end: hhmm }),
  sms: z.object({
    maxAttempts: z.number().int().min(1).max(20),
    retryMinutes: z.array(z.number().int().min(1).max(24 * 60)).min(1).max(10),
    maxLength: z.number().int().min(20).max(500),
    signature: z.string().max(20),
  }),
});
export type NotifyRules = z.infer<typeof notifyRulesSchema>;

export interface NotifyRulesInForce {
  policy: Policy;
  rules: NotifyRules;
}

/** The rules in force for a region on a day, or null when no version applies. A malformed version throws. */
export function notifyRulesFor(db: Db, regionPath: string, day: string): NotifyRulesInForce | null {
  const policy = getPolicyInForce(db, NOTIFY_KIND, regionPath, day);
  if (!policy) return null;
  const r = notifyRulesSchema.safeParse(policy.body);
  if (!r.success) throw new Error(`${NOTIFY_KIND} policy ${policy.version}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { policy, rules: r.data };
}

/** Caches rules per region path for one run of a job (a few policies serve thousands of rows). */
export function rulesCache(db: Db, day: string): (regionPath: string) => NotifyRules | null {
  const cache = new Map<string, NotifyRules | null>();
  return (regionPath) => {
    // rules are set at province, city or county level: key the cache by the county's path
    const key = regionPath.split('/').filter(Boolean).slice(0, 3).join('/');
    if (!cache.has(key)) cache.set(key, notifyRulesFor(db, regionPath, day)?.rules ?? null);
    return cache.get(key)!;
  };
}

const CST_OFFSET_MS = 8 * 3600_000;
const minutesOf = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * Quiet hours, China time. Returns null when `now` is outside them, else the instant they end. A window
 * whose start is after its end wraps midnight (21:00–08:00); equal start and end means no quiet hours.
 */
export function quietUntil(now: number, quiet: { start: string; end: string }): number | null {
  const s = minutesOf(quiet.start);
  const e = minutesOf(quiet.end);
  if (s === e) return null;
  const local = now + CST_OFFSET_MS;
  const dayStart = local - (((local % 86_400_000) + 86_400_000) % 86_400_000);
  const m = Math.floor((local - dayStart) / 60_000);
  const inside = s < e ? m >= s && m < e : m >= s || m < e;
  if (!inside) return null;
  let end = dayStart + e * 60_000;
  if (end <= local) end += 86_400_000;
  return end - CST_OFFSET_MS;
}
