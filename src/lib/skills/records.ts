import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { certificates, skillAssessments, users } from '../../../db/schema/index';
import type { Certificate } from '../certification/certificates';
import { writeAudit } from '../audit/audit';
import { FieldError, NotFoundError } from '../errors';
import { dayOf } from '../time';
import { awardSkillLevels } from './award';
import { getCaregiverInScope } from './caregivers';
import { effectiveRecords, listRecordsOf, round1, type SkillRecord } from './path';
import { getSkillPolicy, levelCodeOfName, levelRule } from './rules';

/** The assessor: a trainer acting in their jurisdiction. */
export interface SkillActor {
  userId: number;
  scopePath: string;
  ip?: string | null;
}

export const MAX_CREDITED_HOURS = 500;

export type SkillRecordInput =
  | { kind: 'practical'; level: number; areas: Record<string, number>; note?: string | null; correctsId?: number | null }
  | { kind: 'defence'; level: number; score: number; note?: string | null; correctsId?: number | null }
  | { kind: 'hours'; level: number; hours: number; note: string; correctsId?: number | null };

/** At most one decimal place, within [min, max]. */
function isScore(n: unknown, min: number, max: number): n is number {
  return typeof n === 'number' && Number.isFinite(n) && n >= min && n <= max && Math.abs(Math.round(n * 10) - n * 10) < 1e-9;
}

/**
 * An assessor records a practical rubric, a defence score or credited offline hours for a caregiver in
 * their jurisdiction (NotFoundError otherwise). Checked here whatever the form did; stored with the
 * policy version in force; audited; and followed, in the same transaction, by the level-certificate
 * check. A correction (`correctsId`) is a new row replacing an earlier one, which stays as it was.
 */
export function recordSkillAssessment(db: Db, actor: SkillActor, caregiverUserId: number, input: SkillRecordInput, now = Date.now()): { id: number; issued: Certificate[] } {
  const caregiver = getCaregiverInScope(db, actor.scopePath, caregiverUserId);
  if (!caregiver) throw new NotFoundError('caregiver');
  const sp = getSkillPolicy(db, caregiver.regionPath, dayOf(now));
  if (!sp) throw new FieldError('level', 'v.skillNoPolicy');
  const rule = levelRule(sp.rules, input.level);
  if (!rule) throw new FieldError('level', 'v.skillLevel');

  const all = listRecordsOf(db, caregiver.userId);
  const effective = effectiveRecords(all);
  let corrected: SkillRecord | null = null;
  if (input.correctsId != null) {
    corrected = all.find((r) => r.id === input.correctsId) ?? null;
    const current = effective.find((r) => r.kind === input.kind && r.level === input.level) ?? null;
    const ok =
      !!corrected &&
      corrected.kind === input.kind &&
      effective.some((r) => r.id === corrected!.id) &&
      // a score is corrected for its own level, and only the one in force (the latest)
      (input.kind === 'hours' || (corrected.level === input.level && current?.id === corrected.id));
    if (!ok) throw new FieldError('correctsId', 'v.skillCorrection');
  }

  let values: Pick<SkillRecord, 'areaScores' | 'score' | 'hours' | 'note'>;
  const note = input.note?.trim() || null;
  if (note && note.length > 200) throw new FieldError('note', 'v.maxLength', { max: 200 });
  if (input.kind === 'practical' || input.kind === 'defence') {
    const certified = db
      .select({ level: certificates.level })
      .from(certificates)
      .where(and(eq(certificates.userId, caregiver.userId), eq(certificates.kind, 'skill-level')))
      .all()
      .some((c) => levelCodeOfName(c.level) === rule.code);
    if (certified) throw new FieldError('level', 'v.skillLevelHeld', { level: rule.name });
  }
  if (input.kind === 'practical') {
    const areaScores: Record<string, number> = {};
    for (const a of sp.rules.areas) {
      const v = input.areas[a.key];
      if (v === undefined || v === null) throw new FieldError(`a_${a.key}`, 'v.required');
      if (!isScore(v, 0, a.max)) throw new FieldError(`a_${a.key}`, 'v.skillScore', { max: a.max });
      areaScores[a.key] = v;
    }
    values = { areaScores, score: round1(Object.values(areaScores).reduce((s, v) => s + v, 0)), hours: null, note };
  } else if (input.kind === 'defence') {
    if (!rule.defence) throw new FieldError('level', 'v.skillNoDefence', { level: rule.name });
    if (!isScore(input.score, 0, 100)) throw new FieldError('score', 'v.skillScore', { max: 100 });
    values = { areaScores: null, score: input.score, hours: null, note };
  } else {
    // a correction may bring credited hours down to 0 (credited by mistake)
    if (!isScore(input.hours, corrected ? 0 : 0.5, MAX_CREDITED_HOURS) || (!corrected && input.hours < 0.5)) throw new FieldError('hours', 'v.skillHours', { max: MAX_CREDITED_HOURS });
    if (!note || note.length < 2) throw new FieldError('note', 'v.skillHoursNote');
    values = { areaScores: null, score: null, hours: input.hours, note };
  }

  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const row = t
      .insert(skillAssessments)
      .values({
        userId: caregiver.userId,
        level: rule.code,
        kind: input.kind,
        ...values,
        assessorId: actor.userId,
        assessedAt: now,
        regionPath: caregiver.regionPath,
        institutionId: caregiver.institutionId,
        policyId: sp.policy.id,
        policyVersion: sp.policy.version,
        correctsId: corrected?.id ?? null,
      })
      .returning({ id: skillAssessments.id })
      .get();
    writeAudit(t, {
      actorUserId: actor.userId,
      action: `skills.${input.kind}`,
      entityType: 'skill_assessment',
      entityId: row.id,
      regionPath: caregiver.regionPath,
      before: corrected ? { id: corrected.id, areaScores: corrected.areaScores, score: corrected.score, hours: corrected.hours, note: corrected.note } : undefined,
      after: { caregiver: caregiver.name, level: rule.name, ...values, policyVersion: sp.policy.version, correctsId: corrected?.id ?? null },
      ip: actor.ip,
      at: now,
    });
    const issued = awardSkillLevels(t, caregiver.userId, now);
    return { id: row.id, issued };
  });
}

export interface RecordLine extends SkillRecord {
  assessorName: string;
  /** replaced by a later correction */
  corrected: boolean;
}

/** A caregiver's records, newest first, for an assessor in whose jurisdiction they lie (else null). */
export function listRecordsInScope(db: Db, scopePath: string, caregiverUserId: number): RecordLine[] | null {
  if (!getCaregiverInScope(db, scopePath, caregiverUserId)) return null;
  const rows = db
    .select({ r: skillAssessments, assessorName: users.name })
    .from(skillAssessments)
    .innerJoin(users, eq(users.id, skillAssessments.assessorId))
    .where(eq(skillAssessments.userId, caregiverUserId))
    .orderBy(desc(skillAssessments.id))
    .all();
  const corrected = new Set(rows.map((x) => x.r.correctsId).filter((x): x is number => x !== null));
  return rows.map((x) => ({ ...x.r, assessorName: x.assessorName, corrected: corrected.has(x.r.id) }));
}

export interface CaregiverSummary {
  lastRecordAt: number | null;
  heldCode: number | null;
  /** the held level's name as printed on its certificate */
  heldName: string | null;
}

/** Latest record time and the highest level held, per caregiver, for the assessor's list (two queries). */
export function caregiverSummaries(db: Db, userIds: number[]): Map<number, CaregiverSummary> {
  const out = new Map<number, CaregiverSummary>();
  if (!userIds.length) return out;
  const ids = sql.join(userIds.map((i) => sql`${i}`), sql`, `);
  for (const id of userIds) out.set(id, { lastRecordAt: null, heldCode: null, heldName: null });
  for (const r of db
    .select({ userId: skillAssessments.userId, at: sql<number>`max(${skillAssessments.assessedAt})` })
    .from(skillAssessments)
    .where(sql`${skillAssessments.userId} in (${ids})`)
    .groupBy(skillAssessments.userId)
    .all())
    out.get(r.userId)!.lastRecordAt = r.at;
  for (const c of db
    .select({ userId: certificates.userId, level: certificates.level })
    .from(certificates)
    .where(and(eq(certificates.kind, 'skill-level'), eq(certificates.status, 'valid'), sql`${certificates.userId} in (${ids})`))
    .all()) {
    const code = levelCodeOfName(c.level);
    const s = out.get(c.userId)!;
    if (code !== null && (s.heldCode === null || code < s.heldCode)) Object.assign(s, { heldCode: code, heldName: c.level });
  }
  return out;
}
