import { seedDemoNotices } from './demo-notify';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { regions, institutions } from '../schema/index';
import { getChildren, getRegionByCode, type Region } from '../../src/lib/org/regions';
import { hashPassword } from '../../src/lib/auth/password';
import { ZHUSHAN_TOWNSHIPS, JIANGLING_TOWNSHIPS } from './data/hubei-regions';
import { seedHubeiTree, seedDemoVillages } from './regions';
import { insertUser, insertAssignment, nameGenerator } from './factories';
import { createRng } from './rng';
import { syncPolicyDefaults, type PolicyDefault } from '../../src/lib/policy/defaults';
import { seedDemoLearning } from './demo-learning';
import { seedDemoSkills } from './demo-skills';
import { seedDemoFieldwork, type FieldworkSummary } from './demo-fieldwork';
import { computeRatings } from '../../src/lib/fieldwork/performance';
import { periodOf, previousPeriod, type Period } from '../../src/lib/fieldwork/periods';
import { dayOf } from '../../src/lib/time';
import { users, roleAssignments } from '../schema/index';
import { and } from 'drizzle-orm';

/** The one password of every demo account (README § 演示账号). */
export const DEMO_PASSWORD = 'Tonghu#2026';

export const DEMO_ACCOUNTS = {
  admin: '13900000000',
  provinceOfficial: '13900000001',
  zhushanOfficial: '13900000002',
  zhushanTrainer: '13900000003',
  zhushanSupervisor: '13900000004',
  zhushanDirector: '13900000005',
  caregiver: '13900000006',
  jianglingDirector: '13900000007',
  jianglingOfficial: '13900000008',
  /** a city-level trainer: assesses the caregivers of 十堰市儿童福利院 (skill levels) */
  shiyanTrainer: '13900000009',
  /** 第三方评估 (read-only evaluator) of 十堰市: plan monitoring aggregates only (M17) */
  shiyanEvaluator: '13900000010',
} as const;

export interface DemoSummary {
  regions: number;
  villages: number;
  directors: number;
  supervisors: number;
  vacantVillages: number;
  /** a year of field work in the two counties (null without the policy defaults) */
  fieldwork?: FieldworkSummary | null;
}

function must(r: Region | null, what: string): Region {
  if (!r) throw new Error(`demo seed: ${what} not found`);
  return r;
}

/**
 * The demo province: Hubei's real tree, demo villages in 竹山县 and 江陵县, the ten documented demo
 * accounts, and a director for almost every village (a few vacancies on purpose) and a supervisor for
 * every township but one. Only ever run on an empty database.
 */
export async function seedDemo(db: Db, opts: { policyDefaults?: PolicyDefault[]; now?: number } = {}): Promise<DemoSummary> {
  const now = opts.now ?? Date.now();
  // One hash shared by every demo account: they share the documented password anyway, and hashing
  // ~500 times would slow the first start by half a minute.
  const hash = await hashPassword(DEMO_PASSWORD);
  const province = seedHubeiTree(db);
  syncPolicyDefaults(db, opts.policyDefaults ?? []);
  const villages = [
    ...seedDemoVillages(db, '420323', ZHUSHAN_TOWNSHIPS, 323),
    ...seedDemoVillages(db, '421024', JIANGLING_TOWNSHIPS, 1024),
  ];
  const shiyan = must(getRegionByCode(db, '420300'), '十堰市');
  const zhushan = must(getRegionByCode(db, '420323'), '竹山县');
  const jiangling = must(getRegionByCode(db, '421024'), '江陵县');
  const chengguan = must(getRegionByCode(db, '420323100'), '竹山县城关镇');
  const shiyanHome = db.select().from(institutions).where(eq(institutions.regionId, shiyan.id)).get();
  if (!shiyanHome) throw new Error('demo seed: 十堰市儿童福利院 missing');

  const summary: DemoSummary = { regions: 0, villages: villages.length, directors: 0, supervisors: 0, vacantVillages: 0 };
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    const add = (phone: string, name: string, role: Parameters<typeof insertAssignment>[2], regionId: number, inst: number | null = null) => {
      const id = insertUser(t, { phone, name, passwordHash: hash, now });
      insertAssignment(t, id, role, regionId, inst, now);
      return id;
    };
    const A = DEMO_ACCOUNTS;
    add(A.admin, '周立群', 'admin', province.id);
    add(A.provinceOfficial, '陈建华', 'official', province.id);
    add(A.zhushanOfficial, '刘正平', 'official', zhushan.id);
    const trainer = add(A.zhushanTrainer, '王慧敏', 'trainer', zhushan.id);
    add(A.zhushanSupervisor, '张秀兰', 'supervisor', chengguan.id);
    const chengguanVillages = getChildren(t, chengguan.id);
    const demoDirectorVillage = chengguanVillages.find((v) => v.name.endsWith('村')) ?? chengguanVillages[0]!;
    add(A.zhushanDirector, '李春燕', 'director', demoDirectorVillage.id);
    add(A.caregiver, '赵桂芳', 'caregiver', shiyan.id, shiyanHome.id);
    const jianglingVillages = villages.filter((v) => v.path.startsWith(jiangling.path) && v.name.endsWith('村'));
    const jianglingDemoVillage = jianglingVillages[0]!;
    add(A.jianglingDirector, '黄志刚', 'director', jianglingDemoVillage.id);
    add(A.jianglingOfficial, '吴海军', 'official', jiangling.id);
    add(A.shiyanTrainer, '孙丽萍', 'trainer', shiyan.id);
    add(A.shiyanEvaluator, '郑文博', 'evaluator', shiyan.id);
    // The demo trainer also learns: a second role to switch to (a person may hold several roles).
    // (that village's director is the trainer, so the loop below skips it)
    const trainerVillage = chengguanVillages.find((v) => v.id !== demoDirectorVillage.id && v.name.endsWith('村'))!;
    insertAssignment(t, trainer, 'director', trainerVillage.id, null, now);

    const rng = createRng(2026);
    const names = nameGenerator(42);
    let phoneSeq = 0;
    const nextPhone = (prefix: string) => `${prefix}${String(++phoneSeq).padStart(6, '0')}`;
    const taken = new Set<number>([demoDirectorVillage.id, jianglingDemoVillage.id, trainerVillage.id]);
    summary.directors = 3;
    summary.supervisors = 1;
    for (const county of [zhushan, jiangling]) {
      const townships = getChildren(t, county.id);
      townships.forEach((ts, i) => {
        // one township of 江陵县 has no supervisor yet: a vacancy dashboards must show
        const vacantTownship = county.id === jiangling.id && i === townships.length - 1;
        if (ts.id !== chengguan.id && !vacantTownship) {
          add(nextPhone('13600'), names(), 'supervisor', ts.id);
          summary.supervisors++;
        }
        for (const v of getChildren(t, ts.id)) {
          if (taken.has(v.id)) continue;
          if (rng.next() < 0.03) {
            summary.vacantVillages++;
            continue;
          }
          add(nextPhone('13700'), names(), 'director', v.id);
          summary.directors++;
        }
      });
    }
  });
  seedDemoLearning(db, now);
  seedDemoSkills(db, now, { caregiver: DEMO_ACCOUNTS.caregiver, cityTrainer: DEMO_ACCOUNTS.shiyanTrainer });
  // the demo's village and township staff have been in post for two years (their subsidy months and
  // ratings cover the past), except 李春燕, appointed five weeks ago (待上岗)
  db.$client
    .prepare(`update role_assignments set created_at = ? where role in ('director', 'supervisor') and user_id <> (select id from users where phone = ?)`)
    .run(now - 730 * 86_400_000, DEMO_ACCOUNTS.zhushanDirector);
  db.$client.prepare(`update role_assignments set created_at = ? where user_id = (select id from users where phone = ?)`).run(now - 35 * 86_400_000, DEMO_ACCOUNTS.zhushanDirector);
  summary.fieldwork = seedDemoFieldwork(db, now);
  if (summary.fieldwork) seedDemoRatings(db, now);
  seedDemoNotices(db, now, { director: DEMO_ACCOUNTS.zhushanDirector, supervisor: DEMO_ACCOUNTS.zhushanSupervisor, trainer: DEMO_ACCOUNTS.zhushanTrainer });
  summary.regions = db.select({ n: sql<number>`count(*)` }).from(regions).get()?.n ?? 0;
  return summary;
}

/**
 * Ratings as the two county officials would have stored them: the last three ended quarters, last month
 * and this year so far. So the adjustment list (two consecutive 不合格 quarters) and the commendation
 * candidates are there on first start, each with the policy version and the breakdown.
 */
function seedDemoRatings(db: Db, now: number): void {
  const today = dayOf(now);
  const q1 = previousPeriod(periodOf('quarter', today));
  const periods: Period[] = [previousPeriod(previousPeriod(q1)), previousPeriod(q1), q1, previousPeriod(periodOf('month', today)), periodOf('year', today)];
  for (const phone of [DEMO_ACCOUNTS.zhushanOfficial, DEMO_ACCOUNTS.jianglingOfficial]) {
    const a = db
      .select({ userId: users.id, regionId: roleAssignments.regionId, regionPath: roleAssignments.regionPath })
      .from(users)
      .innerJoin(roleAssignments, and(eq(roleAssignments.userId, users.id), eq(roleAssignments.role, 'official')))
      .where(eq(users.phone, phone))
      .get();
    if (!a) continue;
    for (const p of periods) computeRatings(db, { userId: a.userId, role: 'official', regionId: a.regionId, regionPath: a.regionPath }, a.regionId, p.key, now);
  }
}
