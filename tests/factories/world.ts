import type { Db } from '../../db/client';
import { getRegionByCode, getChildren, insertRegion, type Region } from '../../src/lib/org/regions';
import { seedHubeiTree } from '../../db/seed/regions';
import { insertUser, insertAssignment } from '../../db/seed/factories';
import { hashPassword } from '../../src/lib/auth/password';
import type { Role } from '../../db/schema/auth';

/**
 * A small world for tests: Hubei's real tree plus two villages under 竹山县城关镇 and 宝丰镇 and one
 * under 江陵县郝穴镇. Every user created through `person` shares one password hash ('Passw0rd!').
 */
export async function buildWorld(db: Db) {
  const hash = await hashPassword('Passw0rd!');
  const province = seedHubeiTree(db);
  const r = (code: string) => {
    const x = getRegionByCode(db, code);
    if (!x) throw new Error(code);
    return x;
  };
  const shiyan = r('420300');
  const zhushan = r('420323');
  const chengguan = r('420323100');
  const baofeng = r('420323103');
  const jingzhou = r('421000');
  const jiangling = r('421024');
  const haoxue = r('421024106');
  const v = (parent: Region, name: string) => insertRegion(db, { code: null, name, level: 5, parent, isDemoName: true });
  const cgVillage = v(chengguan, '测试一村');
  const cgVillage2 = v(chengguan, '测试二村');
  const bfVillage = v(baofeng, '测试三村');
  const hxVillage = v(haoxue, '测试四村');
  let seq = 0;
  const person = (role: Role, region: Region, name = `人员${seq + 1}`, institutionId: number | null = null) => {
    const id = insertUser(db, { phone: `1380000${String(++seq).padStart(4, '0')}`, name, passwordHash: hash });
    insertAssignment(db, id, role, region.id, institutionId);
    return id;
  };
  return { province, shiyan, zhushan, chengguan, baofeng, jingzhou, jiangling, haoxue, cgVillage, cgVillage2, bfVillage, hxVillage, person, hash, children: (x: Region) => getChildren(db, x.id) };
}
