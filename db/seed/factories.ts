import type { Db } from '../client';
import { countNewAssignment } from '../../src/lib/dashboard/rollups';
import { users, roleAssignments } from '../schema/index';
import type { Role } from '../schema/auth';
import { getRegion } from '../../src/lib/org/regions';
import { createRng } from './rng';

/**
 * Factories shared by the demo seed and the tests. They write rows directly (no audit): they create
 * the world a test or demo starts from, not changes a person made.
 */
export interface UserSpec {
  phone: string;
  name: string;
  passwordHash: string;
  idNumber?: string | null;
  mustChangePassword?: boolean;
  active?: boolean;
  now?: number;
}

export function insertUser(db: Db, u: UserSpec): number {
  const now = u.now ?? Date.now();
  return db
    .insert(users)
    .values({
      phone: u.phone,
      name: u.name,
      idNumber: u.idNumber ?? null,
      passwordHash: u.passwordHash,
      mustChangePassword: u.mustChangePassword ?? false,
      active: u.active ?? true,
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    })
    .returning({ id: users.id })
    .get().id;
}

export function insertAssignment(db: Db, userId: number, role: Role, regionId: number, institutionId: number | null = null, now = Date.now()): number {
  const region = getRegion(db, regionId);
  if (!region) throw new Error(`no region ${regionId}`);
  const id = db
    .insert(roleAssignments)
    .values({ userId, role, regionId, regionPath: region.path, institutionId, active: true, createdAt: now })
    .returning({ id: roleAssignments.id })
    .get().id;
  countNewAssignment(db, { id, role, regionId, regionPath: region.path });
  return id;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '秀英丽华敏静燕芳玲红霞梅兰琴凤翠娟桂珍莉萍建国志明海军文杰勇强伟平刚春林峰涛斌辉磊波玉蓉小艳慧雪婷云洁';

/** Plausible demo names (deterministic for a seed). */
export function nameGenerator(seed: number) {
  const rng = createRng(seed);
  return () => rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.next() < 0.7 ? rng.pick(GIVEN) : '');
}
