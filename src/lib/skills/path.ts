import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { attempts, certificates, courses, examWindows, learnerSummary, skillAssessments } from '../../../db/schema/index';
import type { Certificate } from '../certification/certificates';
import { translator } from '../../i18n/index';
import { getCaregiver, type Caregiver } from './caregivers';
import { getSkillPolicy, levelBelow, levelCodeOfName, type SkillRules } from './rules';

export type SkillRecord = typeof skillAssessments.$inferSelect;

/** Something still missing for a level: a message-catalog key with parameters, and its Chinese text. */
export interface Reason {
  key: string;
  params: Record<string, string | number>;
  text: string;
}

export interface LevelPath {
  code: number;
  name: string;
  /**
   * Training hours toward this level. Hours form one running total (online course hours + credited
   * offline hours) and count once: the required hours of every other level held, and of the levels below
   * that must be certified first, are set aside; what is left counts toward this level.
   */
  hours: { earned: number; required: number; met: boolean };
  theory: {
    courseSlug: string | null;
    courseTitle: string | null;
    /** false while the level has no theory course (policy says null, or the course is not in the catalogue) */
    available: boolean;
    /** best score of a released exam on the theory course, passed or not */
    score: number | null;
    met: boolean;
  };
  practical: { score: number | null; areaScores: Record<string, number> | null; assessedAt: number | null; met: boolean };
  defence: { required: boolean; score: number | null; assessedAt: number | null; met: boolean };
  prerequisite: { required: boolean; levelName: string | null; held: boolean; met: boolean };
  /** the newest certificate ever issued for this level (valid, revoked or superseded), if any */
  certificate: Certificate | null;
  /** holds a valid certificate of this level */
  held: boolean;
  /** every part met and no certificate issued yet: the level certificate is due */
  complete: boolean;
  missing: Reason[];
}

export interface SkillPath {
  caregiver: Caregiver;
  policy: { id: number; version: string; effectiveFrom: string; regionPath: string; note: string | null };
  rules: SkillRules;
  hours: { online: number; offline: number; total: number };
  /** 五级 first */
  levels: LevelPath[];
  /** the highest level held (lowest code), or null */
  heldCode: number | null;
  /** the lowest level not held yet: what the caregiver is working toward */
  target: LevelPath | null;
}

const zh = translator('zh-CN');
function reason(key: string, params: Record<string, string | number> = {}): Reason {
  return { key, params, text: zh.dyn(key, params) };
}

export const round1 = (n: number) => Math.round(n * 10) / 10;

/** Rows not replaced by a correction (a correction is a later row pointing at the one it replaces). */
export function effectiveRecords(rows: SkillRecord[]): SkillRecord[] {
  const corrected = new Set(rows.map((r) => r.correctsId).filter((x): x is number => x !== null));
  return rows.filter((r) => !corrected.has(r.id));
}

/** The caregiver's records, newest first. */
export function listRecordsOf(db: Db, userId: number): SkillRecord[] {
  return db.select().from(skillAssessments).where(eq(skillAssessments.userId, userId)).orderBy(desc(skillAssessments.id)).all();
}

/** Online course hours across all years (the per-person summary rows kept by src/lib/learning). */
export function onlineHours(db: Db, userId: number): number {
  return db.select({ h: sql<number>`coalesce(sum(${learnerSummary.hours}), 0)` }).from(learnerSummary).where(eq(learnerSummary.userId, userId)).get()?.h ?? 0;
}

/** Best released exam attempt on a course: exam results count only once the trainer has closed the window. */
function bestExamScore(db: Db, userId: number, courseId: number): { score: number; passed: boolean } | null {
  const row = db
    .select({ score: attempts.score, passed: attempts.passed })
    .from(attempts)
    .innerJoin(examWindows, eq(examWindows.id, attempts.examId))
    .where(and(eq(attempts.userId, userId), eq(attempts.courseId, courseId), isNotNull(attempts.submittedAt), isNotNull(examWindows.releasedAt), isNotNull(attempts.score)))
    .orderBy(desc(attempts.passed), desc(attempts.score))
    .get();
  return row ? { score: row.score ?? 0, passed: !!row.passed } : null;
}

function latest(rows: SkillRecord[], kind: SkillRecord['kind'], level: number): SkillRecord | null {
  return rows.find((r) => r.kind === kind && r.level === level) ?? null;
}

/**
 * A caregiver's path through the skill levels under the rules in force for their region on `day`: per
 * level, hours earned vs required, theory exam, practical assessment, defence (二级 and 一级), the level
 * below, the certificate, and what is still missing. Null when the person is not an active caregiver or
 * no skill-level policy applies.
 */
export function getSkillPath(db: Db, userId: number, day: string): SkillPath | null {
  const caregiver = getCaregiver(db, userId);
  if (!caregiver) return null;
  const sp = getSkillPolicy(db, caregiver.regionPath, day);
  if (!sp) return null;
  const { rules, policy } = sp;
  const pass = rules.passMark;

  const records = effectiveRecords(listRecordsOf(db, userId));
  const online = round1(onlineHours(db, userId));
  const offline = round1(records.filter((r) => r.kind === 'hours').reduce((s, r) => s + (r.hours ?? 0), 0));
  const total = round1(online + offline);

  const certs = db
    .select()
    .from(certificates)
    .where(and(eq(certificates.userId, userId), eq(certificates.kind, 'skill-level')))
    .orderBy(desc(certificates.id))
    .all();
  const certFor = (code: number) => certs.find((c) => levelCodeOfName(c.level) === code) ?? null;
  const holds = (code: number) => certs.some((c) => c.status === 'valid' && levelCodeOfName(c.level) === code);

  const levels: LevelPath[] = rules.levels.map((rule) => {
    const certificate = certFor(rule.code);
    const held = holds(rule.code);
    // hours are counted once: those of every other level held are used up, and so are those of the
    // levels below that must be certified first (the chain of prerequisites not yet held)
    const chain = new Set<number>();
    for (let r = rule; r.requiresLevelBelow; ) {
      const below = rules.levels.find((l) => l.code === r.code + 1);
      if (!below || holds(below.code)) break;
      chain.add(below.code);
      r = below;
    }
    const used = rules.levels.filter((l) => l.code !== rule.code && (holds(l.code) || chain.has(l.code))).reduce((s, l) => s + l.hours, 0);
    const earned = held ? (certificate?.hours ?? rule.hours) : round1(Math.max(0, total - used));
    const hoursMet = earned >= rule.hours;

    const course = rule.theoryCourse ? (db.select().from(courses).where(eq(courses.slug, rule.theoryCourse)).get() ?? null) : null;
    const best = course ? bestExamScore(db, userId, course.id) : null;
    const theoryMet = !!best && best.passed && best.score >= pass;

    const pr = latest(records, 'practical', rule.code);
    const practicalMet = !!pr && (pr.score ?? 0) >= pass;
    const df = rule.defence ? latest(records, 'defence', rule.code) : null;
    const defenceMet = !rule.defence || (!!df && (df.score ?? 0) >= pass);

    const below = rule.requiresLevelBelow ? levelBelow(rule.code) : null;
    const belowName = below ? (rules.levels.find((l) => l.code === below)?.name ?? `${below}`) : null;
    const belowHeld = below ? holds(below) : true;

    const missing: Reason[] = [];
    if (!held) {
      if (certificate?.status === 'revoked') missing.push(reason('skills.missing.revoked', { level: rule.name }));
      if (!belowHeld) missing.push(reason('skills.missing.prerequisite', { level: belowName! }));
      if (!hoursMet) missing.push(reason('skills.missing.hours', { short: round1(rule.hours - earned), earned, required: rule.hours }));
      if (!course) missing.push(reason('skills.missing.theoryUnavailable', { level: rule.name }));
      else if (!best) missing.push(reason('skills.missing.theory', { course: course.title, pass }));
      else if (!theoryMet) missing.push(reason('skills.missing.theoryScore', { score: best.score, pass }));
      if (!pr) missing.push(reason('skills.missing.practical', { pass }));
      else if (!practicalMet) missing.push(reason('skills.missing.practicalScore', { score: pr.score ?? 0, pass }));
      if (rule.defence && !df) missing.push(reason('skills.missing.defence', { pass }));
      else if (rule.defence && !defenceMet) missing.push(reason('skills.missing.defenceScore', { score: df?.score ?? 0, pass }));
    }
    const allMet = hoursMet && theoryMet && practicalMet && defenceMet && belowHeld;
    return {
      code: rule.code,
      name: rule.name,
      hours: { earned, required: rule.hours, met: hoursMet },
      theory: { courseSlug: course?.slug ?? rule.theoryCourse, courseTitle: course?.title ?? null, available: !!course, score: best?.score ?? null, met: theoryMet },
      practical: { score: pr?.score ?? null, areaScores: pr?.areaScores ?? null, assessedAt: pr?.assessedAt ?? null, met: practicalMet },
      defence: { required: rule.defence, score: df?.score ?? null, assessedAt: df?.assessedAt ?? null, met: defenceMet },
      prerequisite: { required: !!below, levelName: belowName, held: belowHeld, met: belowHeld },
      certificate,
      held,
      // a level certified once (even if later revoked) is never issued again automatically
      complete: allMet && !certificate,
      missing,
    };
  });
  const heldLevels = levels.filter((l) => l.held);
  return {
    caregiver,
    policy: { id: policy.id, version: policy.version, effectiveFrom: policy.effectiveFrom, regionPath: policy.regionPath, note: policy.note },
    rules,
    hours: { online, offline, total },
    levels,
    heldCode: heldLevels.length ? Math.min(...heldLevels.map((l) => l.code)) : null,
    target: levels.find((l) => !l.held) ?? null,
  };
}
