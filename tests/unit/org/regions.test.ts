import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { createTestDb } from '../../factories/db';
import { buildWorld } from '../../factories/world';
import { getAncestors, countByLevel, searchRegions, getChildren, getRegionByCode } from '../../../src/lib/org/regions';
import { isWithin, pathIds, withinSql } from '../../../src/lib/org/scope';
import { regions } from '../../../db/schema/index';
import { getStaffing, listVacantVillages } from '../../../src/lib/org/staffing';
import type { Db } from '../../../db/client';

let t: ReturnType<typeof createTestDb>;
let db: Db;
let w: Awaited<ReturnType<typeof buildWorld>>;
beforeEach(async () => {
  t = createTestDb();
  db = t.db;
  w = await buildWorld(db);
});
afterEach(() => t.cleanup());

describe('region tree', () => {
  it('stores the five levels with materialised paths', () => {
    expect(w.province.path).toBe(`/${w.province.id}/`);
    expect(w.cgVillage.path).toBe(`${w.chengguan.path}${w.cgVillage.id}/`);
    expect(pathIds(w.cgVillage.path)).toEqual([w.province.id, w.shiyan.id, w.zhushan.id, w.chengguan.id, w.cgVillage.id]);
    expect(w.cgVillage.fullName).toBe('湖北省十堰市竹山县城关镇测试一村');
    expect(getAncestors(db, w.cgVillage).map((r) => r.name)).toEqual(['湖北省', '十堰市', '竹山县', '城关镇', '测试一村']);
  });

  it('has every 市州 and county of Hubei, with the direct-administered cities named plainly', () => {
    const counts = countByLevel(db, w.province.path);
    expect(counts[2]).toBe(14);
    expect(counts[3]).toBe(103);
    expect(getRegionByCode(db, '429004')!.fullName).toBe('湖北省仙桃市');
    expect(getChildren(db, w.zhushan.id).map((r) => r.name)).toContain('宝丰镇');
  });

  it('answers "everything under 竹山县" with one range query on the path index', () => {
    const under = db.select().from(regions).where(withinSql(regions.path, w.zhushan.path)).all();
    expect(under.every((r) => r.path.startsWith(w.zhushan.path))).toBe(true);
    expect(under.some((r) => r.id === w.hxVillage.id)).toBe(false);
    expect(under.length).toBe(1 + 17 + 3);
    const plan = db.$client
      .prepare(`explain query plan select * from regions where path >= ? and path < ?`)
      .all(w.zhushan.path, w.zhushan.path + '~') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX regions_path_uq/);
  });

  it('does not confuse sibling ids that share a prefix (/1/2/ vs /1/23/)', () => {
    expect(isWithin('/1/2/', '/1/23/')).toBe(false);
    expect(isWithin('/1/2/', '/1/2/3/')).toBe(true);
  });

  it('searches names only inside a scope', () => {
    expect(searchRegions(db, w.zhushan.path, '测试').map((r) => r.name).sort()).toEqual(['测试一村', '测试三村', '测试二村']);
    expect(searchRegions(db, w.jiangling.path, '测试').map((r) => r.name)).toEqual(['测试四村']);
    expect(searchRegions(db, w.province.path, '%')).toEqual([]);
  });

  it('counts staffing coverage and lists vacancies', () => {
    w.person('director', w.cgVillage);
    w.person('supervisor', w.chengguan);
    const s = getStaffing(db, w.zhushan.path);
    expect(s).toMatchObject({ villages: 3, villagesCovered: 1, townships: 17, townshipsCovered: 1, directors: 1, supervisors: 1 });
    expect(listVacantVillages(db, w.zhushan.path).map((v) => v.name)).toEqual(['测试二村', '测试三村']);
  });
});
