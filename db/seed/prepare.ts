import type { Db } from '../client';
import { migrateDb } from '../client';
import { regions, users, roleAssignments } from '../schema/index';
import { and, eq, sql } from 'drizzle-orm';
import { seedDemo } from './demo';
import { seedHubeiTree } from './regions';
import { insertUser, insertAssignment } from './factories';
import { hashPassword, checkPasswordPolicy } from '../../src/lib/auth/password';
import { writeAudit } from '../../src/lib/audit/audit';
import { loadContent } from '../../src/lib/learning/content';
import { syncContent } from '../../src/lib/learning/sync';
import { loadPolicyDefaults, syncPolicyDefaults } from '../../src/lib/policy/defaults';
import { resolve } from 'node:path';
import { rebuildRollups, rollupsEmpty, ensurePlanRollups } from '../../src/lib/dashboard/rollups';
import { dayOf } from '../../src/lib/time';

export interface PrepareOptions {
  demo: boolean;
  /** the content/ folder (courses, curricula, policy defaults); defaults to ./content */
  contentDir?: string;
  adminPhone?: string;
  adminPassword?: string;
  adminName?: string;
  log?: (s: string) => void;
}

export class BootstrapError extends Error {}

/**
 * Run before the server listens: apply migrations; on an empty database seed either the demo province
 * (TONGHU_DEMO=1) or the real region tree plus one administrator from the environment (TONGHU_DEMO=0).
 */
export async function prepareDatabase(db: Db, o: PrepareOptions): Promise<void> {
  const log = o.log ?? (() => {});
  migrateDb(db);
  log('数据库迁移已应用 (migrations applied)');
  const contentDir = resolve(o.contentDir ?? 'content');
  const sync = syncContent(db, loadContent(contentDir));
  log(`课程内容已同步 (content synced): 新增 ${sync.coursesAdded.length} 门课程${sync.coursesNewVersion.length ? `, 新版本: ${sync.coursesNewVersion.join('; ')}` : ''}, ${sync.curricula} 个培训方案`);
  const empty = (db.select({ n: sql<number>`count(*)` }).from(regions).get()?.n ?? 0) === 0;
  const policyDefaults = loadPolicyDefaults(contentDir);
  if (!empty) syncPolicyDefaults(db, policyDefaults);
  if (empty && o.demo) {
    const s = await seedDemo(db, { policyDefaults });
    // the demo seed writes some history in bulk: count the dashboards' rollups from scratch once
    rebuildRollups(db, dayOf(Date.now()));
    log(`已写入演示数据 (demo seed): ${s.regions} 个区划, ${s.directors} 名儿童主任, ${s.supervisors} 名督导员, ${s.vacantVillages} 个空缺村`);
    return;
  }
  if (empty) {
    seedHubeiTree(db);
    syncPolicyDefaults(db, policyDefaults);
  }
  // a database from before the dashboards (or a bulk-loaded one): count the rollups once (ADR 0014)
  if (rollupsEmpty(db)) {
    rebuildRollups(db, dayOf(Date.now()));
    log('统计汇总已重建 (dashboard rollups rebuilt)');
  }
  // rollups counted before the plan figures existed (M17): count those once
  if (ensurePlanRollups(db)) log('规划监测汇总已补算 (plan rollups counted)');
  const hasAdmin = db
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.role, 'admin'), eq(roleAssignments.active, true)))
    .get();
  if (hasAdmin) return;
  if (!o.adminPhone || !o.adminPassword) {
    throw new BootstrapError(
      '数据库中还没有管理员：请设置 TONGHU_ADMIN_PHONE 和 TONGHU_ADMIN_PASSWORD 以创建初始管理员 (no administrator yet: set TONGHU_ADMIN_PHONE and TONGHU_ADMIN_PASSWORD).',
    );
  }
  const problem = checkPasswordPolicy(o.adminPassword, o.adminPhone);
  if (problem) throw new BootstrapError(`TONGHU_ADMIN_PASSWORD 不符合密码要求 (${problem})：至少 8 位，须含字母和数字，不能包含手机号。`);
  const province = db.select().from(regions).where(eq(regions.level, 1)).get();
  if (!province) throw new BootstrapError('区划树为空，无法创建管理员。');
  const passwordHash = await hashPassword(o.adminPassword);
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    const existing = t.select().from(users).where(eq(users.phone, o.adminPhone!)).get();
    const id = existing?.id ?? insertUser(t, { phone: o.adminPhone!, name: o.adminName ?? '系统管理员', passwordHash });
    insertAssignment(t, id, 'admin', province.id);
    writeAudit(tx, {
      actorUserId: null,
      action: 'system.bootstrap_admin',
      entityType: 'user',
      entityId: id,
      regionPath: province.path,
      after: { phone: o.adminPhone, role: 'admin' },
    });
  });
  log(`已创建初始管理员 ${o.adminPhone}`);
}
