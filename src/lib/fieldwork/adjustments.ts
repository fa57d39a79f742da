import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db } from '../../../db/client';
import { adjustments, performanceRatings, regions, users } from '../../../db/schema/index';
import { ADJUSTMENT_ACTIONS, type AdjustmentAction, type PeriodKind, type Rating } from '../../../db/schema/fieldwork';
import { FieldError } from '../errors';
import { writeAudit } from '../audit/audit';
import { withinSql } from '../org/scope';
import { dayOf } from '../time';
import type { FieldActor } from './cases';
import { performanceResolver, type RatedRole } from './indicators';
import type { PerformanceRules } from './rules';
import { hasEnded, parsePeriod, previousPeriod } from './periods';

/**
 * 调整: a person whose latest N stored ratings of one period kind (N and the kinds from the performance
 * policy in force today) are N consecutive periods all rated 不合格 is flagged, until an official records
 * what was done about those periods. Only periods that have ended count: a running period's rating is partial.
 */
export type Adjustment = typeof adjustments.$inferSelect;

export interface Flag {
  userId: number;
  role: RatedRole;
  name: string;
  regionFullName: string;
  regionPath: string;
  periodKind: PeriodKind;
  /** the consecutive 不合格 periods, oldest first (as stored on the adjustment) */
  periods: string[];
  ratings: { period: string; score: number; rating: Rating }[];
}

/** Newest ratings looked at per person, role and kind: the policy allows at most 6 in a row, plus a running period. */
const WINDOW = 7;

/** People in a scope flagged for adjustment as of `now` (optionally one person). */
export function listFlagged(db: Db, scopePath: string, now = Date.now(), opts: { userId?: number; limit?: number } = {}): Flag[] {
  const today = dayOf(now);
  const pr = performanceRatings;
  const userCond = opts.userId ? sql` and ${pr.userId} = ${opts.userId}` : sql``;
  // only people with at least one 不合格 in scope are looked at, newest periods first per kind
  const rows = db.all<{ userId: number; role: RatedRole; regionPath: string; periodKind: PeriodKind; period: string; score: number; rating: Rating; name: string; regionFullName: string; rn: number }>(sql`
    select * from (
      select ${pr.userId} as userId, ${pr.role} as role, ${pr.regionPath} as regionPath, ${pr.periodKind} as periodKind, ${pr.period} as period,
             ${pr.score} as score, ${pr.rating} as rating, ${users.name} as name, ${regions.fullName} as regionFullName,
             row_number() over (partition by ${pr.userId}, ${pr.role}, ${pr.periodKind} order by ${pr.period} desc) as rn
      from ${pr}
      join ${users} on ${users.id} = ${pr.userId}
      join ${regions} on ${regions.id} = ${pr.regionId}
      where ${withinSql(pr.regionPath, scopePath)}${userCond}
        and exists (select 1 from ${pr} u where u.user_id = ${pr.userId} and u.role = ${pr.role} and u.rating = 'unqualified' and ${withinSql(sql`u.region_path`, scopePath)})
    ) where rn <= ${WINDOW}
    order by userId, role, periodKind, period desc`);
  const groups = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.userId}:${r.role}:${r.periodKind}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  if (groups.size === 0) return [];
  // the flag is a judgement made today: the adjustment rule in force today for the person's region
  const resolve = performanceResolver(db, today);
  const rulesFor = (path: string): PerformanceRules['adjustment'] | null => {
    try {
      return resolve(path).rules.adjustment;
    } catch {
      return null; // no performance policy applies there
    }
  };
  const recorded = new Map<string, string[][]>();
  for (const a of db.select({ userId: adjustments.userId, role: adjustments.role, periods: adjustments.periods }).from(adjustments).where(withinSql(adjustments.regionPath, scopePath)).all()) {
    const k = `${a.userId}:${a.role}`;
    const list = recorded.get(k);
    if (list) list.push(a.periods);
    else recorded.set(k, [a.periods]);
  }
  const flags: Flag[] = [];
  for (const g of groups.values()) {
    const ended = g.filter((r) => {
      const p = parsePeriod(r.period);
      return p !== null && hasEnded(p, today);
    });
    const latest = ended[0];
    if (!latest) continue;
    const rules = rulesFor(latest.regionPath);
    if (!rules || !rules.periodKinds.includes(latest.periodKind)) continue;
    const run = ended.slice(0, rules.consecutive);
    if (run.length < rules.consecutive) continue;
    if (!run.every((r) => r.rating === 'unqualified')) continue;
    const consecutive = run.every((r, i) => i === 0 || previousPeriod(parsePeriod(run[i - 1]!.period)!).key === r.period);
    if (!consecutive) continue;
    const periods = run.map((r) => r.period).reverse();
    const covered = (recorded.get(`${latest.userId}:${latest.role}`) ?? []).some((done) => periods.every((p) => done.includes(p)));
    if (covered) continue;
    flags.push({
      userId: latest.userId,
      role: latest.role,
      name: latest.name,
      regionFullName: latest.regionFullName,
      regionPath: latest.regionPath,
      periodKind: latest.periodKind,
      periods,
      ratings: [...run].reverse().map((r) => ({ period: r.period, score: r.score, rating: r.rating })),
    });
    if (opts.limit && flags.length >= opts.limit) break;
  }
  return flags;
}

export interface AdjustmentInput {
  userId: number;
  role: RatedRole;
  periods: string[];
  action: string;
  note: string;
}

/** The official records what was done about a flagged person (retraining, replacement or other). */
export function recordAdjustment(db: Db, actor: FieldActor, input: AdjustmentInput, now = Date.now()): Adjustment {
  if (actor.role !== 'official') throw new FieldError('_form', 'v.perf.officialsOnly');
  if (!(ADJUSTMENT_ACTIONS as readonly string[]).includes(input.action)) throw new FieldError('adjustAction', 'v.choose');
  const note = input.note.trim();
  if ([...note].length < 2 || [...note].length > 200) throw new FieldError('adjustNote', 'v.perf.adjustNote');
  const flag = listFlagged(db, actor.regionPath, now, { userId: input.userId }).find((f) => f.role === input.role && f.periods.join(',') === input.periods.join(','));
  if (!flag) throw new FieldError('_form', 'v.perf.notFlagged');
  return db.transaction((tx) => {
    const row = tx
      .insert(adjustments)
      .values({ userId: flag.userId, role: flag.role, regionPath: flag.regionPath, periods: flag.periods, action: input.action as AdjustmentAction, note, recordedBy: actor.userId, recordedAt: now })
      .returning()
      .get();
    writeAudit(tx, { actorUserId: actor.userId, action: 'adjustment.record', entityType: 'adjustment', entityId: row.id, regionPath: row.regionPath, after: { userId: row.userId, role: row.role, periods: row.periods, action: row.action, note }, ip: actor.ip, at: now });
    return row;
  });
}

export interface AdjustmentRow extends Adjustment {
  name: string;
  recorderName: string;
}

/** Recorded actions in a scope, newest first. */
export function listAdjustments(db: Db, scopePath: string, limit = 200): AdjustmentRow[] {
  const recorder = alias(users, 'recorder');
  const where: SQL = withinSql(adjustments.regionPath, scopePath);
  return db
    .select({ a: adjustments, name: users.name, recorderName: recorder.name })
    .from(adjustments)
    .innerJoin(users, eq(users.id, adjustments.userId))
    .innerJoin(recorder, eq(recorder.id, adjustments.recordedBy))
    .where(and(where))
    .orderBy(desc(adjustments.recordedAt), desc(adjustments.id))
    .limit(limit)
    .all()
    .map((r) => ({ ...r.a, name: r.name, recorderName: r.recorderName }));
}
