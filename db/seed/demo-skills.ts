import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { users } from '../schema/index';
import { getRegionByCode } from '../../src/lib/org/regions';
import { getSkillPolicy } from '../../src/lib/skills/rules';
import { recordSkillAssessment } from '../../src/lib/skills/records';
import { dayOf } from '../../src/lib/time';

const DAY = 86_400_000;

/**
 * The demo caregiver 赵桂芳 is part way to 五级/初级, recorded through the product's own function (so the
 * rows carry the policy version and are audited) by the 十堰市 trainer: two classroom trainings credited
 * and a passed practical assessment. She still lacks the theory exam (no exam window has been run) and
 * some training hours, so no certificate is issued.
 */
export function seedDemoSkills(db: Db, now: number, phones: { caregiver: string; cityTrainer: string }): void {
  const caregiver = db.select().from(users).where(eq(users.phone, phones.caregiver)).get();
  const trainer = db.select().from(users).where(eq(users.phone, phones.cityTrainer)).get();
  const shiyan = getRegionByCode(db, '420300');
  if (!caregiver || !trainer || !shiyan) return;
  const sp = getSkillPolicy(db, shiyan.path, dayOf(now));
  if (!sp) return; // policy defaults not loaded (unit tests of the seed alone)
  const five = sp.rules.levels.find((l) => l.code === 5);
  if (!five) return;
  const actor = { userId: trainer.id, scopePath: shiyan.path, ip: null };
  // the rubric scored at 80 % of each area's points: a pass (80 of 100 with the default areas)
  const areas = Object.fromEntries(sp.rules.areas.map((a) => [a.key, Math.round(a.max * 0.8 * 2) / 2]));
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    recordSkillAssessment(t, actor, caregiver.id, { kind: 'hours', level: 5, hours: 64, note: '十堰市儿童福利院护理员岗前集中培训（8 天）' }, now - 40 * DAY);
    recordSkillAssessment(t, actor, caregiver.id, { kind: 'hours', level: 5, hours: 56, note: '生活照料与康复抚育实操训练（7 天）' }, now - 12 * DAY);
    recordSkillAssessment(t, actor, caregiver.id, { kind: 'practical', level: 5, areas, note: '五级技能操作考核（院内现场）' }, now - 10 * DAY);
  });
}
