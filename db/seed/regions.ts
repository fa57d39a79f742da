import type { Db } from '../client';
import { insertRegion, getRegionByCode, type Region } from '../../src/lib/org/regions';
import { institutions } from '../schema/index';
import { HUBEI, ZHUSHAN_TOWNSHIPS, JIANGLING_TOWNSHIPS, type RegionSeed, type TownshipSeed } from './data/hubei-regions';
import { createRng } from './rng';

/** The pseudo-node grouping 仙桃、潜江、天门、神农架: not part of their full names. */
const PSEUDO_CITY_CODE = '429000';

/** Inserts 湖北省, its 市州 and counties, and the real townships of the two demo counties. Real data only. */
export function seedHubeiTree(db: Db): Region {
  return db.transaction((tx) => {
    const t = tx as unknown as Db;
    const province = insertRegion(t, { code: HUBEI.code, name: HUBEI.name, level: 1, parent: null });
    const walk = (node: RegionSeed, parent: Region, level: number, fullPrefix: string) => {
      const fullName = fullPrefix + node.name;
      const r = insertRegion(t, { code: node.code, name: node.name, level, parent, fullName });
      const childPrefix = node.code === PSEUDO_CITY_CODE ? fullPrefix : fullName;
      for (const c of node.children ?? []) walk(c, r, level + 1, childPrefix);
    };
    for (const city of HUBEI.children ?? []) walk(city, province, 2, province.fullName);
    for (const [countyCode, townships] of [
      ['420323', ZHUSHAN_TOWNSHIPS],
      ['421024', JIANGLING_TOWNSHIPS],
    ] as const) {
      const county = getRegionByCode(t, countyCode);
      if (!county) throw new Error(`seed: county ${countyCode} missing from HUBEI`);
      for (const ts of townships) insertRegion(t, { code: ts.code, name: ts.name, level: 4, parent: county });
    }
    // One child-welfare institution per 市州 (named as such institutions are commonly named).
    for (const city of HUBEI.children ?? []) {
      if (city.code === PSEUDO_CITY_CODE) continue;
      const r = getRegionByCode(t, city.code!);
      if (r) tx.insert(institutions).values({ name: `${r.name}儿童福利院`, regionId: r.id, regionPath: r.path }).run();
    }
    return province;
  });
}

// Syllables for demo village names. These are NOT real village names: every generated village is
// stored with is_demo_name = 1 and shown as such.
const FIRST = '青石桃柳龙凤黄白红新安和丰兴太平双合明光清泉金银松竹梅兰东西南北高长';
const SECOND = '山河湾岭坪沟坡桥庄堰塘冲岗湖店园林峪坝寨畈垭溪';

/** Demo villages (and one 社区 per township) for the townships of a demo county. */
export function seedDemoVillages(db: Db, countyCode: string, townships: TownshipSeed[], seed: number): Region[] {
  const rng = createRng(seed);
  const out: Region[] = [];
  db.transaction((tx) => {
    const t = tx as unknown as Db;
    for (const ts of townships) {
      const township = getRegionByCode(t, ts.code!);
      if (!township) throw new Error(`seed: township ${ts.code} missing`);
      const used = new Set<string>();
      const names: string[] = [...ts.knownVillages];
      for (const n of names) used.add(n);
      names.unshift(`${township.name.replace(/(镇|乡|管理区)$/, '')}社区`);
      while (names.length < ts.villageCount) {
        const n = `${rng.pick(FIRST)}${rng.pick(SECOND)}村`;
        if (!used.has(n)) {
          used.add(n);
          names.push(n);
        }
      }
      names.slice(0, ts.villageCount).forEach((name) => {
        // demo villages get no code: an invented code could be mistaken for an official one
        const isDemoName = !ts.knownVillages.includes(name);
        out.push(insertRegion(t, { code: null, name, level: 5, parent: township, isDemoName }));
      });
    }
  });
  void countyCode;
  return out;
}
